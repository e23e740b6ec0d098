import { MockActivityEnvironment } from '@temporalio/testing';
import {
  BlockingPool,
  createActivities,
  createWorkerMetrics,
  type ActivityDeps,
} from '../../../activities';
import { instrumentId } from '../../../lib/domain';
import { createLogger } from '../../../lib/logger';
import { createRegistry } from '../../../lib/metrics';
import { decodeFailedBatch, encodeRaw, GROUPS, type Stage } from '../../../lib/redis';
import type { StageRunInput, StageRunResult } from '../../../contract';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

type Entry = [string, string[]];

/** The long-lived stage activity in Temporal's mock activity context, on a real Redis. */
describe('runStage', () => {
  const config = testConfig({ PIPELINE_BLOCK_MS: '100', PIPELINE_BATCH_SIZE: '10' });
  let fx: RedisFixture;
  let deps: ActivityDeps;
  beforeEach(() => {
    fx = redisFixture(config);
    deps = {
      config,
      redis: fx.redis,
      blocking: new BlockingPool(fx.redis),
      keys: fx.keys,
      logger: createLogger({ level: 'silent', name: 'test' }),
      metrics: createWorkerMetrics(createRegistry('test')),
      sectors: new Map(),
      now: Date.now,
      shutdown: new AbortController().signal,
    };
  });
  afterEach(async () => {
    await deps.blocking.close();
    await fx.close();
  });

  /** n simulator trades of one ticker into its partition's raw stream, prices base+1..base+n. */
  async function addTrades(ticker: string, base: number, n: number, from = 1): Promise<void> {
    for (let i = from; i < from + n; i++) {
      const payload = JSON.stringify({ T: 't', S: ticker, p: base + i, s: 1, t: 1.7e12 + i, i });
      await fx.redis.xadd(
        fx.keys.forTicker(ticker).rawEvents,
        '*',
        ...encodeRaw({
          feed: 'sim',
          adapter: 'simulator',
          recvTs: 1,
          sourceId: String(i),
          payload,
        }),
      );
    }
  }

  const input = (
    partition: number,
    stage: Stage,
    runMs: number,
    maxAttempts = 3,
  ): StageRunInput => ({
    partition,
    stage,
    slot: 0,
    runMs,
    maxAttempts,
    statusMs: 10_000,
  });

  function env(): { env: MockActivityEnvironment; beats: unknown[] } {
    const e = new MockActivityEnvironment({ heartbeatTimeoutMs: 2000, attempt: 1 });
    const beats: unknown[] = [];
    e.on('heartbeat', (d: unknown) => beats.push(d));
    return { env: e, beats };
  }

  it('commits chunk after chunk, heartbeating, until its run time is up', async () => {
    const pk = fx.keys.forTicker('AAPL');
    const acts = createActivities(deps);
    await acts.ensureGroups({ partition: pk.partition });
    await addTrades('AAPL', 100, 40);
    const { env: e, beats } = env();
    const r: StageRunResult = await e.run(
      (i: StageRunInput) => acts.runStage(i),
      input(pk.partition, 'normalize', 1500),
    );
    expect(r).toMatchObject({ ended: 'run-time', count: 40, chunks: 4, out: 40, lag: 0 });
    expect(beats.length).toBeGreaterThanOrEqual(4);
    expect(await fx.redis.xlen(pk.normalizedEvents)).toBe(40);
    expect(await fx.redis.hget(pk.pipelineStats, 'normalize:in')).toBe('40');
    const [pending] = (await fx.redis.xpending(pk.rawEvents, GROUPS.normalize)) as [number];
    expect(pending).toBe(0);
  });

  it('records a chunk that fails every attempt as a failed batch and returns', async () => {
    const pk = fx.keys.forTicker('BAD');
    const acts = createActivities(deps);
    await acts.ensureGroups({ partition: pk.partition });
    await fx.redis.hset(pk.anomalyState, instrumentId('BAD', 'sim'), '{corrupt');
    await addTrades('BAD', 10, 3);
    await e2eNormalize(acts, pk.partition);
    const r: StageRunResult = await env().env.run(
      (i: StageRunInput) => acts.runStage(i),
      input(pk.partition, 'anomaly', 20_000, 2),
    );
    expect(r.ended).toBe('quarantined');
    expect(r.quarantined?.batchId).toMatch(new RegExp(`^anomaly-p${pk.partition}-\\d+-\\d+$`));
    const failed = ((await fx.redis.xrange(pk.failedBatches, '-', '+')) as Entry[]).map(([, f]) =>
      decodeFailedBatch(f),
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      stage: 'anomaly',
      attempts: 2,
      batchId: r.quarantined!.batchId,
    });
    expect(failed[0]!.ids).toHaveLength(3);
    // Acknowledged with the record: the slot moves on.
    const [pending] = (await fx.redis.xpending(pk.normalizedEvents, GROUPS.anomaly)) as [number];
    expect(pending).toBe(0);
  });

  it('stops without committing once a newer attempt holds the consumer lease', async () => {
    const pk = fx.keys.forTicker('MSFT');
    const acts = createActivities(deps);
    await acts.ensureGroups({ partition: pk.partition });
    await addTrades('MSFT', 100, 10);
    const run: Promise<StageRunResult> = env().env.run(
      (i: StageRunInput) => acts.runStage(i),
      input(pk.partition, 'normalize', 20_000),
    );
    await waitUntil(async () => (await fx.redis.xlen(pk.normalizedEvents)) === 10);
    // Another attempt of the slot starts (this one's worker lost Temporal meanwhile).
    await fx.redis.set(pk.consumerLease('normalize-0'), 'a newer attempt');
    await addTrades('MSFT', 100, 10, 11);
    const r = await run;
    expect(r.ended).toBe('fenced');
    expect(r.count).toBe(10);
    expect(await fx.redis.xlen(pk.normalizedEvents)).toBe(10);
    // The fenced chunk is still pending for the consumer: the newer attempt commits it.
    const [pending] = (await fx.redis.xpending(pk.rawEvents, GROUPS.normalize)) as [number];
    expect(pending).toBe(10);
  });

  async function e2eNormalize(acts: ReturnType<typeof createActivities>, partition: number) {
    await env().env.run((i: StageRunInput) => acts.runStage(i), input(partition, 'normalize', 500));
  }
});

async function waitUntil(fn: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
