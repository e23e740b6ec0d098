import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from './logger';
import type { Readiness } from './readiness';

/**
 * prom-client's gauges named like counters: `promtool check metrics` rejects them, and each is
 * the sum of its by-type sibling (`nodejs_active_handles{type}`, ...), which stays.
 */
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * A registry with the process defaults (CPU, memory, event-loop lag) under a service label.
 * The defaults keep their standard `process_` / `nodejs_` names, so stock dashboards read
 * them; everything fin-line defines starts with `finline_`.
 */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  return registry;
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** Answers `GET /readyz` (200 when ok, else 503); without it `/readyz` is 404. */
  readonly ready?: () => Promise<Readiness>;
  /**
   * More exposition text appended to the registry's (the Temporal SDK's own exporter); must
   * not reject, and must not repeat a metric family of the registry.
   */
  readonly extra?: () => Promise<string>;
}

/** Serves `GET /metrics` (Prometheus text), `GET /healthz` and `GET /readyz` on its own port. */
export async function startMetricsServer(
  registry: Registry,
  opts: MetricsServerOptions,
): Promise<Server> {
  const metrics = async (): Promise<string> => {
    const [own, extra] = await Promise.all([registry.metrics(), opts.extra?.() ?? '']);
    if (!extra) return own;
    return own.endsWith('\n') ? own + extra : `${own}\n${extra}`;
  };
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path === '/metrics') {
      metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500).end(String(err));
        },
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz' && opts.ready) {
      opts.ready().then(
        ({ ok, checks }) => {
          res.writeHead(ok ? 200 : 503, {
            'content-type': 'application/json',
            'cache-control': 'no-store',
          });
          res.end(JSON.stringify({ ready: ok, ...checks }));
        },
        (err: unknown) => {
          res.writeHead(503).end(String(err));
        },
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  opts.logger.info({ addr }, 'metrics listening');
  return server;
}
