import { createRateLimiter } from '../../../api/limits';
import { createRedis, WORKER_SCRIPTS } from '../../../lib/redis';
import { redisFixture, testConfig, uniqueId, type RedisFixture } from '../../support/stack';

describe('GCRA rate limiter in a real Redis', () => {
  let fx: RedisFixture;
  beforeEach(() => {
    fx = redisFixture(testConfig());
  });
  afterEach(() => fx.close());

  it('allows the burst, then refuses with a sane retryAfter, and refills after waiting', async () => {
    // 10/s: one request back every 100 ms.
    const limiter = createRateLimiter({ redis: fx.redis, keys: fx.keys, perSecond: 10, burst: 5 });
    const client = uniqueId('c');
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = await limiter.consume(client);
      expect(d.allowed).toBe(true);
      remaining.push(d.remaining);
    }
    // Some of the allowance may come back while the loop runs; it never exceeds the burst.
    expect(remaining[0]).toBe(4);
    expect(remaining[4]).toBeLessThanOrEqual(1);
    let refused = await limiter.consume(client);
    while (refused.allowed) refused = await limiter.consume(client);
    expect(refused.remaining).toBe(0);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(100);

    await new Promise((r) => setTimeout(r, refused.retryAfterMs + 5));
    expect((await limiter.consume(client)).allowed).toBe(true);

    // The state key expires by itself once the client is idle.
    const ttl = await fx.redis.pttl(fx.keys.rateLimit(client));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(500);
  });

  it('keeps clients apart', async () => {
    const limiter = createRateLimiter({ redis: fx.redis, keys: fx.keys, perSecond: 1, burst: 2 });
    expect((await limiter.consume('key:a')).allowed).toBe(true);
    expect((await limiter.consume('key:a')).allowed).toBe(true);
    expect((await limiter.consume('key:a')).allowed).toBe(false);
    expect((await limiter.consume('key:b')).allowed).toBe(true);
    expect((await limiter.consume('ip:127.0.0.1')).allowed).toBe(true);
  });

  it('charges a cost, refusing what does not fit while cheaper requests still pass', async () => {
    const limiter = createRateLimiter({ redis: fx.redis, keys: fx.keys, perSecond: 1, burst: 10 });
    expect(await limiter.consume('c', 8)).toMatchObject({ allowed: true, remaining: 2 });
    const refused = await limiter.consume('c', 5);
    expect(refused.allowed).toBe(false);
    expect(refused.remaining).toBe(2);
    // Three more requests' worth must come back: about 3 s at 1/s.
    expect(refused.retryAfterMs).toBeGreaterThan(2000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(3000);
    expect((await limiter.consume('c', 2)).allowed).toBe(true);
    // A cost above the burst is charged as the whole burst rather than refused forever.
    const big = createRateLimiter({ redis: fx.redis, keys: fx.keys, perSecond: 1, burst: 3 });
    expect((await big.consume('d', 50)).allowed).toBe(true);
  });

  it('is off at rate 0 and then never touches Redis', async () => {
    const limiter = createRateLimiter({ redis: fx.redis, keys: fx.keys, perSecond: 0, burst: 1 });
    expect(limiter.enabled).toBe(false);
    for (let i = 0; i < 5; i++) expect((await limiter.consume('x')).allowed).toBe(true);
    expect(await fx.redis.exists(fx.keys.rateLimit('x'))).toBe(0);
  });

  it('refuses, at construction, a connection without the rateLimit script (it would fail open)', () => {
    for (const scripts of [[], WORKER_SCRIPTS]) {
      const redis = createRedis(testConfig().redis.url, { lazyConnect: true, scripts });
      expect(() => createRateLimiter({ redis, keys: fx.keys, perSecond: 1, burst: 1 })).toThrow(
        /rate limiter needs the Redis script\(s\) rateLimit/,
      );
      // Off, it never calls the script.
      expect(createRateLimiter({ redis, keys: fx.keys, perSecond: 0, burst: 1 }).enabled).toBe(
        false,
      );
      redis.disconnect();
    }
  });
});
