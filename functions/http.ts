/**
 * The one adapter between API Gateway (HTTP API, payload v2) and the client code the CLI uses. A handler
 * declares zod schemas for its path parameters, query string and body; a bad request is answered 400
 * with every offending field named, before anything reaches Temporal. Errors map to HTTP by code:
 * VALIDATION 400, *_NOT_FOUND 404, *_ALREADY_EXISTS 409, Temporal unreachable / no worker 503.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { TempotradeError, type ErrorCode } from '../domain/errors';
import { connectClient, loadTemporalConfig } from '../temporal/connection';
import { TASK_QUEUES } from '../temporal/task-queues';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface FieldError {
  field: string;
  message: string;
}

export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  RUN_NOT_FOUND: 404,
  SCHEDULE_NOT_FOUND: 404,
  ACCOUNT_NOT_FOUND: 404,
  RUN_ALREADY_EXISTS: 409,
  SCHEDULE_ALREADY_EXISTS: 409,
  NETWORK: 503,
  EXCHANGE_UNAVAILABLE: 503,
};

export function errorResult(e: unknown): HttpResult {
  if (e instanceof TempotradeError) {
    const status = STATUS[e.code] ?? 500;
    const fields = Array.isArray(e.details.fields) ? (e.details.fields as string[]) : undefined;
    if (status === 500) console.error(JSON.stringify({ error: e.code, message: e.message }));
    return json(status, { error: e.code, message: e.message, ...(fields ? { fields } : {}) });
  }
  console.error(e);
  return json(500, { error: 'INTERNAL', message: 'internal error (see the function log)' });
}

function badRequest(where: string, error: z.ZodError): TempotradeError {
  const issues: FieldError[] = error.issues.map((i) => ({
    field: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  return new TempotradeError('VALIDATION', issues.map((i) => `${i.field}: ${i.message}`).join('; '), {
    fields: issues.map((i) => i.field),
    issues,
  });
}

function bodyOf(event: HttpEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw new TempotradeError('VALIDATION', 'body: must be JSON', { fields: ['body'] });
  }
}

interface Schemas<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  path?: P;
  query?: Q;
  body?: B;
}

export interface Parsed<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  path: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

export function parseEvent<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  event: HttpEvent,
  s: Schemas<P, Q, B>,
): Parsed<P, Q, B> {
  const part = <S extends z.ZodType>(where: string, schema: S | undefined, raw: unknown): z.output<S> => {
    if (!schema) return undefined as z.output<S>;
    const r = schema.safeParse(raw);
    if (!r.success) throw badRequest(where, r.error);
    return r.data;
  };
  return {
    path: part('path', s.path, event.pathParameters ?? {}),
    query: part('query', s.query, event.queryStringParameters ?? {}),
    body: part('body', s.body, bodyOf(event)),
  };
}

// ---- one Temporal client per Lambda container (config and credentials read once, then cached) ----
let client: Promise<Client> | undefined;
export function temporalClient(): Promise<Client> {
  client ??= loadTemporalConfig().then((cfg) => connectClient(cfg));
  client.catch(() => (client = undefined)); // a failed connect is retried by the next invocation
  return client;
}

/** Close the cached client (tests; a Lambda container never needs to). */
export async function closeTemporalClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await (await c.catch(() => undefined))?.connection.close();
}

export function taskQueue(env: Record<string, string | undefined> = process.env): string {
  return env.TEMPOTRADE_TASK_QUEUE || TASK_QUEUES.strategies;
}

/** A Lambda handler: parse the event, call the client code, map errors to HTTP. */
export function httpHandler<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  schemas: Schemas<P, Q, B>,
  fn: (req: Parsed<P, Q, B>, client: Client) => Promise<HttpResult>,
) {
  return async (event: HttpEvent): Promise<HttpResult> => {
    try {
      const req = parseEvent(event, schemas);
      return await fn(req, await temporalClient());
    } catch (e) {
      return errorResult(e);
    }
  };
}

/** Path parameter `{id}` of a run, schedule or account. */
export const IdPath = z
  .object({
    id: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only'),
  })
  .strict();
