import { Worker as Thread } from 'node:worker_threads';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { PROJECT_ROOT } from '../lib/devstack/binaries';
import { spawnManaged, type ManagedProcess } from '../lib/devstack/child';
import { freePort, isListening, waitFor } from '../lib/devstack/ports';
import { createLogger } from '../lib/logger';
import { createRegistry } from '../lib/metrics';
import { keysOf, createRedis, deleteMatching, streamGroups } from '../lib/redis';
import { stopSignal } from '../contract';
import { simulatorFeed, startFeed, startPipelines, type Started } from '../clients';
import { buildWorker, type BuiltWorker } from '../workers/build-worker';
import { benchTracing } from './tracing';
import { benchConfig } from './stages';
import type { BenchStack } from './stack';

export interface FreshnessResult {
  /** Freshness percentiles and maximum, ms (feed event time → latest-quote hash written). */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** Quote messages measured (one per ticker per cachepub batch, see benchFreshness). */
  readonly samples: number;
  /** Raw events appended to raw:events per second over the measurement window. */
  readonly achievedEventsPerSecond: number;
}

/** From the first quote message to the start of the measurement window. */
const WARMUP_MS = 3000;
/**
 * The window's samples are complete once a message this much newer (event time) than the
 * window's end has arrived: cachepub reads normalized:events in order, and that stream is
 * out of event-time order by at most the normalize batches in flight (2 x 1000 events, 0.1 s
 * of feed at 20k/s).
 */
const TAIL_MS = 1000;
/** Longest wait for that tail (a pipeline far behind the feed): the samples are then censored. */
const TAIL_TIMEOUT_MS = 60_000;
/** Longest wait for the feed workflow to end after its stop signal. */
const STOP_TIMEOUT_MS = 10_000;
/** Longest wait for the first quote message after the workflows start. */
const START_TIMEOUT_MS = 60_000;

/**
 * The pub/sub subscriber, run in a thread of its own (plain JS, evaluated): receive times
 * stamped on the worker's event loop would include the time that loop spends in batch code
 * and Temporal's SDK, which is not freshness (in trial runs at 20k/s, stamping on the main
 * thread read 4-7 ms higher at p50 and 15-22 ms at p90/p99). Keeps (receive time, event ts)
 * of every message; sends them back when a message with ts >= `until` arrives or on `stop`.
 */
const SUBSCRIBER = `
const { parentPort, workerData } = require('node:worker_threads');
const Redis = require(workerData.ioredis);
const sub = new Redis(workerData.url, { maxRetriesPerRequest: null, enableOfflineQueue: true });
let recv = new Float64Array(1 << 16);
let ts = new Float64Array(1 << 16);
let n = 0;
let until = Infinity;
let done = false;
const finish = () => {
  if (done) return;
  done = true;
  sub.disconnect();
  const r = recv.slice(0, n);
  const t = ts.slice(0, n);
  parentPort.postMessage({ type: 'samples', recv: r, ts: t }, [r.buffer, t.buffer]);
};
sub.on('error', () => {});
sub.on('smessage', (_channel, text) => {
  const now = Date.now();
  let t;
  try {
    t = JSON.parse(text).ts;
  } catch {
    return;
  }
  if (typeof t !== 'number' || done) return;
  if (n === recv.length) {
    const r2 = new Float64Array(n * 2);
    r2.set(recv);
    recv = r2;
    const t2 = new Float64Array(n * 2);
    t2.set(ts);
    ts = t2;
  }
  recv[n] = now;
  ts[n] = t;
  n++;
  if (n === 1) parentPort.postMessage({ type: 'first' });
  if (t >= until) finish();
});
parentPort.on('message', (m) => {
  if (m.type === 'until') until = m.ts;
  else if (m.type === 'stop') finish();
});
sub.ssubscribe(...workerData.channels).then(
  () => parentPort.postMessage({ type: 'ready' }),
  (err) => parentPort.postMessage({ type: 'error', message: String(err) }),
);
`;

type FromSubscriber =
  | { type: 'ready' }
  | { type: 'first' }
  | { type: 'error'; message: string }
  | { type: 'samples'; recv: Float64Array; ts: Float64Array };

class Subscriber {
  private readonly thread: Thread;
  private readonly waiters = new Map<string, (m: FromSubscriber) => void>();
  private readonly seen = new Map<string, FromSubscriber>();
  private failure: Error | undefined;

