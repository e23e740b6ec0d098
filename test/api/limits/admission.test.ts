import type { GraphQLError } from 'graphql';
import { Registry } from 'prom-client';
import { createRateLimitAdmission, createRateLimiter, type RateLimiter } from '../../../api/limits';
import { API_SCRIPTS, createRedis } from '../../../lib/redis';
import { redisFixture, testConfig, uniqueId, type RedisFixture } from '../../support/stack';

const value = async (registry: Registry, name: string) =>
  (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;

describe('createRateLimitAdmission: the one admission of HTTP and graphql-ws', () => {
  let fx: RedisFixture;
  beforeEach(() => {
    fx = redisFixture(testConfig());
  });
  afterEach(() => fx.close());

  it('admits within the allowance, then refuses with RATE_LIMITED and counts the refusal', async () => {
    const registry = new Registry();
    const admission = createRateLimitAdmission({
      limiter: createRateLimiter({ redis: fx.redis, keys: fx.keys, perSecond: 1, burst: 3 }),
      mutationCost: 2,
      registry,
    });
    expect(admission).toMatchObject({ enabled: true, mutationCost: 2 });
    const client = uniqueId('c');
    expect(await admission.admit(() => client, admission.mutationCost)).toBeUndefined();
    expect(await admission.admit(() => Promise.resolve(client), 1)).toBeUndefined();
    const refused = await admission.admit(() => client, 1);
    expect(refused?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfter: 1,
      http: { status: 429, headers: { 'retry-after': '1' } },
    });
    expect(await value(registry, 'finline_api_rate_limited_total')).toBe(1);
    expect(await value(registry, 'finline_api_rate_limit_errors_total')).toBe(0);
  });

  it('fails open when Redis is down: the operation is admitted, reported and counted', async () => {
    const dead = createRedis('redis://127.0.0.1:1', {
      scripts: API_SCRIPTS,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const registry = new Registry();
    const errors: unknown[] = [];
    try {
      const admission = createRateLimitAdmission({
        limiter: createRateLimiter({ redis: dead, keys: fx.keys, perSecond: 1, burst: 1 }),
        registry,
        onError: (err) => errors.push(err),
      });
      for (let i = 0; i < 3; i++) expect(await admission.admit(() => 'c', 1)).toBeUndefined();
      expect(errors).toHaveLength(3);
      expect(await value(registry, 'finline_api_rate_limit_errors_total')).toBe(3);
      expect(await value(registry, 'finline_api_rate_limited_total')).toBe(0);
    } finally {
      dead.disconnect();
    }
  });

  it('fails open when the client cannot be identified, and skips everything when disabled', async () => {
    const consumed: string[] = [];
    const limiter: RateLimiter = {
      enabled: true,
      consume: (id) => {
        consumed.push(id);
        return Promise.resolve({ allowed: false, retryAfterMs: 0, remaining: 0 });
      },
    };
    const errors: unknown[] = [];
    const admission = createRateLimitAdmission({ limiter, onError: (e) => errors.push(e) });
    expect(admission.mutationCost).toBe(1);
    const boom = new Error('no identity');
    expect(
      await admission.admit(() => {
        throw boom;
      }, 1),
    ).toBeUndefined();
    expect(errors).toEqual([boom]);
    expect(consumed).toEqual([]);
    expect(((await admission.admit(() => 'x', 1)) as GraphQLError).extensions.code).toBe(
      'RATE_LIMITED',
    );

    const off = createRateLimitAdmission({
      limiter: createRateLimiter({ redis: fx.redis, keys: fx.keys, perSecond: 0, burst: 1 }),
    });
    expect(off.enabled).toBe(false);
    let asked = false;
    expect(
      await off.admit(() => {
        asked = true;
        return 'x';
      }, 1),
    ).toBeUndefined();
    expect(asked).toBe(false);
  });
});
