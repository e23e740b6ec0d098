import { execFile } from 'node:child_process';
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  BlockingPool,
  createActivities,
  createWorkerMetrics,
  type ActivityDeps,
} from '../activities';
import { createArchiveSink, DAY_MS, dayRange, type ArchivedTick } from '../lib/archive';
import { loadConfig, type Env } from '../lib/config';
import { findRedisServer, freePort, PROJECT_ROOT, startRedisServer } from '../lib/devstack';
import { startPostgresServer } from '../lib/devstack/postgres';
import { createLogger } from '../lib/logger';
import { createRegistry } from '../lib/metrics';
import { loadSectors } from '../lib/reference';
import { createRedis, keysOf, WORKER_SCRIPTS, type Keys, type Redis } from '../lib/redis';
import { median } from './stats';

/**
 * `npm run bench:archive [-- EVENTS]`: archive throughput and peak memory for one day of
 * EVENTS normalized ticks (default 10,000,000; ARCHIVE_BENCH_EVENTS or the first argument),
 * spread over the configured partitions (PIPELINE_PARTITIONS, each ticker in its partition's
 * stream), to Parquet and to PostgreSQL, through the production copy activity (called directly: no
 * Temporal in the measurement). Each measurement runs in a fresh child process, whose peak RSS
 * (VmHWM) is reported; medians over ARCHIVE_BENCH_RUNS runs (default 3, 1 at 5M events and
 * more). Baselines measured in the same run:
 *   read ceiling    plain XRANGE paging of the same range of every partition (what the copy reads);
 *   write ceiling   the sink alone, fed synthetic ticks (no Redis, no decoding).
 * Also once per sink: the verify step (re-read of the source and of the archive).
 * Redis runs without persistence; the PostgreSQL cluster is throw-away with fsync off. The
 * children run with a V8 heap capped at ARCHIVE_BENCH_HEAP_MB (default 512).
 */

const DAY = '2025-06-02';
/**
 * The children's V8 heap cap (ARCHIVE_BENCH_HEAP_MB): the copy streams, so it runs in a small
 * heap whatever the day's size; without a cap V8 lets garbage pile up on a big machine and the
 * peak RSS says more about the collector than about the copy.
 */
const HEAP_MB = Number(process.env.ARCHIVE_BENCH_HEAP_MB ?? 512);
const LABELS = {
  copyParquet: 'copy → Parquet',
  copyPostgres: 'copy → PostgreSQL',
  readCeiling: 'read ceiling (XRANGE)',
  writeParquet: 'write ceiling Parquet',
  writePostgres: 'write ceiling PostgreSQL',
  verifyParquet: 'verify Parquet',
  verifyPostgres: 'verify PostgreSQL',
} as const;
type Measure = keyof typeof LABELS;

interface Sample {
  readonly events: number;
  readonly seconds: number;
  readonly peakRssMb: number;
}

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.memoryUsage().rss / 2 ** 20);
}

// --------------------------------------------------------------------------- child: one measure

function childDeps(env: Env): ActivityDeps {
  const config = loadConfig(env);
  const redis = createRedis(config.redis, { scripts: WORKER_SCRIPTS });
  return {
    config,
    redis,
    blocking: new BlockingPool(redis),
    keys: keysOf(config),
    logger: createLogger({ level: 'warn', name: 'bench-archive' }),
    metrics: createWorkerMetrics(createRegistry('bench')),
    sectors: loadSectors(config.sectorsFile),
    now: Date.now,
    shutdown: new AbortController().signal,
  };
}

function syntheticTick(i: number, start: number, step: number): ArchivedTick {
  const ms = start + i * step;
  const sectors = ['Technology', 'Financials', 'Crypto', 'Energy', 'Healthcare'];
  return {
    id: `${ms}-${i % 4}`,
    ticker: `T${i % 12}`,
    kind: 'trade',
    price: `${100 + ((i * 7) % 900)}.${String((i * 7919) % 1000000).padStart(6, '0')}`,
    size: String(1 + (i % 500)),
    ts: ms - 3,
    sector: sectors[(i % 12) % sectors.length]!,
    source: 'bench',
    feed: 'bench',
    seq: String(i),
    rawId: `${ms - 1}-0`,
    partition: 0,
  };
}