  /** `channels`: every partition's sharded quote channel (the bench runs on a single Redis). */
  constructor(url: string, channels: readonly string[]) {
    this.thread = new Thread(SUBSCRIBER, {
      eval: true,
      workerData: { url, channels, ioredis: require.resolve('ioredis') },
    });
    this.thread.on('message', (m: FromSubscriber) => {
      if (m.type === 'error') this.fail(new Error(`subscriber: ${m.message}`));
      this.seen.set(m.type, m);
      this.waiters.get(m.type)?.(m);
    });
    this.thread.on('error', (err) => this.fail(err));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.values()) w({ type: 'error', message: err.message });
  }

  /** The thread's message of `type`, or undefined after `timeoutMs`. */
  async next<T extends FromSubscriber['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<FromSubscriber, { type: T }> | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const m = await new Promise<FromSubscriber | undefined>((resolve) => {
      const had = this.seen.get(type);
      if (had || this.failure) return resolve(had);
      this.waiters.set(type, resolve);
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    }).finally(() => {
      clearTimeout(timer);
      this.waiters.delete(type);
    });
    if (this.failure) throw this.failure;
    return m as Extract<FromSubscriber, { type: T }> | undefined;
  }

  send(m: { type: 'until'; ts: number } | { type: 'stop' }): void {
    this.thread.postMessage(m);
  }

  async close(): Promise<void> {
    await this.thread.terminate();
  }
}

/** The value at rank ceil(q * n) of the sorted samples (nearest-rank: an observed value). */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * End-to-end freshness of the latest quotes under a steady load, in ms.
 *
 * **Load.** The market simulator runs as a child process (as under `npm start`) at
 * `eventsPerSecond`, with its default settings otherwise. In this process run a real worker
 * ({@link buildWorker}), the pipeline workflow with every stage — normalize, cachepub,
 * anomaly — and the simulator's ingestFeed workflow, started by production's own starters
 * ({@link startPipeline}, {@link startFeed}). Pipeline settings are the production defaults
 * (batch 1000, 2 normalize slots, block 2000 ms) unless BENCH_BATCH_SIZE / BENCH_SLOTS say
 * otherwise; the rest of the config is {@link benchConfig}'s.
 *
 * **What is measured.** For a tick, freshness = (moment `quotes:latest:<ticker>` holds it) −
 * (its feed event time `ts`, set by the simulator with `Date.now()` when it generates and
 * sends the frame). The hash write is observed through `quotes:pubsub`: cachepub's commit
 * script writes the hash and PUBLISHes the quote in the same atomic Lua call, so a message's
 * arrival is the write plus one loopback hop (well under 1 ms). A subscriber in a thread of
 * its own stamps each arrival with `Date.now()`; the simulator and this process share the
 * host's wall clock, so no offset applies. `ts` has whole-ms resolution (truncated), so each
 * figure reads up to 1 ms high. Polling the hashes instead was rejected: it adds up to a poll
 * period of delay, and 51 HGETs per poll at a useful rate would load the Redis being measured.
 *
 * **What a sample is.** cachepub writes one hash (and publishes one message) per ticker per
 * batch, carrying that ticker's newest tick in the batch: one sample per message. Ticks
 * superseded within their batch never reach the hash, so they have no freshness of their
 * own; this is the freshness of the latest quote a reader can see, not of every event.
 *
 * **Window.** After the first quote message, {@link WARMUP_MS} of warm-up, then `seconds` of
 * measurement. Samples are the messages whose event `ts` falls in the window (selected by
 * event time, so slow ticks near the end are not cut off); collection goes on under load
 * until a message {@link TAIL_MS} newer than the window's end arrives.
 * `achievedEventsPerSecond` is the growth of raw:events over the window (XLEN; the bench caps
 * the stream far above what a run writes), so a reader can check the load was really there.
 *
 * **Percentiles** are exact, nearest-rank, over the sorted samples (no histogram: a run has
 * some tens of thousands of samples, and sorting them is instant).
 *
 * Everything started is stopped, and every key under the run's prefix deleted, before it returns.
 */
