/**
 * SIGNED endpoints as Binance checks them:
 *   1. `X-MBX-APIKEY` header: missing or malformed → -2014 "API-key format invalid."; unknown →
 *      -2015 "Invalid API-key, IP, or permissions for action." (HTTP 401).
 *   2. `timestamp` and `signature` are mandatory (-1102); `recvWindow` defaults to 5000 and may not
 *      exceed 60000 (-1131).
 *   3. The request is valid iff timestamp < serverTime + 1000 and serverTime − timestamp ≤ recvWindow,
 *      otherwise -1021 (serverTime is the real wall clock).
 *   4. signature = hex HMAC-SHA256(secret, totalParams), where totalParams is the query string
 *      concatenated with the request body (no separator), each without its `signature=` parameter,
 *      exactly as sent (before URL-decoding). Otherwise -1022 "Signature for this request is not valid."
 */
import * as crypto from 'node:crypto';
import { ApiKey } from './keys';
import type { ApiKeys } from './keys';
import { MSG, SignedParams, binanceError, parseParams } from './protocol';

export const API_KEY_HEADER = 'x-mbx-apikey';
export const DEFAULT_RECV_WINDOW = 5000;
export const MAX_RECV_WINDOW = 60_000;

function withoutSignature(raw: string): string {
  return raw
    .split('&')
    .filter((p) => p !== '' && !p.startsWith('signature='))
    .join('&');
}

export function signPayload(secret: string, payload: string): string {
  return crypto.createHmac('sha256', secret).update(payload).digest('hex');
}

export interface SignedRequest {
  apiKeyHeader: string | string[] | undefined;
  rawQuery: string;
  rawBody: string;
  params: Record<string, string>;
}

/** The API key of a correctly signed request, or the Binance error that rejects it. */
export function verifySigned(req: SignedRequest, keys: ApiKeys, wallNow: number): string {
  const key = Array.isArray(req.apiKeyHeader) ? req.apiKeyHeader[0] : req.apiKeyHeader;
  if (key === undefined || !ApiKey.safeParse(key).success) throw binanceError(401, -2014, MSG.badApiKeyFormat);
  const secret = keys.secretOf(key);
  if (secret === undefined) throw binanceError(401, -2015, MSG.rejectedApiKey);
  const p = parseParams(SignedParams, req.params);
  const recvWindow = p.recvWindow ?? DEFAULT_RECV_WINDOW;
  if (recvWindow > MAX_RECV_WINDOW) throw binanceError(400, -1131, MSG.badRecvWindow);
  if (p.timestamp >= wallNow + 1000) throw binanceError(400, -1021, MSG.aheadOfServer);
  if (wallNow - p.timestamp > recvWindow) throw binanceError(400, -1021, MSG.outsideRecvWindow);
  const total = withoutSignature(req.rawQuery) + withoutSignature(req.rawBody);
  const expected = Buffer.from(signPayload(secret, total), 'hex');
  const given = Buffer.from(p.signature, 'hex');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected))
    throw binanceError(400, -1022, MSG.badSignature);
  return key;
}
