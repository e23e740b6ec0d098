import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRedisServer, freePort, startRedisServer } from '../lib/devstack';
import { benchApi, type LoadResult } from './api';
import { median } from './stats';
import { answerHelp } from '../lib/cli';

/**
 * `npm run bench:api`: quote(ticker) latency at a fixed rate and flat-out throughput through
 * the API process, beside a plain Node handler doing the same Redis read, on a Redis of its
 * own. Medians of BENCH_RUNS (3) runs of BENCH_API_SECONDS (8) at BENCH_API_RATE (5000)/s.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RATE = Number(process.env.BENCH_API_RATE ?? 5000);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 8);

async function main(): Promise<void> {
  const port = await freePort();
  const redis = await startRedisServer({
    binary: findRedisServer(process.env.PATH ?? ''),
    host: '127.0.0.1',
    port,
    logFile: join(mkdtempSync(join(tmpdir(), 'bench-api-')), 'redis.log'),
  });
  try {
    const r = await benchApi({
      redisPort: port,
      runs: RUNS,
      rate: RATE,
      seconds: SECONDS,
      log: (l) => process.stderr.write(`${l}\n`),
    });
    const rows: Record<string, Record<string, number>> = {};
    const base = median(r.targets['plain-node']!.max.map((x) => x.rps));
    for (const [name, t] of Object.entries(r.targets)) {
      const med = (f: (x: LoadResult) => number, xs: LoadResult[]) => median(xs.map(f));
      rows[name] = {
        [`p50 ms @${RATE}/s`]: med((x) => x.p50, t.fixed),
        [`p99 ms @${RATE}/s`]: med((x) => x.p99, t.fixed),
        [`achieved/s @${RATE}/s`]: Math.round(med((x) => x.rps, t.fixed)),
        'flat-out req/s': Math.round(med((x) => x.rps, t.max)),
        'flat-out p99 ms': med((x) => x.p99, t.max),
        'vs plain (throughput)': Math.round((med((x) => x.rps, t.max) / base) * 100) / 100,
        errors: t.fixed.concat(t.max).reduce((n, x) => n + x.errors, 0),
      };
    }
    console.table(rows);
    console.log(
      JSON.stringify({ bench: 'api', runs: RUNS, rate: RATE, seconds: SECONDS, results: rows }),
    );
  } finally {
    await redis.stop(2000);
  }
}

answerHelp(
  'bench:api',
  `usage: npm run bench:api
  the API benchmark alone (docs/benchmarks.md)`,
);
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
