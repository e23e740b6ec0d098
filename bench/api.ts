import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createApiKeyStore } from '../api/auth';
import { createKeys, createRedis, encodeLatestQuote } from '../lib/redis';
import { freePort, waitFor, isListening } from '../lib/devstack';

/** One autocannon measurement. */
export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

export interface ApiBenchResult {
  /** Per target: the fixed-rate run (latency at `rate`) and the flat-out run (throughput). */
  readonly targets: Record<string, { fixed: LoadResult[]; max: LoadResult[] }>;
  readonly rate: number;
}

const ROOT = join(__dirname, '..');
const TICKERS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOG', 'META', 'TSLA', 'JPM', 'XOM', 'BTC-USD'];

function spawnNode(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

function load(
  url: string,
  headers: Record<string, string>,
  opts: { rate?: number; seconds: number; connections: number },
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          query: 'query Q($t: String!) { quote(ticker: $t) { ticker price ts } }',
          variables: { t: 'AAPL' },
        }),
        connections: opts.connections,
        duration: opts.seconds,
        ...(opts.rate ? { overallRate: opts.rate } : {}),
      },
      (err, r) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        resolve({
          rps: r.requests.average,
          p50: r.latency.p50,
          p99: r.latency.p99,
          errors: r.errors + r.non2xx,
        });
      },
    );
  });
}

/**
 * `quote(ticker)` over HTTP through the real API process (graphql-yoga, limits, metrics, and
 * in the `api-key` target an API key and the Redis rate limit), against a plain Node handler
 * doing the same HGETALL, all on loopback, with autocannon in this process. Each target gets
 * a fixed-rate run (`rate` req/s: latency) and a flat-out run (throughput), `runs` times.
 */
export async function benchApi(opts: {
  redisPort: number;
  runs: number;
  rate: number;
  seconds: number;
  log: (line: string) => void;
}): Promise<ApiBenchResult> {
  const redisUrl = `redis://127.0.0.1:${opts.redisPort}`;
  const prefix = 'benchapi:';
  const partitions = 4;
  const keys = createKeys(prefix, partitions);
  const redis = createRedis(redisUrl);
  for (const [i, t] of TICKERS.entries()) {
    const ts = Date.now();
    await redis.hset(
      keys.forTicker(t).latestQuote(t),
      ...encodeLatestQuote(
        {
          id: `${ts}-${i}`,
          rawId: `${ts}-${i}`,
          ticker: t,
          kind: 'trade',
          price: `${100 + i}.25`,
          size: '10',
          ts,
          sector: 'Technology',
          source: 'sim',
          feed: 'bench',
          seq: String(i),
        },
        ts,
      ),
    );
  }
  for (const t of TICKERS) await redis.sadd(keys.forTicker(t).quoteTickers, t);
  const { key } = await createApiKeyStore({ redis, keys }).createApiKey({
    name: 'bench',
    role: 'viewer',
  });

  const apiEnv = (over: Record<string, string>) => ({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    PIPELINE_PARTITIONS: String(partitions),
    // Never dialled: quote(ticker) needs no Temporal, and the connection is lazy.
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    API_RATE_LIMIT_PER_SECOND: '0',
    ...over,
  });
  const targets: {
    name: string;
    start: (port: number) => ChildProcess;
    headers: Record<string, string>;
    path: string;
  }[] = [
    {
      name: 'plain-node',
      start: (p) =>
        spawnNode(
          [
            'bench/plain-quote-server.ts',
            String(p),
            redisUrl,
            keys.forTicker('AAPL').latestQuote('AAPL'),
          ],
          {},
        ),
      headers: {},
      path: '/',
    },
    {
      name: 'api',
      start: (p) =>
        spawnNode(['api/main.ts'], apiEnv({ API_PORT: String(p), API_AUTH_MODE: 'dev' })),
      headers: {},
      path: '/graphql',
    },
    {
      name: 'api-key+rate-limit',
      start: (p) =>
        spawnNode(
          ['api/main.ts'],
          apiEnv({
            API_PORT: String(p),
            API_AUTH_MODE: 'required',
            API_RATE_LIMIT_PER_SECOND: '1000000',
            API_RATE_LIMIT_BURST: '1000000',
          }),
        ),
      headers: { 'x-api-key': key },
      path: '/graphql',
    },
    {
      name: 'api-no-cache',
      start: (p) =>
        spawnNode(
          ['api/main.ts'],
          apiEnv({ API_PORT: String(p), API_AUTH_MODE: 'dev', GRAPHQL_QUOTE_CACHE_MS: '0' }),
        ),
      headers: {},
      path: '/graphql',
    },
  ];
  const out: ApiBenchResult['targets'] = {};
  try {
    for (const t of targets) {
      const port = await freePort();
      const child = t.start(port);
      try {
        await waitFor(`${t.name} on :${port}`, () => isListening('127.0.0.1', port), 30_000, 100);
        const url = `http://127.0.0.1:${port}${t.path}`;
        // Warm up: JIT, connection pools, caches.
        await load(url, t.headers, { seconds: 2, connections: 20 });
        const r = { fixed: [] as LoadResult[], max: [] as LoadResult[] };
        for (let i = 0; i < opts.runs; i++) {
          const f = await load(url, t.headers, {
            rate: opts.rate,
            seconds: opts.seconds,
            connections: 32,
          });
          const m = await load(url, t.headers, { seconds: opts.seconds, connections: 64 });
          r.fixed.push(f);
          r.max.push(m);
          opts.log(
            `  ${t.name} run ${i + 1}/${opts.runs}: at ${opts.rate}/s p50 ${f.p50} ms p99 ${f.p99} ms (${Math.round(f.rps)}/s, ${f.errors} errors); flat out ${Math.round(m.rps)}/s p99 ${m.p99} ms`,
          );
        }
        out[t.name] = r;
      } finally {
        await stop(child);
      }
    }
  } finally {
    await redis.quit();
  }
  return { targets: out, rate: opts.rate };
}