export async function benchFreshness(
  stack: BenchStack,
  bundle: WorkflowBundle,
  opts: { eventsPerSecond: number; seconds: number; partitions?: number },
): Promise<FreshnessResult> {
  const simEnv = {
    SIMULATOR_EVENTS_PER_SECOND: String(opts.eventsPerSecond),
    SIMULATOR_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  const config = benchConfig(stack, {
    ...simEnv,
    // Production defaults, not the throughput benches' bigger batches.
    PIPELINE_BATCH_SIZE: process.env.BENCH_BATCH_SIZE ?? '1000',
    PIPELINE_PARTITIONS: String(opts.partitions ?? 1),
    ...(process.env.BENCH_SLOTS ? { PIPELINE_NORMALIZE_SLOTS: process.env.BENCH_SLOTS } : {}),
  });
  const logger = createLogger({ level: 'warn', name: 'bench' });
  const redis = createRedis(config.redis);
  const keys = keysOf(config);

  let sim: ManagedProcess | undefined;
  let subscriber: Subscriber | undefined;
  let native: NativeConnection | undefined;
  let connection: Connection | undefined;
  let built: BuiltWorker | undefined;
  let running: Promise<void> | undefined;
  let feed: WorkflowHandle | undefined;
  let pipelines: WorkflowHandle[] = [];
  /** Stops everything started, each step even if an earlier one fails; returns the failures. */
  const cleanup = async (): Promise<unknown[]> => {
    const errors: unknown[] = [];
    const step = async (f: () => Promise<unknown> | undefined) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    // The feed is stopped as an operator would (its activity closes the socket and flushes):
    // terminated, its activity would only learn at worker shutdown, which logs a failure.
    await step(async () => {
      if (!feed) return;
      await feed.signal(stopSignal);
      await Promise.race([feed.result(), sleep(STOP_TIMEOUT_MS)]);
    });
    for (const h of [feed, ...pipelines]) {
      await step(() => h?.terminate('bench done').catch(() => undefined));
    }
    if (built) {
      built.shutdown();
      await step(() => running);
      await step(() => built?.close());
    }
    await step(() => subscriber?.close());
    await step(() => sim?.stop(5000));
    await step(() => native?.close());
    await step(() => connection?.close());
    await step(() => deleteMatching(redis, `${config.redis.keyPrefix}*`));
    await step(() => redis.quit());
    return errors;
  };
  let result: FreshnessResult;
  try {
    sim = spawnManaged(
      'simulator',
      process.execPath,
      ['--import', 'tsx', `${PROJECT_ROOT}/simulator/main.ts`],
      { cwd: PROJECT_ROOT, env: { ...process.env, ...simEnv } },
    );
    await waitFor('the simulator', () => isListening(config.simulator.host, config.simulator.port));

    subscriber = new Subscriber(
      config.redis.url,
      keys.all.map((pk) => pk.quotesChannel),
    );
    if (!(await subscriber.next('ready', 10_000))) throw new Error('subscriber did not start');

    native = await NativeConnection.connect({ address: config.temporal.address });
    connection = await Connection.connect({ address: config.temporal.address });
    const client = new Client({ connection });
    built = await buildWorker({
      config,
      logger,
      registry: createRegistry('bench'),
      connection: native,
      workflowBundle: bundle,
      tracing: benchTracing(),
    });
    running = built.worker.run();

    // The pipeline first, and the feed once the pipeline's groups exist: before, the feed
    // would warn that it cannot read the normalize group's lag (no backpressure).
    const checked = (started: Started) => {
      // One left over on this Temporal would serve another task queue: fail, not measure nothing.
      if (!started.started) throw new Error(`workflow ${started.workflowId} was already running`);
      return client.workflow.getHandle(started.workflowId, started.runId);
    };
    pipelines = (await startPipelines(client, config)).map(checked);
    await waitFor('the consumer groups', async () => {
      for (const pk of keys.all) {
        if ((await streamGroups(redis, pk.rawEvents)).length === 0) return false;
      }
      return true;
    });
    feed = checked(await startFeed(client, config, simulatorFeed(config)));

    if (!(await subscriber.next('first', START_TIMEOUT_MS))) {
      throw new Error(`no quote published within ${START_TIMEOUT_MS} ms`);
    }
    await sleep(WARMUP_MS);

    const t0 = Date.now();
    const rawLength = async () => {
      let n = 0;
      for (const pk of keys.all) n += await redis.xlen(pk.rawEvents);
      return n;
    };
    const l0 = await rawLength();
    const p0 = performance.now();
    await sleep(opts.seconds * 1000);
    const t1 = Date.now();
    const l1 = await rawLength();
    const achievedEventsPerSecond = (l1 - l0) / ((performance.now() - p0) / 1000);

    subscriber.send({ type: 'until', ts: t1 + TAIL_MS });
    let got = await subscriber.next('samples', TAIL_TIMEOUT_MS);
    if (!got) {
      logger.warn({ waitedMs: TAIL_TIMEOUT_MS }, 'pipeline far behind: window samples censored');
      subscriber.send({ type: 'stop' });
      got = await subscriber.next('samples', 10_000);
    }
    if (!got) throw new Error('subscriber sent no samples');

    const fresh: number[] = [];
    for (let i = 0; i < got.ts.length; i++) {
      const ts = got.ts[i]!;
      if (ts >= t0 && ts < t1) fresh.push(got.recv[i]! - ts);
    }
    const sorted = Float64Array.from(fresh).sort();
    result = {
      p50: percentile(sorted, 0.5),
      p90: percentile(sorted, 0.9),
      p99: percentile(sorted, 0.99),
      max: sorted.length ? sorted[sorted.length - 1]! : NaN,
      samples: sorted.length,
      achievedEventsPerSecond,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
  const errors = await cleanup();
  if (errors.length > 0) throw errors[0];
  return result;
}
