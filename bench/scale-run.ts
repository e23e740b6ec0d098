import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { loadConfig, type Env } from '../lib/config';
import { PROJECT_ROOT } from '../lib/devstack/binaries';
import { spawnManaged, type ManagedProcess } from '../lib/devstack/child';
import { freePort, waitFor } from '../lib/devstack/ports';
import { createRedis, deleteMatching, keysOf, streamGroups, streamInfo } from '../lib/redis';
import { stopSignal } from '../contract';
import { simulatorFeed, startFeed, startPipelines } from '../clients';
import { treeCpuSeconds } from './proc-cpu';

/** One layout the bench measures. */
export interface ScaleProfile {
  readonly name: string;
  readonly partitions: number;
  readonly workers: number;
  /** On the 3-master Redis Cluster, else on the single Redis. */
  readonly cluster: boolean;
}

/** The servers the runs share (started once by bench/scale.ts). */
export interface ScaleStack {
  readonly redisUrl: string;
  readonly clusterNodes: readonly string[];
  readonly temporalAddress: string;
  /** Server processes whose CPU is counted: the single Redis, the cluster's nodes, Temporal. */
  readonly redisPid: number;
  readonly clusterPids: readonly number[];
  readonly temporalPid: number;
}

export interface ScaleResult {
  readonly targetEventsPerSecond: number;
  /** Events appended to the raw streams per second over the window. */
  readonly achievedEventsPerSecond: number;
  /** Undelivered + unacknowledged entries over every stage's group at the window's end. */
  readonly backlogEnd: number;
  readonly backlogStart: number;
  /** The rate held: achieved ≥ 90% of the target and the backlog bounded (see holds()). */
  readonly held: boolean;
  /** Freshness (feed time → latest-quote hash), ms, nearest rank. */
  readonly p50: number;
  readonly p99: number;
  readonly samples: number;
  /** CPU-seconds per million events, per process (the cluster's nodes summed as `redis`). */
  readonly cpuPerMillion: Readonly<Record<string, number>>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] ?? NaN;
}

/**
 * The rate held when the feed really ran at it (≥ 90% of the target reached the raw streams)
 * and the pipeline kept up: the backlog over every stage at the end is at most two seconds of
 * feed and grew by at most one second of feed over the window.
 */
function holds(r: Omit<ScaleResult, 'held'>): boolean {
  const rate = r.targetEventsPerSecond;
  return (
    r.achievedEventsPerSecond >= 0.9 * rate &&
    r.backlogEnd <= 2 * rate &&
    r.backlogEnd - r.backlogStart <= rate
  );
}

/**
 * One run: the simulator and `profile.workers` worker processes (as production runs them,
 * `workers/main.ts`) on the stack, the pipelines of `profile.partitions` partitions and the
 * simulator feed started by production's starters; after `warmupS`, `seconds` of measurement.
 * Everything started is stopped and every key of the run deleted before it returns.
 */
