import { SignJWT } from 'jose';
import { createSchema, createYoga } from 'graphql-yoga';
import { Registry } from 'prom-client';
import { createApiAuth, type ApiAuth, type Principal } from '../api/auth';
import {
  createRateLimitAdmission,
  createRateLimiter,
  useRateLimit,
  type RateLimiter,
} from '../api/limits';
import { loadConfig } from '../lib/config';
import { findRedisServer, freePort, startRedisServer } from '../lib/devstack';
import { createLogger } from '../lib/logger';
import { API_SCRIPTS, createKeys, createRedis } from '../lib/redis';

/**
 * What the auth layer costs per request: authenticate() with an HS256 JWT and with a cached
 * API key (no Redis), and one rate-limit check (one Redis round trip, sequential and with
 * 64 in flight). Starts a redis-server of its own. `npx tsx bench/auth-cost.ts`
 */
const SECRET = 'bench-secret-that-is-long-enough-0123456789';
const N = Number(process.env.BENCH_AUTH_N ?? 20_000);

function percentiles(samples: number[]): { p50: number; p99: number } {
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { p50: Math.round(at(0.5) * 1000) / 1000, p99: Math.round(at(0.99) * 1000) / 1000 };
}

async function time(
  n: number,
  fn: () => Promise<unknown>,
): Promise<{ p50: number; p99: number; perSec: number }> {
  for (let i = 0; i < Math.min(1000, n); i++) await fn(); // warm-up
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  const perSec = Math.round(n / ((performance.now() - start) / 1000));
  return { ...percentiles(samples), perSec };
}

async function concurrent(
  n: number,
  inFlight: number,
  fn: () => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < n) await fn();
    }),
  );
  return Math.round(n / ((performance.now() - start) / 1000));
}

/** A one-field schema served by yoga.fetch (no socket), bare or with the auth layer wired in. */
function yogaFetch(wired?: {
  auth: ApiAuth;
  limiter: RateLimiter;
}): (headers: Headers) => Promise<unknown> {
  const yoga = createYoga<object, { principal?: Principal }>({
    schema: createSchema({
      typeDefs: 'type Query { ping: String! }',
      resolvers: { Query: { ping: () => 'pong' } },
    }),
    logging: false,
    ...(wired && {
      context: async ({ request }) => ({ principal: await wired.auth.principalFor(request) }),
      plugins: [
        useRateLimit({
          admission: createRateLimitAdmission({ limiter: wired.limiter }),
          identify: wired.auth.clientId,
        }),
      ],
    }),
  });
  return async (headers) => {
    const res = await yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...Object.fromEntries(headers) },
      body: '{"query":"{ ping }"}',
    });
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    return res.text();
  };
}

async function main(): Promise<void> {
  const port = await freePort();
  const redisProc = await startRedisServer({
    binary: findRedisServer(process.env.PATH ?? ''),
    host: '127.0.0.1',
    port,
  });
  const redis = createRedis(`redis://127.0.0.1:${port}`, { scripts: API_SCRIPTS });
  try {
    const config = loadConfig({
      NODE_ENV: 'test',
      API_AUTH_MODE: 'required',
      API_JWT_SECRET: SECRET,
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    const keys = createKeys('bench:');
    const auth = createApiAuth({
      config,
      redis,
      keys,
      registry: new Registry(),
      logger: createLogger({ level: 'warn', name: 'bench' }),
    });
    const token = await new SignJWT({ sub: 'bench', role: 'operator' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    const { key } = await auth.apiKeys.createApiKey({ name: 'bench', role: 'operator' });
    const jwtHeaders = new Headers({ authorization: `Bearer ${token}` });
    const keyHeaders = new Headers({ 'x-api-key': key });
    const limiter = createRateLimiter({ redis, keys, perSecond: 1_000_000, burst: 1_000_000 });
    let client = 0;

    const rows: Record<string, { p50: number; p99: number; perSec: number }> = {
      'authenticate (HS256 JWT)': await time(N, () => auth.authenticator.authenticate(jwtHeaders)),
      'authenticate (API key, cached)': await time(N, () =>
        auth.authenticator.authenticate(keyHeaders),
      ),
      'rate limit (1 Redis round trip)': await time(N, () =>
        limiter.consume(`c${client++ % 1000}`),
      ),
    };
    const bare = yogaFetch();
    const wired = yogaFetch({ auth, limiter });
    const authOnly = yogaFetch({
      auth,
      limiter: createRateLimiter({ redis, keys, perSecond: 0, burst: 1 }),
    });
    const M = Math.max(1000, Math.floor(N / 4));
    Object.assign(rows, {
      'yoga.fetch, no auth': await time(M, () => bare(keyHeaders)),
      'yoga.fetch, API key, no limit': await time(M, () => authOnly(keyHeaders)),
      'yoga.fetch, API key + rate limit': await time(M, () => wired(keyHeaders)),
      'yoga.fetch, JWT + rate limit': await time(M, () => wired(jwtHeaders)),
    });
    const limitConcurrent = await concurrent(N * 2, 64, () =>
      limiter.consume(`c${client++ % 1000}`),
    );
    const bareConcurrent = await concurrent(N, 64, () => bare(keyHeaders));
    const wiredConcurrent = await concurrent(N, 64, () => wired(keyHeaders));
    console.log('operation                         p50 ms   p99 ms   sequential/s');
    for (const [name, r] of Object.entries(rows)) {
      console.log(
        `${name.padEnd(32)}  ${String(r.p50).padStart(6)}   ${String(r.p99).padStart(6)}   ${String(r.perSec).padStart(8)}`,
      );
    }
    console.log(
      `64 in flight: rate limit ${limitConcurrent}/s; yoga.fetch bare ${bareConcurrent}/s, with API key + rate limit ${wiredConcurrent}/s`,
    );
    console.log(
      JSON.stringify({
        authCost: rows,
        concurrentPerSec: {
          rateLimit: limitConcurrent,
          yogaBare: bareConcurrent,
          yogaWired: wiredConcurrent,
        },
      }),
    );
  } finally {
    redis.disconnect();
    await redisProc.stop(2000);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
