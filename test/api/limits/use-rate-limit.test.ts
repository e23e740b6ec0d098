import { SignJWT } from 'jose';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';
import { startAuthHarness, type AuthHarness } from '../auth/http-harness';

const SECRET = 'rate-limit-test-secret-long-enough-0123456';
const bearer = async (sub: string) => ({
  authorization: `Bearer ${await new SignJWT({ sub, role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(SECRET))}`,
});

describe('useRateLimit over a real HTTP server', () => {
  let fx: RedisFixture;
  let h: AuthHarness;
  beforeAll(async () => {
    // 1 request/s, 3 at once; a mutation costs 2.
    const config = testConfig({
      API_AUTH_MODE: 'dev',
      API_JWT_SECRET: SECRET,
      API_RATE_LIMIT_PER_SECOND: '1',
      API_RATE_LIMIT_BURST: '3',
      API_RATE_LIMIT_MUTATION_COST: '2',
    });
    fx = redisFixture(config);
    h = await startAuthHarness(config, fx);
  });
  afterAll(async () => {
    await h.close();
    await fx.close();
  });

  it('answers 429 with Retry-After and a RATE_LIMITED error once the burst is spent', async () => {
    const alice = await bearer('alice');
    for (let i = 0; i < 3; i++) {
      const ok = await h.post('{ quote }', alice);
      expect(ok.status).toBe(200);
      expect(ok.body.data).toEqual({ quote: 'AAPL 1.00' });
    }
    const refused = await h.post('{ quote }', alice);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBe(1);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toEqual([
      {
        message: 'rate limit exceeded: retry after 1 s',
        extensions: { code: 'RATE_LIMITED', retryAfter: 1 },
      },
    ]);
    // Per client: another subject still has its whole burst.
    expect((await h.post('{ quote }', await bearer('bob'))).status).toBe(200);
    const metric = await h.registry.getSingleMetric('finline_api_rate_limited_total')?.get();
    expect(metric?.values[0]?.value).toBe(1);
  });

  it('charges mutations more, and limits clients without credentials by address', async () => {
    // Dev mode, no credentials: the client is ip:127.0.0.1.
    expect((await h.post('mutation { startFeed(feed: "a") }')).status).toBe(200);
    const second = await h.post('mutation { startFeed(feed: "b") }');
    expect(second.status).toBe(429);
    expect(second.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // The one request left in the burst still fits a query.
    expect((await h.post('{ quote }')).status).toBe(200);
    expect(await fx.redis.exists(fx.keys.rateLimit('ip:127.0.0.1'))).toBe(1);
  });

  it('limits refused credentials by address too, before they are reported', async () => {
    const carol = { 'x-api-key': 'fl_bad' };
    // ip:127.0.0.1 may have allowance left from the test above: spend it, then see 429 win.
    let reply = await h.post('{ quote }', carol);
    for (let i = 0; i < 5 && reply.status === 401; i++) reply = await h.post('{ quote }', carol);
    expect(reply.status).toBe(429);
  });
});
