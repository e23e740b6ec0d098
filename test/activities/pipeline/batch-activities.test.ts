import {
  BlockingPool,
  createActivities,
  createWorkerMetrics,
  type ActivityDeps,
} from '../../../activities';
import { createLogger } from '../../../lib/logger';
import { createRegistry } from '../../../lib/metrics';
import { decodeTick, encodeRaw, GROUPS } from '../../../lib/redis';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

/** The batch activity called directly (no Temporal) against a real Redis. */
describe('processBatch', () => {
  const config = testConfig({ PIPELINE_CLAIM_IDLE_MS: '1000', PIPELINE_BLOCK_MS: '0' });
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

  /** Appends n simulator trades of one ticker, prices base+1..base+n, ids 1..n. */
  async function addTrades(ticker: string, base: number, n: number): Promise<void> {
    for (let i = 1; i <= n; i++) {
      const payload = JSON.stringify({
        T: 't',
        S: ticker,
        p: base + i,
        s: 1,
        t: 1_700_000_000_000 + i,
        i,
      });
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

  it('takes over entries left pending by a consumer that no longer runs (XAUTOCLAIM)', async () => {
    const { redis } = fx;
    const keys = fx.keys.forTicker('AAPL');
    const { partition } = keys;
    const acts = createActivities(deps);
    await acts.ensureGroups({ partition });
    await addTrades('AAPL', 100, 5);
    // Slot 9 read everything and vanished (the slot count was lowered).
    await redis.xreadgroup(
      'GROUP',
      GROUPS.normalize,
      'normalize-9',
      'COUNT',
      10,
      'STREAMS',
      keys.rawEvents,
      '>',
    );

    // Not idle long enough yet: slot 0 leaves them alone.
    expect((await acts.processBatch({ partition, stage: 'normalize', slot: 0 })).count).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    const r = await acts.processBatch({ partition, stage: 'normalize', slot: 0 });
    expect(r).toMatchObject({ count: 5, out: 5, applied: true });
    const ticks = (
      (await redis.xrange(keys.normalizedEvents, '-', '+')) as [string, string[]][]
    ).map(([id, f]) => decodeTick(id, f));
    expect(ticks.map((t) => t.price)).toEqual(['101', '102', '103', '104', '105']);
    const [pending] = (await redis.xpending(keys.rawEvents, GROUPS.normalize)) as [number];
    expect(pending).toBe(0);
  });

  it('commits chunk after chunk within one activity, up to its event budget', async () => {
    const { redis } = fx;
    const keys = fx.keys.forTicker('MSFT');
    const { partition } = keys;
    const small = { ...config, pipeline: { ...config.pipeline, batchSize: 10 } };
    const acts = createActivities({
      ...deps,
      config: small,
      legacyBatch: { activityMaxEvents: 25, activityMaxMs: 60_000 },
    });
    await acts.ensureGroups({ partition });
    await addTrades('MSFT', 300, 40);
    expect(await acts.processBatch({ partition, stage: 'normalize', slot: 0 })).toMatchObject({
      count: 30,
      chunks: 3,
      out: 30,
      lag: 10,
    });
    expect(await acts.processBatch({ partition, stage: 'normalize', slot: 0 })).toMatchObject({
      count: 10,
      chunks: 1,
      lag: 0,
    });
    expect(await redis.hget(keys.pipelineStats, 'normalize:in')).toBe('40');
  });
});
