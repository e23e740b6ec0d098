import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { createKeys, type Redis } from '../lib/redis';
import { createApiAuth, rateLimitClientId, requireRole, type ApiAuth } from './auth';
import type { ApiContext, ApiServices, Caller, HistoryArchive } from './context';
import { createRateLimiter, rateLimitedError, useRateLimit, type RateLimiter } from './limits';
import { useGraphQLMetrics } from './plugins/metrics';
import { useOpsEndpoints } from './plugins/ops-endpoints';
import { useQueryLimits } from './plugins/query-limits';
import { createRequestLogging } from './plugins/request-logging';
import { createApiSchema } from './schema';
import { AnomalyTail } from './services/anomaly-tail';
import { QuoteHub } from './services/quote-hub';
import { SubscriptionRegistry } from './services/subscription-registry';
import { createWorkflowOps } from './services/workflow-ops';
import { attachWebSocketTransport, type WsInitialContext } from './transports/ws';
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

/** Yoga's initial context: the HTTP request, or what the WebSocket transport passes. */
type InitialContext = { request?: Request; req?: IncomingMessage } & Partial<WsInitialContext>;

/**
 * Builds the GraphQL service: `/graphql` over HTTP, server-sent events and graphql-ws
 * (GraphiQL in development only), `/healthz`, `/readyz` and `/metrics`, on one Node server.
 */
