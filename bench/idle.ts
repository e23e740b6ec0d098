import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import Redis from 'ioredis';
import { answerHelp } from '../lib/cli';
import { loadConfig, type Config } from '../lib/config';
import { hostPort, isListening } from '../lib/devstack/ports';
import { keysOf } from '../lib/redis';
import { feedWorkflowId, pipelineWorkflowId } from '../contract';
import { ROLES, rolePids, stackCpuSeconds, startNpmStack, type Role } from './idle-stack';

/**
 * `npm run bench:idle`: what the stack of `npm start` costs at the simulator's default rate.
 * Starts scripts/start.ts as `npm start` does (own ports, own data directory, default
 * configuration otherwise), lets it run BENCH_IDLE_MINUTES (10), and reports:
 * - CPU per process (Temporal dev server, Redis, worker, API, simulator and the supervisor), as
 *   % of one core from /proc over each one-minute window; the median of the last
 *   BENCH_IDLE_WINDOWS (3) windows;
 * - freshness (feed event time → latest quote written, as bench/freshness.ts measures it: the
 *   quote's SPUBLISH received here) p50 / p99 per window, and their median;
 * - per pipeline workflow and the feed: runs (continue-as-new chains), history events per hour
 *   (every run's history length, by describe) and the projected continue-as-new interval at the
 *   server's default suggestion threshold (4,096 events);
 * - what the Temporal UI's workflow list holds: executions by type, and the first 15 rows.
 */
