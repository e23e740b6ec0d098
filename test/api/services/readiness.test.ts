import { createReadiness, redisReady } from '../../../api/services/readiness';
import { createRedis, type Redis } from '../../../lib/redis';
import { testConfig } from '../../support/stack';

describe('readiness (/readyz): Redis PING and Temporal, each bounded', () => {
  it('is ready when Redis answers and Temporal pings, and names what is down', async () => {
    const redis = createRedis(testConfig().redis.url);
    try {
      await redis.ping();
      const asked: number[] = [];
      const ready = (temporal: boolean) =>
        createReadiness({
          redis,
          temporalPing: (ms) => {
            asked.push(ms);
            return Promise.resolve(temporal);
          },
          timeoutMs: 250,
        })();
      expect(await ready(true)).toEqual({ ok: true, checks: { redis: true, temporal: true } });
      expect(await ready(false)).toEqual({ ok: false, checks: { redis: true, temporal: false } });
      expect(asked).toEqual([250, 250]);
    } finally {
      await redis.quit();
    }
  });

  it('fails at once for a connection that is not ready, and after the timeout for a PING that hangs', async () => {
    const lazy = createRedis(testConfig().redis.url, { lazyConnect: true });
    expect(await redisReady(lazy, 60_000)).toBe(false);
    lazy.disconnect();

    const hanging = {
      status: 'ready',
      ping: () => new Promise(() => undefined),
    } as unknown as Redis;
    const t0 = Date.now();
    expect(await redisReady(hanging, 50)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    const failing = {
      status: 'ready',
      ping: () => Promise.reject(new Error('x')),
    } as unknown as Redis;
    expect(await redisReady(failing, 50)).toBe(false);
  });
});
