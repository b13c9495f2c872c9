/** API Gateway HTTP API (payload v2) events, as the service sends them to a Lambda. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export function apiEvent(
  method: string,
  routeKeyPath: string,
  opts: { path?: Record<string, string>; query?: Record<string, string>; body?: unknown; rawBody?: string } = {},
): APIGatewayProxyEventV2 {
  const rawPath = routeKeyPath.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(opts.path?.[k] ?? ''));
  const body = opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  return {
    version: '2.0',
    routeKey: `${method} ${routeKeyPath}`,
    rawPath,
    rawQueryString: new URLSearchParams(opts.query ?? {}).toString(),
    headers: { 'content-type': 'application/json' },
    ...(opts.query ? { queryStringParameters: opts.query } : {}),
    ...(opts.path ? { pathParameters: opts.path } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'local.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'local',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: `req-${Date.now()}`,
      routeKey: `${method} ${routeKeyPath}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
    ...(body !== undefined ? { body } : {}),
  };
}

export function bodyOf(r: APIGatewayProxyStructuredResultV2): Record<string, unknown> {
  return JSON.parse(String(r.body)) as Record<string, unknown>;
}
