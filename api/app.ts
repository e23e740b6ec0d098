import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { createKeys, type Redis } from '../lib/redis';
import type { ApiContext } from './context';
import { useGraphQLMetrics } from './plugins/metrics';
import { useOpsEndpoints } from './plugins/ops-endpoints';
import { createRequestLogging } from './plugins/request-logging';
import { createApiSchema } from './schema';
import { yogaLogger } from './yoga-logger';

/** What {@link createApp} needs; the caller owns all of it and closes it. */
export interface AppDeps {
  readonly config: Config;
  /** Used for reads and readiness; `stop()` leaves it open. */
  readonly redis: Redis;
  readonly logger: Logger;
  readonly registry: Registry;
  /**
   * How long `stop()` waits for in-flight requests before cutting their connections.
   * @defaultValue 10000
   */
  readonly shutdownGraceMs?: number;
  /**
   * How long `/readyz` waits for Redis PING before answering 503.
   * @defaultValue 1000
   */
  readonly readinessTimeoutMs?: number;
}

/** The GraphQL service, built but not listening. */
export interface App {
  /** Yoga's fetch handler; `yoga.fetch(url, init)` serves requests without a socket. */
  readonly yoga: YogaServerInstance<Record<string, never>, ApiContext>;
  readonly server: Server;
  /** Listens on `config.api.host:port` (port 0 picks a free one). */
  start(): Promise<{ port: number; url: string }>;
  /** Stops accepting connections and waits for in-flight requests (up to the grace period). */
  stop(): Promise<void>;
}

/**
 * Builds the GraphQL service: `/graphql` (GraphiQL in development only), `/healthz`,
 * `/readyz` and `/metrics`, on one Node HTTP server.
 */
export function createApp(deps: AppDeps): App {
  const { config, redis, registry, logger } = deps;
  const keys = createKeys(config.redis.keyPrefix);
  const requests = createRequestLogging(logger.child({ module: 'http' }));
  const isDev = config.env === 'development';

  const yoga = createYoga<Record<string, never>, ApiContext>({
    schema: createApiSchema(),
    context: ({ request }): ApiContext => ({ redis, keys, logger: requests.loggerFor(request) }),
    graphqlEndpoint: '/graphql',
    graphiql: isDev,
    landingPage: false,
    // Always on: only GraphQLErrors (user errors) reach clients; dev adds the original error.
    maskedErrors: { isDev },
    logging: yogaLogger(logger.child({ module: 'yoga' })),
    plugins: [
      requests.plugin,
      useOpsEndpoints({
        registry,
        ready: () => redisReady(redis, deps.readinessTimeoutMs ?? 1000),
      }),
      useGraphQLMetrics({ registry }),
    ],
  });
  const server = createServer(yoga);
  const graceMs = deps.shutdownGraceMs ?? 10_000;

  return {
    yoga,
    server,
    async start() {
      if (server.listening) throw new Error('api already started');
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.api.port, config.api.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const { port } = server.address() as AddressInfo;
      const host = config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host;
      return { port, url: `http://${host}:${port}${yoga.graphqlEndpoint}` };
    },
    async stop() {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
      // Keep-alive sockets would hold close() open until the client drops them.
      server.closeIdleConnections();
      const cutoff = setTimeout(() => server.closeAllConnections(), graceMs);
      cutoff.unref();
      try {
        await closed;
      } finally {
        clearTimeout(cutoff);
      }
      await yoga.dispose();
    },
  };
}

/**
 * True when Redis answers PING in time. A connection that is not `ready` fails at once:
 * ioredis would otherwise queue the PING until it reconnects, and the probe would hang.
 */
async function redisReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return (await Promise.race([redis.ping(), timeout])) === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