const MINUTES = Number(process.env.BENCH_IDLE_MINUTES ?? 10);
const WINDOWS = Number(process.env.BENCH_IDLE_WINDOWS ?? 3);
const READY_TIMEOUT_MS = 240_000;
/** Temporal's default `limit.historyCount.suggestContinueAsNew`. */
const SUGGEST_CAN_EVENTS = 4096;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`bench:idle: ${line}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Nearest rank: an observed value. */
const percentile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]! : NaN;
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

export interface IdleWindow {
  /** % of one core per process, and in all. */
  readonly cpu: Record<Role | 'supervisor' | 'total', number>;
  readonly freshnessP50: number;
  readonly freshnessP99: number;
  readonly quotes: number;
  /** The machine's 1-minute load average at the window's end (other jobs move freshness). */
  readonly loadAverage: number;
}

export interface ChainFigures {
  readonly workflowId: string;
  /** Runs of the id (1 + continue-as-new count). */
  readonly runs: number;
  /** Every run's history events, summed. */
  readonly events: number;
  readonly eventsPerHour: number;
  /** At {@link SUGGEST_CAN_EVENTS} events a run, minutes between continue-as-new. */
  readonly projectedCanMinutes: number;
  /** The running run's history, bytes. */
  readonly historyBytes: number;
}

/** The pipeline's quote messages, stamped on arrival: (arrival − event time) per message. */
function subscribe(config: Config): { redis: Redis; samples: { at: number; ms: number }[] } {
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const samples: { at: number; ms: number }[] = [];
  redis.on('error', () => undefined);
  redis.on('smessage', (_channel: string, text: string) => {
    const at = Date.now();
    try {
      const ts = (JSON.parse(text) as { ts?: unknown }).ts;
      if (typeof ts === 'number') samples.push({ at, ms: at - ts });
    } catch {
      // not a quote
    }
  });
  const keys = keysOf(config);
  void redis.ssubscribe(...keys.all.map((k) => k.quotesChannel));
  return { redis, samples };
}

async function chain(client: Client, workflowId: string, now: number): Promise<ChainFigures> {
  let runs = 0;
  let events = 0;
  let first = now;
  let historyBytes = 0;
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs++;
    // Visibility's length of a running run lags; its own description is exact.
    const d = await client.workflow.getHandle(workflowId, w.runId).describe();
    events += d.historyLength;
    first = Math.min(first, d.startTime.getTime());
    if (d.status.name === 'RUNNING') historyBytes = d.historySize ?? 0;
  }
  const hours = (now - first) / 3_600_000;
  const eventsPerHour = hours > 0 ? events / hours : NaN;
  return {
    workflowId,
    runs,
    events,
    eventsPerHour: Math.round(eventsPerHour),
    projectedCanMinutes: Math.round((SUGGEST_CAN_EVENTS / eventsPerHour) * 60),
    historyBytes,
  };
}

async function waitReady(client: Client, config: Config, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const last = pipelineWorkflowId(config.pipeline.workflowId, config.pipeline.partitions - 1);
  for (;;) {
    if (exited()) throw new Error('npm start exited during start-up');
    try {
      const d = await client.workflow.getHandle(last).describe();
      if (d.status.name === 'RUNNING') return;
    } catch {
      // not started yet
    }
    if (Date.now() > deadline) throw new Error(`the stack was not ready in ${READY_TIMEOUT_MS} ms`);
    await sleep(1000);
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fin-line-bench-idle-'));
  log(`npm start's stack in ${dataDir}; ${MINUTES} min, median of the last ${WINDOWS} windows`);
  const stack = await startNpmStack(dataDir);
  const config = loadConfig(stack.env);
  let ok = false;
  let connection: Connection | undefined;
  let sub: ReturnType<typeof subscribe> | undefined;
  try {
    const { host, port } = hostPort(config.temporal.address);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await isListening(host, port))) {
      if (stack.child.exitCode !== null) throw new Error('npm start exited during start-up');
      if (Date.now() > deadline) throw new Error('Temporal did not listen in time');
      await sleep(1000);
    }
    connection = await Connection.connect({ address: config.temporal.address });
    const client = new Client({ connection, namespace: config.temporal.namespace });
    await waitReady(client, config, () => stack.child.exitCode !== null);
    const startedAt = Date.now();
    log('stack ready; workflows started');
    sub = subscribe(config);

    const windows: IdleWindow[] = [];
    for (let m = 0; m < MINUTES; m++) {
      const pids = rolePids(stack.child.pid!);
      const missing = ROLES.filter((r) => pids[r] === undefined);
      if (missing.length) throw new Error(`processes not found: ${missing.join(', ')}`);
      const t0 = Date.now();
      const c0 = stackCpuSeconds(stack.child.pid!, pids);
      await sleep(60_000);
      const t1 = Date.now();
      const c1 = stackCpuSeconds(stack.child.pid!, pids);
      const pct = (k: Role | 'supervisor') => round(((c1[k] - c0[k]) / ((t1 - t0) / 1000)) * 100);
      const cpu = Object.fromEntries(
        [...ROLES, 'supervisor' as const].map((k) => [k, pct(k)]),
      ) as Record<Role | 'supervisor', number>;
      const total = round(Object.values(cpu).reduce((a, b) => a + b, 0));
      const fresh = sub.samples
        .filter((s) => s.at >= t0 && s.at < t1)
        .map((s) => s.ms)
        .sort((a, b) => a - b);
      sub.samples.splice(0, sub.samples.length);
      const w: IdleWindow = {
        cpu: { ...cpu, total },
        freshnessP50: percentile(fresh, 0.5),
        freshnessP99: percentile(fresh, 0.99),
        quotes: fresh.length,
        loadAverage: round(loadavg()[0]!),
      };
      windows.push(w);
      log(`minute ${m + 1}: ${JSON.stringify(w)}`);
    }

    const now = Date.now();
    const ids = Array.from({ length: config.pipeline.partitions }, (_, p) =>
      pipelineWorkflowId(config.pipeline.workflowId, p),
    );
    const pipelines = await Promise.all(ids.map((id) => chain(client, id, now)));
    const feed = await chain(client, feedWorkflowId('simulator'), now);
    const byType: Record<string, number> = {};
    const first15: string[] = [];
    for await (const w of client.workflow.list()) {
      byType[w.type] = (byType[w.type] ?? 0) + 1;
      if (first15.length < 15) first15.push(`${w.workflowId} ${w.status.name}`);
    }

    const last = windows.slice(-WINDOWS);
    const keys = [...ROLES, 'supervisor', 'total'] as const;
    const result = {
      minutes: MINUTES,
      measuredMinutes: round((now - startedAt) / 60_000),
      simulatorEventsPerSecond: config.simulator.eventsPerSecond,
      partitions: config.pipeline.partitions,
      cpuPercentOfOneCore: Object.fromEntries(
        keys.map((k) => [k, round(median(last.map((w) => w.cpu[k])))]),
      ),
      freshnessMs: {
        p50: median(last.map((w) => w.freshnessP50)),
        p99: median(last.map((w) => w.freshnessP99)),
        quotesPerWindow: median(last.map((w) => w.quotes)),
      },
      pipelines,
      feed,
      workflowList: { byType, first15 },
      windows,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    ok = true;
  } catch (err) {
    try {
      log(`start.log:\n${readFileSync(join(dataDir, 'start.log'), 'utf8').slice(-4000)}`);
    } catch {
      // no log
    }
    throw err;
  } finally {
    sub?.redis.disconnect();
    await connection?.close();
    await stack.stop();
    if (ok) rmSync(dataDir, { recursive: true, force: true });
    else log(`kept ${dataDir}`);
  }
}

answerHelp(
  'bench:idle',
  `usage: npm run bench:idle
  the stack of npm start (own ports and data directory) at the simulator's default rate: CPU per
  process as % of one core (/proc, one-minute windows), freshness p50/p99, continue-as-new runs
  and history events per hour per pipeline workflow, the Temporal UI's workflow list; JSON on
  stdout. BENCH_IDLE_MINUTES (10), BENCH_IDLE_WINDOWS (3); other variables go to the stack.`,
);
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
