import { createGraphQLError } from 'graphql-yoga';
import { Registry } from 'prom-client';
import {
  appendAudit,
  createAuditLog,
  createAuthMetrics,
  readAudit,
  redactArgs,
  type Principal,
} from '../../../api/auth';
import { createLogger } from '../../../lib/logger';
import { createRedis } from '../../../lib/redis';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

const operator: Principal = {
  subject: 'api-key:ci',
  role: 'operator',
  via: 'api-key',
  keyId: 'abcdefghij',
};

describe('audit stream', () => {
  let fx: RedisFixture;
  beforeEach(() => {
    fx = redisFixture(testConfig());
  });
  afterEach(() => fx.close());

  it('redacts secret-looking arguments at any depth', () => {
    expect(
      redactArgs({
        feed: 'sim',
        credentials: { key: 'k' },
        nested: [{ apiKey: 'x', token: 't', ok: 1 }],
        password: 'p',
      }),
    ).toEqual({
      feed: 'sim',
      credentials: '[redacted]',
      nested: [{ apiKey: '[redacted]', token: '[redacted]', ok: 1 }],
      password: '[redacted]',
    });
  });

  it('records who, what, when and the result of successful and failed mutations', async () => {
    const audit = createAuditLog({ redis: fx.redis, keys: fx.keys, maxLen: 1000 });
    const before = Date.now();
    const ok = await audit.record(
      { principal: operator, requestId: 'req-1' },
      'startFeed',
      { feed: 'sim', secret: 'hunter2' },
      () => Promise.resolve({ workflowId: 'feed-sim', runId: 'run-1', extra: true }),
      (r) => ({ workflowId: r.workflowId, runId: r.runId }),
    );
    expect(ok.extra).toBe(true);
    const failure = createGraphQLError('feed "x" is not running', {
      extensions: { code: 'NOT_FOUND' },
    });
    await expect(
      audit.record({ principal: operator }, 'stopFeed', { feed: 'x' }, () =>
        Promise.reject(failure),
      ),
    ).rejects.toBe(failure);
    await expect(
      audit.record({ principal: operator }, 'replayBatch', {}, () =>
        Promise.reject(new Error('boom')),
      ),
    ).rejects.toThrow('boom');

    const entries = await readAudit({ redis: fx.redis, keys: fx.keys });
    expect(entries).toHaveLength(3);
    const [first, second, third] = entries;
    expect(first).toMatchObject({
      subject: 'api-key:ci',
      via: 'api-key',
      role: 'operator',
      keyId: 'abcdefghij',
      action: 'startFeed',
      args: { feed: 'sim', secret: '[redacted]' },
      result: 'ok',
      workflowId: 'feed-sim',
      runId: 'run-1',
      requestId: 'req-1',
    });
    expect(first?.ts).toBeGreaterThanOrEqual(before);
    expect(JSON.stringify(entries)).not.toContain('hunter2');
    expect(second).toMatchObject({
      action: 'stopFeed',
      result: 'error',
      code: 'NOT_FOUND',
      message: 'feed "x" is not running',
    });
    expect(third).toMatchObject({
      action: 'replayBatch',
      result: 'error',
      code: 'INTERNAL_SERVER_ERROR',
      message: 'boom',
    });
    expect(await audit.read({ count: 1 })).toEqual([third]);
  });

  it('caps the stream with MAXLEN ~', async () => {
    const deps = { redis: fx.redis, keys: fx.keys, maxLen: 100 };
    for (let i = 0; i < 400; i++) {
      await appendAudit(deps, {
        actor: { subject: 'cli:me', via: 'cli' },
        action: 'x',
        result: { ok: true },
      });
    }
    const len = await fx.redis.xlen(fx.keys.auditEvents);
    expect(len).toBeGreaterThanOrEqual(100);
    expect(len).toBeLessThan(400);
  });

  it('a failed audit write is counted and logged but does not fail the mutation', async () => {
    const config = testConfig();
    const dead = createRedis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const registry = new Registry();
    try {
      const audit = createAuditLog({
        redis: dead,
        keys: fx.keys,
        maxLen: 100,
        metrics: createAuthMetrics(registry),
        logger: createLogger({ level: 'silent', name: config.redis.keyPrefix }),
      });
      await expect(
        audit.record({ principal: operator }, 'startFeed', {}, () => Promise.resolve('done')),
      ).resolves.toBe('done');
      const metric = await registry.getSingleMetric('finline_api_audit_failures_total')?.get();
      expect(metric?.values[0]?.value).toBe(1);
    } finally {
      dead.disconnect();
    }
  });
});
