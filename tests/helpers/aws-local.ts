/**
 * A local HTTP endpoint that answers the two AWS calls tempotrade makes — Secrets Manager GetSecretValue
 * (JSON 1.1 protocol) and SNS Publish (query protocol) — so the real AWS SDK v3 clients are exercised
 * end to end (signing, serialization, error parsing) without an AWS account. It records every request.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwsLocal {
  url: string;
  secrets: Map<string, string>;
  requests: Array<{ target: string; body: string }>;
  published: Array<Record<string, string>>;
  close(): Promise<void>;
}

export async function startAwsLocal(): Promise<AwsLocal> {
  const secrets = new Map<string, string>();
  const requests: AwsLocal['requests'] = [];
  const published: AwsLocal['published'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      requests.push({ target: target || 'query', body });
      if (target === 'secretsmanager.GetSecretValue') {
        const { SecretId } = JSON.parse(body) as { SecretId: string };
        const value = secrets.get(SecretId);
        if (value === undefined) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          return res.end(
            JSON.stringify({
              __type: 'ResourceNotFoundException',
              message: "Secrets Manager can't find the specified secret.",
            }),
          );
        }
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        return res.end(
          JSON.stringify({
            ARN: SecretId,
            Name: SecretId,
            SecretString: value,
            VersionId: 'v1',
            VersionStages: ['AWSCURRENT'],
            CreatedDate: 1_700_000_000,
          }),
        );
      }
      const form = Object.fromEntries(new URLSearchParams(body));
      if (form.Action === 'Publish') {
        published.push(form);
        res.writeHead(200, { 'content-type': 'text/xml' });
        return res.end(
          `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>msg-${published.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r-${published.length}</RequestId></ResponseMetadata></PublishResponse>`,
        );
      }
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ __type: 'UnknownOperationException', message: `not served here: ${target || form.Action}` }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, secrets, requests, published, close: () => new Promise((r) => server.close(() => r())) };
}

/** Env for the SDK clients: fixed test credentials and region, endpoints pointing at the local server. */
export function awsLocalEnv(url: string): Record<string, string> {
  return {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-test-secret',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
    AWS_ENDPOINT_URL_SNS: url,
  };
}
