import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerHelp } from '../lib/cli';
import {
  findRedisServer,
  freeClusterPorts,
  startEphemeralStack,
  startRedisCluster,
} from '../lib/devstack';
import { runScale, type ScaleProfile, type ScaleResult, type ScaleStack } from './scale-run';

/**
 * `npm run bench:scale`: the whole pipeline (ingest, normalize, cachepub, anomaly) sustained,
 * per layout, at the highest rate of a ladder it holds with the backlog bounded (scale-run.ts
 * says what holding is), with freshness and CPU-seconds per million events per process.
 * Layouts: the single Redis with P=1 and one worker (the baseline), P=4 on a 3-master Redis
 * Cluster with one and with two worker processes. Per layout the ladder climbs until a rate
 * fails; the highest held rate is then run BENCH_SCALE_RUNS times in all and the medians
 * reported. Its own stack: a Temporal dev server, a Redis and a Redis Cluster on free ports.
 */
const SECONDS = Number(process.env.BENCH_SCALE_SECONDS ?? 60);
const WARMUP_S = Number(process.env.BENCH_SCALE_WARMUP ?? 10);
const RUNS = Number(process.env.BENCH_SCALE_RUNS ?? 3);
const RATES = (process.env.BENCH_SCALE_RATES ?? '5000,10000,15000,20000,25000,30000,40000')
  .split(',')
  .map(Number);
const ONLY = process.env.BENCH_SCALE_PROFILES?.split(',');

const PROFILES: ScaleProfile[] = [
  { name: 'single Redis, P=1, 1 worker', partitions: 1, workers: 1, cluster: false },
  { name: 'cluster (3 masters), P=4, 1 worker', partitions: 4, workers: 1, cluster: true },
  { name: 'cluster (3 masters), P=4, 2 workers', partitions: 4, workers: 2, cluster: true },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function log(line: string): void {
  process.stderr.write(`bench:scale: ${line}\n`);
}

/** The median of each figure over runs at one rate. */
function medianOf(runs: readonly ScaleResult[]): ScaleResult {
  const names = Object.keys(runs[0]!.cpuPerMillion);
  const m = (f: (r: ScaleResult) => number) => median(runs.map(f));
  return {
    targetEventsPerSecond: runs[0]!.targetEventsPerSecond,
    achievedEventsPerSecond: m((r) => r.achievedEventsPerSecond),
    backlogStart: m((r) => r.backlogStart),
    backlogEnd: m((r) => r.backlogEnd),
    held: runs.filter((r) => r.held).length * 2 > runs.length,
    p50: m((r) => r.p50),
    p99: m((r) => r.p99),
    samples: m((r) => r.samples),
    cpuPerMillion: Object.fromEntries(names.map((n) => [n, m((r) => r.cpuPerMillion[n]!)])),
  };
}

async function measure(stack: ScaleStack, profile: ScaleProfile): Promise<[ScaleResult, number]> {
  const run = async (rate: number) => {
    const r = await runScale(stack, profile, {
      eventsPerSecond: rate,
      seconds: SECONDS,
      warmupS: WARMUP_S,
    });
    log(`${profile.name} @ ${rate}/s: ${JSON.stringify(r)}`);
    return r;
  };
  let best: ScaleResult | undefined;
  for (const rate of RATES) {
    const r = await run(rate);
    if (!r.held) {
      best ??= r;
      break;
    }
    best = r;
  }
  const runs = [best!];
  if (best!.held) {
    for (let i = 1; i < RUNS; i++) runs.push(await run(best!.targetEventsPerSecond));
  }
  return [medianOf(runs), runs.length];
}

function table(rows: [ScaleProfile, ScaleResult, number][]): string {
  const fmt = (n: number, d = 0) =>
    Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d }) : '–';
  const lines = [
    '| layout | events/s held | freshness p50 / p99 ms | CPU-s per M events: simulator · workers · redis · temporal | total CPU-s/M | runs |',
    '| --- | ---: | ---: | --- | ---: | ---: |',
  ];
  for (const [p, r, n] of rows) {
    const c = r.cpuPerMillion;
    const workers = Object.keys(c)
      .filter((k) => k.startsWith('worker'))
      .map((k) => fmt(c[k]!, 1))
      .join(' + ');
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    lines.push(
      `| ${p.name} | ${fmt(r.achievedEventsPerSecond)}${r.held ? '' : ' (not held at the lowest rate)'} | ${fmt(r.p50)} / ${fmt(r.p99)} | ${fmt(c.simulator!, 1)} · ${workers} · ${fmt(c.redis!, 1)} · ${fmt(c.temporal!, 1)} | ${fmt(total, 1)} | ${n} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const logDir = join(tmpdir(), `fin-line-bench-scale-${process.pid}`);
  const base = await startEphemeralStack({ pathEnv: process.env.PATH ?? '', logDir });
  const { ports, busPorts } = await freeClusterPorts(3);
  const cluster = await startRedisCluster({
    binary: findRedisServer(process.env.PATH ?? ''),
    host: '127.0.0.1',
    ports,
    busPorts,
    logDir,
  }).catch(async (err: unknown) => {
    await base.stop();
    throw err;
  });
  const [temporal, redis] = base.processes;
  const stack: ScaleStack = {
    redisUrl: base.redisUrl,
    clusterNodes: cluster.nodes,
    temporalAddress: base.temporalAddress,
    redisPid: redis!.child.pid!,
    clusterPids: cluster.processes.map((p) => p.child.pid!),
    temporalPid: temporal!.child.pid!,
  };
  log(`${SECONDS} s per run after ${WARMUP_S} s warm-up; rates ${RATES.join(', ')}; ${RUNS} runs`);
  try {
    const rows: [ScaleProfile, ScaleResult, number][] = [];
    for (const p of PROFILES.filter((_, i) => !ONLY || ONLY.includes(String(i + 1)))) {
      const [r, n] = await measure(stack, p);
      rows.push([p, r, n]);
    }
    process.stdout.write(`${table(rows)}\n`);
  } finally {
    await cluster.stop();
    await base.stop();
  }
}

answerHelp(
  'bench:scale',
  `usage: npm run bench:scale
  the whole pipeline sustained per layout (single Redis P=1 one worker; 3-master cluster P=4 with
  one and two workers) at the highest rate it holds; prints a Markdown table (docs/scaling.md).
  BENCH_SCALE_SECONDS (60), BENCH_SCALE_WARMUP (10), BENCH_SCALE_RUNS (3),
  BENCH_SCALE_RATES (5000,10000,15000,20000,25000,30000,40000), BENCH_SCALE_PROFILES (e.g. 1,3)`,
);
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
