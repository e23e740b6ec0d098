// First: graphql-js reads NODE_ENV when it loads.
import './node-env-production';
import { spawn } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api';
import { createApiKeyStore } from '../api/auth';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createRegistry } from '../lib/metrics';
import { API_SCRIPTS, keysOf, createRedis, encodeLatestQuote } from '../lib/redis';

/**
 * CPU time the API process spends per `quote(ticker)` request (µs), measured with
 * process.cpuUsage around an autocannon run in a child process. Unlike throughput, it barely
 * moves when other jobs share the machine, so it is the figure to compare code changes by.
 * Usage: REDIS_URL=redis://127.0.0.1:6379 tsx bench/api-cpu.ts
 * `BENCH_API_AUTH=key` measures what `npm run bench:api` calls `api-key+rate-limit`: auth
 * required, every request carrying an API key, and the Redis rate limit on (a limit too high
 * to refuse anything, so each request pays its check).
 */
const WITH_KEY = process.env.BENCH_API_AUTH === 'key';

async function main(): Promise<void> {
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    API_PORT: '0',
    REDIS_KEY_PREFIX: 'cpubench:',
    ...(WITH_KEY
      ? {
          API_AUTH_MODE: 'required',
          API_RATE_LIMIT_PER_SECOND: '1000000',
          API_RATE_LIMIT_BURST: '1000000',
        }
      : {
          API_AUTH_MODE: process.env.API_AUTH_MODE ?? 'dev',
          API_RATE_LIMIT_PER_SECOND: process.env.API_RATE_LIMIT_PER_SECOND ?? '0',
        }),
  });
  const redis = createRedis(config.redis, { scripts: API_SCRIPTS });
  const keys = keysOf(config);
  const ts = Date.now();
  await redis.hset(
    keys.forTicker('AAPL').latestQuote('AAPL'),
    ...encodeLatestQuote(
      {
        id: `${ts}-0`,
        rawId: `${ts}-0`,
        ticker: 'AAPL',
        kind: 'trade',
        price: '100.25',
        ts,
        sector: 'Technology',
        source: 'sim',
        feed: 'b',
        seq: '1',
      },
      ts,
    ),
  );
  const keyHeader = WITH_KEY
    ? [
        '-H',
        `x-api-key=${(await createApiKeyStore({ redis, keys }).createApiKey({ name: 'cpubench', role: 'viewer' })).key}`,
      ]
    : [];
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const app = createApp({
    config,
    redis,
    logger: createLogger({ level: 'warn', name: 'api' }),
    registry: createRegistry('api'),
    temporal: new Client({ connection }),
  });
  const { port } = await app.start();
  const body = JSON.stringify({
    query: 'query Q($t: String!) { quote(ticker: $t) { ticker price ts } }',
    variables: { t: 'AAPL' },
  });
  const once = (seconds: number) =>
    new Promise<{ total: number; cpuUs: number }>((resolve, reject) => {
      const before = process.cpuUsage();
      const child = spawn(
        'npx',
        [
          'autocannon',
          '-j',
          '-c',
          '32',
          '-d',
          String(seconds),
          '-m',
          'POST',
          '-H',
          'content-type=application/json',
          ...keyHeader,
          '-b',
          body,
          `http://127.0.0.1:${port}/graphql`,
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', () => {
        const cpu = process.cpuUsage(before);
        try {
          const r = JSON.parse(out) as { requests: { total: number } };
          resolve({ total: r.requests.total, cpuUs: cpu.user + cpu.system });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
  await once(2);
  const results: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await once(5);
    results.push(r.cpuUs / r.total);
    process.stderr.write(
      `  run ${i + 1}: ${r.total} requests, ${(r.cpuUs / r.total).toFixed(1)} µs CPU per request\n`,
    );
  }
  results.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: 'api-cpu',
      auth: WITH_KEY ? 'api-key+rate-limit' : config.api.auth.mode,
      usPerRequest: Math.round(results[1]! * 10) / 10,
    }),
  );
  await app.stop();
  await redis.quit();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