export function createApp(deps: AppDeps): App {
  const { config, redis, registry, logger } = deps;
  const keys = createKeys(config.redis.keyPrefix);
  const requests = createRequestLogging(logger.child({ module: 'http' }));
  const isDev = config.env === 'development';
  const auth = deps.auth ?? createApiAuth({ config, redis, keys, registry, logger });
  const services: ApiServices = {
    auth,
    archive: deps.archive,
    redis,
    keys,
    config,
    quotes: new QuoteHub({
      redis,
      redisUrl: config.redis.url,
      keys,
      logger: logger.child({ module: 'quotes' }),
      ttlMs: config.graphql.quoteCacheMs,
    }),
    anomalyTail: new AnomalyTail({
      redis,
      redisUrl: config.redis.url,
      keys,
      logger: logger.child({ module: 'anomaly-tail' }),
    }),
    workflows: createWorkflowOps(deps.temporal, config),
    subscriptions: new SubscriptionRegistry(registry, config.graphql.maxSubscriptions),
  };
  const readinessMs = deps.readinessTimeoutMs ?? 1000;
  const limiter = deps.rateLimiter ?? createRateLimiter({ redis, keys, ...config.api.rateLimit });
  const { mutationCost } = config.api.rateLimit;

  const yoga = createYoga<Record<string, never>, ApiContext>({
    schema: createApiSchema(),
    context: async (initial): Promise<ApiContext> => {
      const init = initial as InitialContext;
      let caller: Caller;
      let baseLog: () => Logger;
      let requestId: string;
      let transport: ApiContext['transport'];
      if (init.transport === 'ws' && init.wsCaller) {
        caller = init.wsCaller;
        requestId = randomUUID();
        baseLog = () => logger.child({ module: 'ws', reqId: requestId });
        transport = 'ws';
      } else {
        const request = init.request!;
        baseLog = () => requests.loggerFor(request);
        requestId = requests.idFor(request);
        // Shared with the rate-limit plugin, which authenticated the request first.
        caller = await auth.principalFor(request);
        transport = request.headers.get('accept')?.includes('text/event-stream') ? 'sse' : 'http';
      }
      // Made on first use: pino's child() costs more than a cached quote read, and most
      // requests never log. A proxy, not a getter: envelop copies the context object.
      const log = lazyLogger(() => baseLog().child({ sub: caller.subject, role: caller.role }));
      return {
        ...services,
        logger: log,
        requestId,
        caller,
        transport,
        authorize(role, action) {
          requireRole(caller, role, action);
        },
        async audit(record) {
          try {
            await auth.audit.append({
              actor: {
                subject: caller.subject,
                via: caller.via,
                role: caller.role,
                keyId: caller.keyId,
              },
              action: record.action,
              args: record.args,
              requestId,
              result:
                record.result === 'ok'
                  ? { ok: true, workflowId: record.workflowId, runId: record.runId }
                  : {
                      ok: false,
                      code: record.errorCode ?? 'INTERNAL',
                      message: record.error ?? '',
                    },
            });
          } catch (err) {
            // The mutation's effect has happened; a lost audit line is logged, not turned into a failure.
            log.error({ err, action: record.action }, 'audit write failed');
          }
        },
      };
    },
    graphqlEndpoint: '/graphql',
    // Checked on the Node request instead (see guardBody): yoga's check pipes every body
    // through a TransformStream, a third of the hot path's CPU.
    maxRequestBodySize: false,
    graphiql: isDev ? { subscriptionsProtocol: 'WS' } : false,
    landingPage: false,
    // Always on: only GraphQLErrors (user errors) reach clients; dev adds the original error.
    maskedErrors: { isDev },
    logging: yogaLogger(logger.child({ module: 'yoga' })),
    plugins: [
      requests.plugin,
      useOpsEndpoints({
        registry,
        ready: async () => {
          const [r, t] = await Promise.all([
            redisReady(redis, readinessMs),
            services.workflows.ping(readinessMs),
          ]);
          return { ok: r && t, checks: { redis: r, temporal: t } };
        },
      }),
      useRateLimit({
        limiter,
        identify: auth.clientId,
        mutationCost,
        registry,
        onError: (err) => logger.warn({ err }, 'rate limit check failed; request allowed'),
      }),
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
    authenticate: (connectionParams, request) =>
      auth.authenticator.authenticate(request.headers, connectionParams),
    // Operations over a socket skip the HTTP plugin chain's rate limit: same budget, checked here.
    admit: async (caller, request) => {
      if (!limiter.enabled) return undefined;
      try {
        const d = await limiter.consume(
          rateLimitClientId(caller, request.socket.remoteAddress ?? 'unknown'),
          mutationCost,
        );
        return d.allowed ? undefined : rateLimitedError(d.retryAfterMs);
      } catch (err) {
        logger.warn({ err }, 'rate limit check failed; operation allowed');
        return undefined;
      }
    },
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
      if (stopped) return;
      stopped = true;
      // Subscriptions never end by themselves: end them so their responses finish.
      services.subscriptions.endAll();
      await services.anomalyTail.stop();
      await services.quotes.stop();
      await ws.close();
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

/** A logger that is built on first use. */
function lazyLogger(make: () => Logger): Logger {
  let real: Logger | undefined;
  return new Proxy({} as Logger, {
    get(_target, prop) {
      real ??= make();
      const value: unknown = Reflect.get(real, prop, real);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(real)
        : value;
    },
  });
}

/**
 * Refuses request bodies over `limit` bytes before they are read: by Content-Length (413),
 * and bodies of unknown length (chunked) with 411, since only a declared length can be checked
 * without buffering. True when the request may go on.
 */
function guardBody(
  req: IncomingMessage,
  res: import('node:http').ServerResponse,
  limit: number,
): boolean {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return true;
  const length = req.headers['content-length'];
  const json = (status: number, message: string, code: string) => {
    res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
    req.resume();
    return false;
  };
  if (length === undefined) {
    if (req.headers['transfer-encoding'] === undefined) return true; // no body
    return json(411, 'Content-Length required', 'LENGTH_REQUIRED');
  }
  if (!/^\d+$/.test(length)) return json(400, 'Content-Length header is invalid', 'BAD_REQUEST');
  if (Number(length) > limit) {
    return json(413, `Request body too large (limit ${limit} bytes)`, 'REQUEST_ENTITY_TOO_LARGE');
  }
  return true;
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
