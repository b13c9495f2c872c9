/**
 * GET /metrics: the trading metrics (prom-client) followed by the Temporal SDK's own (`temporal_*`),
 * scraped from its internal exporter, in one Prometheus text exposition.
 */
import http from 'node:http';
import type { TradingMetrics } from './metrics';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(opts: {
  port: number;
  host?: string;
  metrics: TradingMetrics;
  sdkMetricsUrl?: string;
}): Promise<MetricsServer> {
  const host = opts.host ?? '0.0.0.0';
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    scrape(opts).then(
      (text) => res.writeHead(200, { 'content-type': opts.metrics.registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(opts.port, host, resolve));
  const { port } = server.address() as { port: number };
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shown}:${port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function scrape(opts: { metrics: TradingMetrics; sdkMetricsUrl?: string }): Promise<string> {
  opts.metrics.sweep();
  const ours = await opts.metrics.registry.metrics();
  if (!opts.sdkMetricsUrl) return ours;
  // The SDK's exporter failing must not hide the trading metrics: its absence is a comment line.
  const sdk = await fetch(opts.sdkMetricsUrl, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => (r.ok ? r.text() : `# temporal sdk metrics: HTTP ${r.status}\n`),
    (e: unknown) => `# temporal sdk metrics unavailable: ${(e as Error).message}\n`,
  );
  return `${ours.endsWith('\n') ? ours : `${ours}\n`}${sdk}`;
}
