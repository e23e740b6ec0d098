import { createServer, type Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type GraphiQLOptions, type YogaServerInstance } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { keysOf, type Redis } from '../lib/redis';
import { createApiAuth, rateLimitClientId, type ApiAuth } from './auth';
import { readConsoleOperations } from './console/operations';
import { consoleSettings, useConsole } from './console/serve';
import type { ApiContext, ApiServices, HistoryArchive } from './context';
import { createContextFactory } from './context-factory';
import {
  createRateLimitAdmission,
  createRateLimiter,
  useRateLimit,
  type RateLimiter,
} from './limits';
import { useGraphQLMetrics } from './plugins/metrics';
import { useOpsEndpoints } from './plugins/ops-endpoints';
import { createPersistedOperations } from './plugins/persisted-operations';
import { useQueryLimits } from './plugins/query-limits';
import { createRequestLogging } from './plugins/request-logging';
import { useTracing } from './plugins/tracing';
import { tracingOn } from '../lib/tracing';
import { createApiSchema } from './schema';
import { createServices } from './services/create-services';
import { createReadiness } from './services/readiness';
import { guardBody } from './transports/body-guard';
import { closeGracefully, listen } from './transports/http-server';
import { attachWebSocketTransport } from './transports/ws';
import { yogaLogger } from './yoga-logger';

/** What {@link createApp} needs; the caller owns all of it and closes it. */
export interface AppDeps {
  readonly config: Config;
  /** Used for reads and readiness; `stop()` leaves it open. */
  readonly redis: Redis;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Client for workflow state and operator mutations (a lazy connection is fine). */
  readonly temporal: Client;
  /** Authentication, API keys and audit; built from `config.api.auth` when omitted. */
  readonly auth?: ApiAuth;
  /** Per-client rate limiter; built from `config.api.rateLimit` when omitted. */
  readonly rateLimiter?: RateLimiter;
  /** The archive, for `history` beyond what Redis still holds; the caller closes it. */
  readonly archive?: HistoryArchive;
  /**
   * How long `stop()` waits for in-flight requests before cutting their connections.
   * @defaultValue 10000
   */
  readonly shutdownGraceMs?: number;
  /**
   * How long `/readyz` waits for Redis PING and Temporal before answering 503.
   * @defaultValue 1000
   */
  readonly readinessTimeoutMs?: number;
}

/** The GraphQL service, built but not listening. */
export interface App {
  /** Yoga's fetch handler; `yoga.fetch(url, init)` serves requests without a socket. */
  readonly yoga: YogaServerInstance<Record<string, never>, ApiContext>;
  readonly server: Server;
  readonly services: ApiServices;
  /** Subscribes to quote updates, then listens on `config.api.host:port` (port 0 picks a free one). */
  start(): Promise<{ port: number; url: string }>;
  /** Stops accepting connections, ends subscriptions and waits for in-flight requests (up to the grace period). */
  stop(): Promise<void>;
}

/**
 * Builds the GraphQL service: `/graphql` over HTTP, server-sent events and graphql-ws
 * (GraphiQL in development only), `/healthz`, `/readyz` and `/metrics`, on one Node server.
 * Only wiring: each part lives in the module named beside it.
 */
export function createApp(deps: AppDeps): App {
  const { config, redis, registry, logger } = deps;
  const keys = keysOf(config);
  const isDev = config.env === 'development';
  const auth = deps.auth ?? createApiAuth({ config, redis, keys, registry, logger });
  const services = createServices({
    config,
    redis,
    keys,
    logger,
    registry,
    temporal: deps.temporal,
    auth,
    archive: deps.archive,
  });
  const requests = createRequestLogging(logger.child({ module: 'http' }));
  const admission = createRateLimitAdmission({
    limiter: deps.rateLimiter ?? createRateLimiter({ redis, keys, ...config.api.rateLimit }),
    mutationCost: config.api.rateLimit.mutationCost,
    registry,
    onError: (err) => logger.warn({ err }, 'rate limit check failed; request allowed'),
  });

  const persisted = createPersistedOperations({
    mode: config.graphql.persistedOperations,
    operations: readConsoleOperations(),
    file: config.graphql.persistedOperationsFile,
    apqCacheSize: config.graphql.apqCacheSize,
  });
  const graphqlEndpoint = '/graphql';

  const yoga = createYoga<Record<string, never>, ApiContext>({
    schema: createApiSchema(),
    context: createContextFactory({ services, logger, requests }),
    graphqlEndpoint,
    // Checked on the Node request instead (see guardBody).
    maxRequestBodySize: false,
    graphiql: isDev ? { subscriptionsProtocol: 'WS', title: 'fin-line GraphiQL' } : false,
    // GraphiQL from the installed package, not a CDN: it works offline.
    renderGraphiQL: cachedGraphiQL,
    landingPage: false,
    // Always on: only GraphQLErrors (user errors) reach clients; dev adds the original error.
    maskedErrors: { isDev },
    logging: yogaLogger(logger.child({ module: 'yoga' })),
    plugins: [
      // First: the request's span covers every other plugin's work (only with tracing on).
      ...(tracingOn() ? [useTracing()] : []),
      requests.plugin,
      useOpsEndpoints({
        registry,
        ready: createReadiness({
          redis,
          temporalPing: (ms) => services.workflows.ping(ms),
          timeoutMs: deps.readinessTimeoutMs ?? 1000,
        }),
      }),
      useConsole({ settings: consoleSettings(config, graphqlEndpoint) }),
      // Before the rate limit: a hash-only request is charged by the operation it names.
      ...persisted.plugins,
      useRateLimit({ admission, identify: auth.clientId }),
      useGraphQLMetrics({ registry }),
      ...useQueryLimits(config.graphql),
    ],
  });
  const server = createServer((req, res) => {
    if (guardBody(req, res, config.graphql.maxBodyBytes)) void yoga(req, res);
  });
  const ws = attachWebSocketTransport({
    server,
    yoga,
    logger,
    resolveQuery: (query, extensions) => persisted.resolve(query, extensions),
    authenticate: (connectionParams, request) =>
      auth.authenticator.authenticate(request.headers, connectionParams),
    // Operations over a socket skip the HTTP plugin chain: same admission, checked here, before
    // the operation is parsed, so every one is charged a mutation's cost.
    admit: (caller, request) =>
      admission.admit(
        () => rateLimitClientId(caller, request.socket.remoteAddress ?? 'unknown'),
        admission.mutationCost,
      ),
  });
  const graceMs = deps.shutdownGraceMs ?? 10_000;
  let stopped = false;

  return {
    yoga,
    server,
    services,
    async start() {
      if (server.listening) throw new Error('api already started');
      await services.quotes.start();
      const port = await listen(server, config.api.host, config.api.port);
      const host = config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host;
      return { port, url: `http://${host}:${port}${yoga.graphqlEndpoint}` };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // Subscriptions never end by themselves: end them so their responses finish.
      services.subscriptions.endAll();
      await services.anomalyTail.stop();
      await services.quotes.stop();
      await ws.close();
      if (!server.listening) return;
      await closeGracefully(server, graceMs);
      await yoga.dispose();
    },
  };
}

let graphiqlPage: { key: string; html: string } | undefined;

/** The GraphiQL page (about 9 MB, its scripts inline) is rendered once per set of options. */
function cachedGraphiQL(options: GraphiQLOptions): string {
  const key = JSON.stringify(options);
  if (graphiqlPage?.key !== key) graphiqlPage = { key, html: renderGraphiQL(options) };
  return graphiqlPage.html;
}
