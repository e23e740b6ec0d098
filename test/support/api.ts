import { Connection } from '@temporalio/client';
import type { Registry } from 'prom-client';
import { createApp, type App, type AppDeps } from '../../api';
import type { Config } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import { API_SCRIPTS, createRedis, type Redis } from '../../lib/redis';
import { traceRedisCommands } from '../../lib/tracing';
import { createTemporalClient } from '../../clients';

export interface GqlBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface GqlResponse {
  status: number;
  headers: Headers;
  body: GqlBody;
}

/** A running API on a free port, with its own Redis connection and Temporal client. */
export interface TestApi {
  readonly app: App;
  readonly base: string;
  readonly registry: Registry;
  readonly redis: Redis;
  gql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GqlResponse>;
  close(): Promise<void>;
}

/**
 * Starts the API for a test; every dep can be overridden. Unless `realAuth`, it runs in dev
 * mode as admin with no rate limit, so tests of queries need no credentials.
 */
export async function startTestApi(
  baseConfig: Config,
  overrides: Partial<AppDeps> = {},
  opts: { realAuth?: boolean } = {},
): Promise<TestApi> {
  const config: Config = opts.realAuth
    ? baseConfig
    : {
        ...baseConfig,
        api: {
          ...baseConfig.api,
          auth: { ...baseConfig.api.auth, mode: 'dev', devRole: 'admin' },
          rateLimit: { ...baseConfig.api.rateLimit, perSecond: 0 },
        },
      };
  const redis = createRedis(config.redis, { scripts: API_SCRIPTS });
  // As api/main.ts does: Redis command spans and a traced Temporal client (only with tracing on).
  traceRedisCommands(redis);
  const connection = Connection.lazy({ address: config.temporal.address });
  const registry = overrides.registry ?? createRegistry('api');
  const app = createApp({
    config,
    redis,
    logger: createLogger({ level: config.logLevel, name: 'api' }),
    registry,
    temporal: createTemporalClient(connection, config.temporal.namespace),
    ...overrides,
  });
  const { port } = await app.start();
  const base = `http://127.0.0.1:${port}`;
  return {
    app,
    base,
    registry,
    redis,
    async gql(query, variables, headers = {}) {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as GqlBody };
    },
    async close() {
      await app.stop();
      await redis.quit();
      await connection.close();
    },
  };
}