async function child(measure: Measure, env: Env, events: number): Promise<Sample> {
  const deps = childDeps(env);
  const acts = createActivities(deps);
  const t0 = performance.now();
  let n = events;
  try {
    if (measure === 'copyParquet' || measure === 'copyPostgres') {
      const r = await acts.copyDayToArchive({ day: DAY });
      n = r.ticks.digest.count + r.anomalies.digest.count;
    } else if (measure === 'verifyParquet' || measure === 'verifyPostgres') {
      const copy = await acts.copyDayToArchive({ day: DAY });
      const t1 = performance.now();
      await acts.verifyArchivedDay({ copy });
      return {
        events: copy.ticks.digest.count,
        seconds: (performance.now() - t1) / 1000,
        peakRssMb: peakRssMb(),
      };
    } else if (measure === 'readCeiling') {
      const { start, end } = dayRange(DAY);
      n = 0;
      for (const pk of deps.keys.all) {
        let cursor = `${start}-0`;
        for (;;) {
          const page = (await deps.redis.xrange(
            pk.normalizedEvents,
            cursor,
            `${end - 1}-18446744073709551615`,
            'COUNT',
            deps.config.archive.pageSize,
          )) as [string, string[]][];
          n += page.length;
          if (page.length < deps.config.archive.pageSize) break;
          cursor = `(${page[page.length - 1]![0]}`;
        }
      }
    } else {
      const sink = await createArchiveSink(deps.config, deps.sectors);
      const w = await sink.openDay(DAY);
      const { start } = dayRange(DAY);
      const step = Math.floor(DAY_MS / events);
      const batch = deps.config.archive.pageSize;
      let sinceFlush = 0;
      for (let i = 0; i < events; i += batch) {
        const rows = Array.from({ length: Math.min(batch, events - i) }, (_, j) =>
          syntheticTick(i + j, start, step),
        );
        await w.appendTicks(rows);
        sinceFlush += rows.length;
        if (sinceFlush >= deps.config.archive.checkpointEvents) {
          await w.flush();
          sinceFlush = 0;
        }
      }
      await w.publish();
      await sink.close();
    }
    return { events: n, seconds: (performance.now() - t0) / 1000, peakRssMb: peakRssMb() };
  } finally {
    await deps.blocking.close();
    deps.redis.disconnect();
  }
}

// --------------------------------------------------------------------------- parent: the run

