import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from './logger';

/** A registry with the process defaults (CPU, memory, event-loop lag) under a service label. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Serves `GET /metrics` (Prometheus text) and `GET /healthz` on its own port. */
export async function startMetricsServer(
  registry: Registry,
  opts: { host: string; port: number; logger: Logger },
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500).end(String(err));
        },
      );
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
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
