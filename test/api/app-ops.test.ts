import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApp, type App, type AppDeps } from '../../api';
import type { Config } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import { API_SCRIPTS, createRedis, type Redis } from '../../lib/redis';
import { redisFixture, testConfig } from '../support/stack';

describe('GraphQL API: readiness, GraphiQL, logging and shutdown', () => {
  const connections: Connection[] = [];
  afterAll(async () => {
    for (const c of connections) await c.close();
  });

  function build(config: Config, redis: Redis, over: Partial<AppDeps> = {}): App {
    const connection = Connection.lazy({ address: config.temporal.address });
    connections.push(connection);
    return createApp({
      config,
      redis,
      logger: createLogger({ level: config.logLevel, name: 'api' }),
      registry: createRegistry('api'),
      temporal: new Client({ connection }),
      ...over,
    });
  }

  it('reports 503 on /readyz while Redis is not connected', async () => {
    const config = testConfig();
    // lazyConnect: the connection never opens, as when Redis is down at start-up.
    const redis = createRedis(config.redis, { lazyConnect: true, scripts: API_SCRIPTS });
    const app = build(config, redis);
    const res = await app.yoga.fetch('http://localhost/readyz');
    expect(res.status).toBe(503);
    redis.disconnect();
  });

  it('serves GraphiQL in development', async () => {
    const config = testConfig({ NODE_ENV: 'development' });
    const redis = createRedis(config.redis, { lazyConnect: true, scripts: API_SCRIPTS });
    const app = build(config, redis);
    const res = await app.yoga.fetch('http://localhost/graphql', {
      headers: { accept: 'text/html' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    redis.disconnect();
  });

  it('logs each request at debug with a per-request child logger that resolvers share', async () => {
    const config = testConfig({ API_AUTH_MODE: 'dev', API_DEV_ROLE: 'viewer' });
    const fx = redisFixture(config);
    await fx.redis.sadd(fx.keys.forTicker('GONE').quoteTickers, 'GONE');
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'debug' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const app = build(config, fx.redis, { logger });
    const res = await app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' },
      body: JSON.stringify({ query: '{ quotes { edges { node { ticker } } } }' }),
    });
    expect(await res.json()).toEqual({ data: { quotes: { edges: [] } } });
    await app.yoga.fetch('http://localhost/healthz', { headers: { 'x-request-id': 'bad id!' } });

    const mine = lines.filter((l) => l.reqId === 'req-1');
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: 'ticker in quote set has no latest-quote hash',
          sub: 'dev',
          role: 'viewer',
        }),
        expect.objectContaining({ msg: 'request', path: '/graphql', status: 200, level: 20 }),
      ]),
    );
    const health = lines.find((l) => l.msg === 'request' && l.path === '/healthz');
    // An id that is not plain text is replaced, not echoed into the logs.
    expect(health?.reqId).toMatch(/^[0-9a-f-]{36}$/);
    await fx.close();
  });

  it('stop() closes the server, leaves the Redis connection open and tolerates a second call', async () => {
    const config = testConfig();
    const redis = createRedis(config.redis, { scripts: API_SCRIPTS });
    const app = build(config, redis);
    const { port } = await app.start();
    // A keep-alive connection must not hold stop() open.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await app.stop();
    expect(app.server.listening).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(await redis.ping()).toBe('PONG');
    await app.stop();
    await redis.quit();
  });
});