function runChild(measure: Measure, env: Env, events: number): Promise<Sample> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        `--max-old-space-size=${HEAP_MB}`,
        '--import',
        'tsx',
        __filename,
        '--child',
        measure,
        String(events),
      ],
      { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${measure}: ${err.message}\n${stderr}`));
        const line = stdout.trim().split('\n').pop() ?? '';
        resolve(JSON.parse(line) as Sample);
      },
    );
  });
}

/** The bench's tickers and sectors; each ticker's ticks go to its partition's stream. */
const BENCH_TICKERS: readonly [string, string][] = [
  ['AAPL', 'Technology'],
  ['MSFT', 'Technology'],
  ['JPM', 'Financials'],
  ['BTC-USD', 'Crypto'],
  ['XOM', 'Energy'],
  ['AMZN', 'Consumer Discretionary'],
  ['JNJ', 'Healthcare'],
  ['GE', 'Industrials'],
  ['KO', 'Consumer Staples'],
  ['DUK', 'Utilities'],
  ['DIS', 'Communication Services'],
  ['NVDA', 'Technology'],
];

/** Seeds the day into every partition's stream (one Redis: the script may touch them all). */
async function seed(redis: Redis, keys: Keys, events: number): Promise<void> {
  const script = readFileSync(join(__dirname, 'archive-seed.lua'), 'utf8');
  const sha = (await redis.script('LOAD', script)) as string;
  const { start } = dayRange(DAY);
  const step = Math.floor(DAY_MS / events);
  const chunk = 50_000;
  const streams = keys.all.map((pk) => pk.normalizedEvents);
  const tickers = BENCH_TICKERS.flatMap(([t, sector]) => [
    t,
    sector,
    keys.forTicker(t).partition + 1,
  ]);
  for (let i = 0; i < events; i += chunk) {
    const args = [start, step, i, Math.min(chunk, events - i), ...tickers];
    await redis.evalsha(sha, streams.length, ...streams, ...args);
  }
}

async function main(): Promise<void> {
  const events = Number(process.argv[2] ?? process.env.ARCHIVE_BENCH_EVENTS ?? 10_000_000);
  const runs = Number(process.env.ARCHIVE_BENCH_RUNS ?? (events >= 5_000_000 ? 1 : 3));
  const work = mkdtempSync(join(tmpdir(), 'fin-line-bench-archive-'));
  const port = await freePort();
  const redisProc = await startRedisServer({
    binary: findRedisServer(process.env.PATH ?? ''),
    host: '127.0.0.1',
    port,
    logFile: join(work, 'redis.log'),
  });
  const pg = await startPostgresServer({ logFile: join(work, 'postgres.log') });
  const redisUrl = `redis://127.0.0.1:${port}`;
  const redis = createRedis(redisUrl);
  const results: Partial<Record<Measure, Sample[]>> = {};
  const base: Env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    REDIS_URL: redisUrl,
    ARCHIVE_PG_URL: pg.url,
    ARCHIVE_DIR: join(work, 'archive'),
    ...(process.env.PIPELINE_PARTITIONS
      ? { PIPELINE_PARTITIONS: process.env.PIPELINE_PARTITIONS }
      : {}),
  };
  const keys = keysOf(loadConfig(base));
  try {
    const t0 = performance.now();
    await seed(redis, keys, events);
    const seedSecs = (performance.now() - t0) / 1000;
    const info = await redis.info('memory');
    const redisMb = Math.round(Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0) / 2 ** 20);
    const used = (await Promise.all(keys.all.map((pk) => redis.xlen(pk.normalizedEvents)))).filter(
      (n) => n > 0,
    ).length;
    process.stderr.write(
      `seeded ${events} ticks over ${used} of ${keys.partitions} partitions in ${seedSecs.toFixed(1)} s (Redis ${redisMb} MiB)\n`,
    );

    const envs: Record<Measure, Env> = {
      copyParquet: { ...base, ARCHIVE_SINK: 'parquet' },
      copyPostgres: { ...base, ARCHIVE_SINK: 'postgres' },
      readCeiling: base,
      writeParquet: { ...base, ARCHIVE_SINK: 'parquet', ARCHIVE_DIR: join(work, 'ceiling') },
      writePostgres: { ...base, ARCHIVE_SINK: 'postgres' },
      verifyParquet: { ...base, ARCHIVE_SINK: 'parquet' },
      verifyPostgres: { ...base, ARCHIVE_SINK: 'postgres' },
    };
    const order: Measure[] = [
      'readCeiling',
      'copyParquet',
      'writeParquet',
      'copyPostgres',
      'writePostgres',
    ];
    for (let r = 0; r < runs; r++) {
      for (const m of order) {
        const s = await runChild(m, envs[m], events);
        (results[m] ??= []).push(s);
        process.stderr.write(
          `run ${r + 1}/${runs} ${LABELS[m].padEnd(26)} ${Math.round(s.events / s.seconds)} ev/s, ${s.seconds.toFixed(1)} s, peak RSS ${s.peakRssMb} MiB\n`,
        );
      }
    }
    for (const m of ['verifyParquet', 'verifyPostgres'] as const) {
      const s = await runChild(m, envs[m], events);
      results[m] = [s];
      process.stderr.write(
        `${LABELS[m].padEnd(26)} ${Math.round(s.events / s.seconds)} ev/s, ${s.seconds.toFixed(1)} s\n`,
      );
    }

    const table = (Object.keys(LABELS) as Measure[]).map((m) => {
      const xs = results[m] ?? [];
      return {
        measure: LABELS[m],
        eventsPerSec: Math.round(median(xs.map((s) => s.events / s.seconds))),
        seconds: Number(median(xs.map((s) => s.seconds)).toFixed(1)),
        peakRssMb: Math.round(median(xs.map((s) => s.peakRssMb))),
      };
    });
    const w = 26;
    const lines = [
      `archive bench: ${events} ticks in one day over ${keys.partitions} partitions, ${runs} run(s), medians, heap cap ${HEAP_MB} MiB (seed ${seedSecs.toFixed(1)} s, Redis ${redisMb} MiB)`,
      `${'measure'.padEnd(w)}  ${'events/s'.padStart(10)}  ${'seconds'.padStart(8)}  ${'peak RSS MiB'.padStart(12)}`,
      ...table.map(
        (t) =>
          `${t.measure.padEnd(w)}  ${String(t.eventsPerSec).padStart(10)}  ${String(t.seconds).padStart(8)}  ${String(t.peakRssMb).padStart(12)}`,
      ),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'archive', events, partitions: keys.partitions, runs, medians: table, samples: results })}\n`,
    );
  } finally {
    redis.disconnect();
    await pg.stop();
    await redisProc.stop(5000);
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--help' || process.argv[2] === '-h') {
  process.stdout.write(
    'usage: npm run bench:archive [-- EVENTS]\n  one day of EVENTS ticks (default 10,000,000) copied to Parquet and PostgreSQL (docs/archive.md)\n',
  );
  process.exit(0);
} else if (process.argv[2] === '--child') {
  const measure = process.argv[3] as Measure;
  child(measure, process.env, Number(process.argv[4])).then(
    (s) => {
      process.stdout.write(`${JSON.stringify(s)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