export async function runScale(
  stack: ScaleStack,
  profile: ScaleProfile,
  opts: { eventsPerSecond: number; seconds: number; warmupS: number },
): Promise<ScaleResult> {
  const id = `scale-${Math.random().toString(16).slice(2, 8)}`;
  const env: Env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    REDIS_KEY_PREFIX: `${id}:`,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: id,
    PIPELINE_WORKFLOW_ID: id,
    PIPELINE_PARTITIONS: String(profile.partitions),
    INGEST_MAX_LEN: '20000000',
    SIMULATOR_EVENTS_PER_SECOND: String(opts.eventsPerSecond),
    SIMULATOR_PORT: String(await freePort()),
    ...(profile.cluster
      ? { REDIS_CLUSTER_NODES: stack.clusterNodes.join(',') }
      : { REDIS_URL: stack.redisUrl }),
  };
  const config = loadConfig(env);
  const keys = keysOf(config);
  const redis = createRedis(config.redis);
  const sub = createRedis(config.redis, { maxRetriesPerRequest: null });
  const procs: ManagedProcess[] = [];
  const handles: WorkflowHandle[] = [];
  let feed: WorkflowHandle | undefined;
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  const spawnApp = async (name: string, entry: string, extra: Env, health: string) => {
    const p = spawnManaged(name, process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, entry)], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env, ...extra },
    });
    procs.push(p);
    await waitFor(name, () => fetch(health).then((r) => r.ok), 60_000, 250);
    return p;
  };
  try {
    const sim = await spawnApp(
      'simulator',
      'simulator/main.ts',
      {},
      `http://127.0.0.1:${config.simulator.port}/healthz`,
    );
    const workers: ManagedProcess[] = [];
    for (let i = 0; i < profile.workers; i++) {
      const port = await freePort();
      workers.push(
        await spawnApp(
          `worker-${i}`,
          'workers/main.ts',
          { WORKER_METRICS_PORT: String(port) },
          // Polling, not just up: the stage activities are long-lived and go to the workers
          // polling when the pipelines start (a worker that comes later waits for the next run).
          `http://127.0.0.1:${port}/readyz`,
        ),
      );
    }
    const samples: { recv: number; ts: number }[] = [];
    sub.on('smessage', (_channel: string, text: string) => {
      const recv = Date.now();
      const ts = (JSON.parse(text) as { ts?: unknown }).ts;
      if (typeof ts === 'number') samples.push({ recv, ts });
    });
    for (const k of keys.all) await sub.ssubscribe(k.quotesChannel);

    for (const s of await startPipelines(client, config)) {
      handles.push(client.workflow.getHandle(s.workflowId, s.runId));
    }
    await waitFor('the consumer groups', async () => {
      for (const pk of keys.all)
        if ((await streamGroups(redis, pk.rawEvents)).length === 0) return false;
      return true;
    });
    const f = await startFeed(client, config, simulatorFeed(config));
    feed = client.workflow.getHandle(f.workflowId, f.runId);
    await sleep(opts.warmupS * 1000);

    const counted: [string, readonly number[]][] = [
      ['simulator', [sim.child.pid!]],
      ...workers.map((w, i): [string, number[]] => [`worker-${i}`, [w.child.pid!]]),
      ['redis', profile.cluster ? stack.clusterPids : [stack.redisPid]],
      ['temporal', [stack.temporalPid]],
    ];
    const cpu = () => counted.map(([, pids]) => pids.reduce((s, p) => s + treeCpuSeconds(p), 0));
    const added = async () => {
      let n = 0;
      for (const pk of keys.all) n += (await streamInfo(redis, pk.rawEvents))?.entriesAdded ?? 0;
      return n;
    };
    const backlog = async () => {
      let n = 0;
      for (const pk of keys.all) {
        for (const stream of [pk.rawEvents, pk.normalizedEvents]) {
          for (const g of await streamGroups(redis, stream)) n += (g.lag ?? 0) + g.pending;
        }
      }
      return n;
    };
    const [c0, a0, b0, t0, p0] = [
      cpu(),
      await added(),
      await backlog(),
      Date.now(),
      performance.now(),
    ];
    await sleep(opts.seconds * 1000);
    const [c1, a1, b1, t1, p1] = [
      cpu(),
      await added(),
      await backlog(),
      Date.now(),
      performance.now(),
    ];
    // Quotes of the window's last events arrive a little after it.
    await sleep(2000);
    const events = a1 - a0;
    const fresh = samples
      .filter((s) => s.ts >= t0 && s.ts < t1)
      .map((s) => s.recv - s.ts)
      .sort((a, b) => a - b);
    const partial = {
      targetEventsPerSecond: opts.eventsPerSecond,
      achievedEventsPerSecond: Math.round(events / ((p1 - p0) / 1000)),
      backlogStart: b0,
      backlogEnd: b1,
      p50: percentile(fresh, 0.5),
      p99: percentile(fresh, 0.99),
      samples: fresh.length,
      cpuPerMillion: Object.fromEntries(
        counted.map(([name], i) => [name, events > 0 ? ((c1[i]! - c0[i]!) * 1e6) / events : NaN]),
      ),
    };
    return { ...partial, held: holds(partial) };
  } finally {
    if (feed) {
      await feed.signal(stopSignal).catch(() => undefined);
      await Promise.race([feed.result().catch(() => undefined), sleep(10_000)]);
      await feed.terminate('bench done').catch(() => undefined);
    }
    for (const h of handles) await h.terminate('bench done').catch(() => undefined);
    for (const p of procs.reverse()) await p.stop(15_000);
    sub.disconnect();
    await deleteMatching(redis, `${config.redis.keyPrefix}*`).catch(() => undefined);
    redis.disconnect();
    await connection.close();
  }
}
