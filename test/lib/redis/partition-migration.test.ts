import { createActivities, BlockingPool, createWorkerMetrics } from '../../../activities';
import { createLogger } from '../../../lib/logger';
import { createRegistry } from '../../../lib/metrics';
import { partitionOf, type NormalizedTick } from '../../../lib/domain';
import {
  decodeTick,
  encodeAnomaly,
  encodeDeadLetter,
  encodeLatestQuote,
  encodeRaw,
  encodeTick,
  GROUPS,
  hasLegacyLayout,
  legacyKeys,
  migrateToPartitions,
} from '../../../lib/redis';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

type Entry = [string, string[]];

/**
 * A deployment's single-stream data, half processed, moved to 4 partitions: everything lands
 * in its ticker's partition with its id, the consumer groups resume where they stood, and the
 * pipeline's activities pick up exactly the work that was left.
 */
describe('migration from the single-stream layout to partitions', () => {
  const config = testConfig({ PIPELINE_PARTITIONS: '4', PIPELINE_BLOCK_MS: '0' });
  let fx: RedisFixture;
  beforeEach(() => {
    fx = redisFixture(config);
  });
  afterEach(() => fx.close());

  const TICKERS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'JPM', 'XOM', 'KO', 'PFE'];
  const t0 = 1_700_000_000_000;
  const tick = (i: number): NormalizedTick => ({
    ticker: TICKERS[i % TICKERS.length]!,
    kind: 'trade',
    price: String(100 + i),
    size: '1',
    ts: t0 + i,
    sector: 'Technology',
    source: 'simulator',
    feed: 'sim',
    seq: String(i),
  });

  /** The old layout: `raw:events` with 10 entries (4 committed, 2 pending, 4 never read)... */
  async function seedLegacy(): Promise<void> {
    const { redis } = fx;
    const legacy = legacyKeys(fx.keys.prefix);
    for (let i = 0; i < 10; i++) {
      const payload = JSON.stringify({ T: 't', S: TICKERS[i % 8], p: 10 + i, s: 1, t: t0 + i, i });
      await redis.xadd(
        legacy.rawEvents,
        `1000-${i}`,
        ...encodeRaw({
          feed: 'sim',
          adapter: 'simulator',
          recvTs: 1,
          sourceId: String(i),
          payload,
        }),
      );
    }
    await redis.xgroup('CREATE', legacy.rawEvents, GROUPS.normalize, '0');
    await redis.xreadgroup(
      'GROUP',
      GROUPS.normalize,
      'normalize-0',
      'COUNT',
      6,
      'STREAMS',
      legacy.rawEvents,
      '>',
    );
    await redis.xack(legacy.rawEvents, GROUPS.normalize, '1000-0', '1000-1', '1000-2', '1000-3');
    // ...`normalized:events` with 20 ticks: cachepub committed through #15; anomaly delivered
    // through #12 and committed through #10 (11 and 12 pending)...
    for (let i = 1; i <= 20; i++) {
      await redis.xadd(legacy.normalizedEvents, `2000-${i}`, ...encodeTick(tick(i), `900-${i}`));
    }
    await redis.xgroup('CREATE', legacy.normalizedEvents, GROUPS.cachepub, '2000-15');
    await redis.xgroup('CREATE', legacy.normalizedEvents, GROUPS.anomaly, '2000-10');
    await redis.xreadgroup(
      'GROUP',
      GROUPS.anomaly,
      'anomaly-0',
      'COUNT',
      2,
      'STREAMS',
      legacy.normalizedEvents,
      '>',
    );
    // ...anomalies, dead letters, latest quotes and counters.
    await redis.xadd(
      legacy.anomalies,
      '3000-0',
      ...encodeAnomaly(
        {
          type: 'price_jump',
          severity: 'high',
          ticker: 'NVDA',
          feed: '',
          price: '1',
          statistic: 12,
          threshold: 5,
          ts: t0,
          sourceIds: ['2000-3'],
        },
        t0,
      ),
    );
    await redis.xadd(
      legacy.deadLetters,
      '3000-1',
      ...encodeDeadLetter({
        reason: 'bad',
        feed: 'sim',
        adapter: 'simulator',
        sourceStreamId: '1-0',
        payload: '{}',
      }),
    );
    for (const i of [19, 20]) {
      const t = tick(i);
      await redis.hset(
        legacy.latestQuote(t.ticker),
        ...encodeLatestQuote({ ...t, id: `2000-${i}`, rawId: `900-${i}` }, t0),
      );
      await redis.sadd(legacy.quoteTickers, t.ticker);
    }
    await redis.hset(legacy.pipelineStats, 'normalize:in', '4', 'normalize:dead_letter', '1');
  }

  it('moves every entry to its partition with its id, and the groups resume where they stood', async () => {
    const { redis, keys } = fx;
    await seedLegacy();
    expect(await hasLegacyLayout(redis, keys.prefix)).toBe(true);
    const report = await migrateToPartitions(redis, keys);
    expect(report).toMatchObject({
      migrated: true,
      raw: 6,
      normalized: 20,
      anomalies: 1,
      deadLetters: 1,
      failedBatches: 0,
      quotes: 2,
      kept: [],
    });

    // Normalized ticks: each in its ticker's partition, with its original id.
    for (const pk of keys.all) {
      const entries = (await redis.xrange(pk.normalizedEvents, '-', '+')) as Entry[];
      for (const [id, f] of entries) {
        const t = decodeTick(id, f);
        expect(partitionOf(t.ticker, 4)).toBe(pk.partition);
        expect(id).toBe(`2000-${t.seq}`);
      }
    }
    // The groups deliver exactly what was left: cachepub 16..20, anomaly 11..20.
    const undelivered = async (group: string) => {
      const seqs: number[] = [];
      for (const pk of keys.all) {
        const reply = (await redis.xreadgroup(
          'GROUP',
          group,
          'x',
          'COUNT',
          100,
          'STREAMS',
          pk.normalizedEvents,
          '>',
        )) as [string, Entry[]][] | null;
        for (const [id, f] of reply?.[0]?.[1] ?? []) seqs.push(Number(decodeTick(id, f).seq));
      }
      return seqs.sort((a, b) => a - b);
    };
    expect(await undelivered(GROUPS.cachepub)).toEqual([16, 17, 18, 19, 20]);
    expect(await undelivered(GROUPS.anomaly)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);

    // Latest quotes: the venue's and the ticker's; counters in partition 0.
    for (const i of [19, 20]) {
      const t = tick(i);
      const pk = keys.forTicker(t.ticker);
      expect(await redis.hget(pk.latestQuote(t.ticker), 'price')).toBe(t.price);
      expect(await redis.hget(pk.venueQuote(t.ticker, 'sim'), 'price')).toBe(t.price);
      expect(await redis.smembers(pk.quoteVenues(t.ticker))).toEqual(['sim']);
    }
    expect(await redis.hgetall(keys.partition(0).pipelineStats)).toEqual({
      'normalize:in': '4',
      'normalize:dead_letter': '1',
    });

    // The old keys are gone, and a second run changes nothing.
    const legacy = legacyKeys(keys.prefix);
    expect(await redis.exists(legacy.rawEvents, legacy.normalizedEvents, legacy.quoteTickers)).toBe(
      0,
    );
    expect(await hasLegacyLayout(redis, keys.prefix)).toBe(false);
    expect((await migrateToPartitions(redis, keys)).migrated).toBe(false);

    // The pipeline's normalize takes up the 6 raw events never committed, in their partitions.
    const acts = createActivities({
      config,
      redis,
      blocking: new BlockingPool(redis),
      keys,
      logger: createLogger({ level: 'silent', name: 't' }),
      metrics: createWorkerMetrics(createRegistry('t')),
      sectors: new Map(),
      now: Date.now,
      shutdown: new AbortController().signal,
    });
    let normalized = 0;
    for (const { partition } of keys.all) {
      await acts.ensureGroups({ partition });
      normalized += (await acts.processBatch({ partition, stage: 'normalize', slot: 0 })).count;
    }
    expect(normalized).toBe(6);
  });
});
