import {
  BlockingPool,
  createActivities,
  createWorkerMetrics,
  type ActivityDeps,
} from '../../../activities';
import type { RedrivePartitionInput } from '../../../activities/pipeline';
import type { Config } from '../../../lib/config';
import { createLogger } from '../../../lib/logger';
import { createRegistry } from '../../../lib/metrics';
import { decodeDeadLetter, decodeTick, encodeRaw } from '../../../lib/redis';
import { redisFixture, testEnv, type RedisFixture } from '../../support/stack';
import { loadConfig } from '../../../lib/config';

type Entry = [string, string[]];

/**
 * The redrive activity called directly (no Temporal) against a real Redis: letters made by
 * the real normalize stage under a tight price limit, redriven after the limit is raised (the
 * "adapter fix"), each at most once, with the outcome per letter.
 */
describe('redriveDeadLetterPartition', () => {
  const env = testEnv({ NORMALIZE_MAX_PRICE: '1000', PIPELINE_PARTITIONS: '1' });
  const strict = loadConfig(env);
  const fixed = loadConfig({ ...env, NORMALIZE_MAX_PRICE: '100000' });
  let fx: RedisFixture;
  const pools: BlockingPool[] = [];
  const keys = () => fx.keys.partition(0);

  function activities(config: Config) {
    const blocking = new BlockingPool(fx.redis);
    pools.push(blocking);
    const deps: ActivityDeps = {
      config,
      redis: fx.redis,
      blocking,
      keys: fx.keys,
      logger: createLogger({ level: 'silent', name: 'test' }),
      metrics: createWorkerMetrics(createRegistry('test')),
      sectors: new Map(),
      now: Date.now,
      shutdown: new AbortController().signal,
    };
    return createActivities(deps);
  }

  const trade = (feed: string, price: number | string, i: number, t = 1_700_000_000_000 + i) =>
    encodeRaw({
      feed,
      adapter: 'simulator',
      recvTs: 1,
      sourceId: String(i),
      payload: JSON.stringify({ T: 't', S: 'AAPL', p: price, s: 1, t, i }),
    });

  async function letters(): Promise<(ReturnType<typeof decodeDeadLetter> & { id: string })[]> {
    const list = (await fx.redis.xrange(keys().deadLetters, '-', '+')) as Entry[];
    return list.map(([id, f]) => ({ id, ...decodeDeadLetter(f) }));
  }

  const input = (over: Partial<RedrivePartitionInput> = {}): RedrivePartitionInput => ({
    partition: 0,
    filter: {},
    maxLetters: 100,
    dryRun: false,
    redriveId: 'redrive-test-1',
    ...over,
  });

  beforeEach(async () => {
    fx = redisFixture(strict);
    const pipeline = activities(strict);
    await pipeline.ensureGroups({ partition: 0 });
    const now = Date.now();
    // 1 passes; 2 and 3 break the price limit; 4 is not JSON; 5 of feed "other" breaks it too.
    await fx.redis.xadd(keys().rawEvents, '*', ...trade('sim', 500, 1, now));
    await fx.redis.xadd(keys().rawEvents, '*', ...trade('sim', 5000, 2, now));
    await fx.redis.xadd(keys().rawEvents, '*', ...trade('sim', 6000, 3, now));
    await fx.redis.xadd(
      keys().rawEvents,
      '*',
      ...encodeRaw({
        feed: 'sim',
        adapter: 'simulator',
        recvTs: 1,
        sourceId: '',
        payload: '{"T":',
      }),
    );
    await fx.redis.xadd(keys().rawEvents, '*', ...trade('other', 7000, 5, now));
    const r = await pipeline.processBatch({ partition: 0, stage: 'normalize', slot: 0 });
    expect(r).toMatchObject({ count: 5, out: 1, deadLettered: 4 });
  });
  afterEach(async () => {
    for (const p of pools.splice(0)) await p.close();
    await fx.close();
  });

  it('dry run: says what would happen and changes nothing', async () => {
    const before = await fx.redis.xlen(keys().normalizedEvents);
    const r = await activities(fixed).redriveDeadLetterPartition(input({ dryRun: true }));
    expect(r).toMatchObject({
      matched: 4,
      normalized: 3,
      deadLettered: 1,
      duplicate: 0,
      alreadyRedriven: 0,
      truncated: false,
    });
    expect(r.outcomes.find((o) => o.outcome === 'dead-lettered')?.detail).toMatch(/payload|JSON/i);
    expect(await fx.redis.xlen(keys().normalizedEvents)).toBe(before);
    expect(await fx.redis.xlen(keys().deadLetters)).toBe(4);
    expect(await fx.redis.hlen(keys().redriveOutcomes)).toBe(0);
  });

  it('re-runs the letters through the fixed normalizer, each at most once, recording each outcome', async () => {
    const original = await letters();
    const acts = activities(fixed);
    const first = await acts.redriveDeadLetterPartition(input({ filter: { feed: 'sim' } }));
    expect(first).toMatchObject({ matched: 3, normalized: 2, deadLettered: 1, alreadyRedriven: 0 });

    // The two now-valid trades are ticks, linked to their raw events; the bad JSON failed again.
    const ticks = ((await fx.redis.xrange(keys().normalizedEvents, '-', '+')) as Entry[]).map(
      ([id, f]) => decodeTick(id, f),
    );
    expect(ticks.map((t) => t.price)).toEqual(['500', '5000', '6000']);
    const sim = original.filter((l) => l.feed === 'sim');
    expect(ticks.slice(1).map((t) => t.rawId)).toEqual(
      sim.slice(0, 2).map((l) => l.sourceStreamId),
    );
    const after = await letters();
    expect(after).toHaveLength(5);
    expect(after[4]).toMatchObject({ feed: 'sim', redrivenFrom: sim[2]!.id, payload: '{"T":' });

    const outcomes = await fx.redis.hgetall(keys().redriveOutcomes);
    expect(Object.keys(outcomes).sort()).toEqual(sim.map((l) => l.id).sort());
    expect(JSON.parse(outcomes[sim[0]!.id]!)).toMatchObject({
      outcome: 'normalized',
      redrive: 'redrive-test-1',
    });
    expect(JSON.parse(outcomes[sim[2]!.id]!)).toMatchObject({ outcome: 'dead-lettered' });
    const stats = await fx.redis.hgetall(keys().pipelineStats);
    expect(stats).toMatchObject({
      'redrive:in': '3',
      'redrive:normalized': '2',
      'redrive:dead_letter': '1',
    });
    // The live counters are the pipeline's alone: normalize:in = normalized + duplicate + dead letter.
    expect(stats['normalize:in']).toBe('5');

    // Again, by another redrive: the three are taken already; the letter written by the first
    // redrive is new, and fails again.
    const second = await acts.redriveDeadLetterPartition(
      input({ filter: { feed: 'sim' }, redriveId: 'redrive-test-2' }),
    );
    expect(second).toMatchObject({
      matched: 4,
      alreadyRedriven: 3,
      deadLettered: 1,
      normalized: 0,
    });
    expect(second.outcomes[0]).toMatchObject({
      outcome: 'already-redriven',
      detail: 'normalized by redrive-test-1',
    });
    expect(await fx.redis.xlen(keys().normalizedEvents)).toBe(3);
  });

  it('a retried attempt of the same redrive counts what its dead attempt did, changing nothing', async () => {
    const acts = activities(fixed);
    await acts.redriveDeadLetterPartition(input());
    const again = await acts.redriveDeadLetterPartition(input());
    expect(again).toMatchObject({ matched: 4, normalized: 3, deadLettered: 1, alreadyRedriven: 0 });
    expect(await fx.redis.xlen(keys().normalizedEvents)).toBe(4);
  });

  it('two redrives at once take each letter once between them', async () => {
    const [a, b] = await Promise.all([
      activities(fixed).redriveDeadLetterPartition(input({ redriveId: 'redrive-a' })),
      activities(fixed).redriveDeadLetterPartition(input({ redriveId: 'redrive-b' })),
    ]);
    expect(a.normalized + b.normalized).toBe(3);
    expect(a.alreadyRedriven + b.alreadyRedriven).toBe(4);
    expect(await fx.redis.xlen(keys().normalizedEvents)).toBe(4);
  });

  it('filters by reason, time, letter ids and count', async () => {
    const acts = activities(fixed);
    const byReason = await acts.redriveDeadLetterPartition(
      input({ filter: { reasonContains: 'price' }, dryRun: true }),
    );
    expect(byReason.matched).toBe(3);
    const future = await acts.redriveDeadLetterPartition(
      input({ filter: { since: Date.now() + 60_000 }, dryRun: true }),
    );
    expect(future.matched).toBe(0);
    const past = await acts.redriveDeadLetterPartition(
      input({ filter: { until: 1_000 }, dryRun: true }),
    );
    expect(past.matched).toBe(0);
    const [, second, , fourth] = await letters();
    const chosen = await acts.redriveDeadLetterPartition(
      input({ filter: { ids: [second!.id, fourth!.id] }, dryRun: true }),
    );
    expect(chosen.outcomes.map((o) => o.letterId)).toEqual([second!.id, fourth!.id]);
    const two = await acts.redriveDeadLetterPartition(input({ maxLetters: 2 }));
    expect(two).toMatchObject({ matched: 2, normalized: 2, truncated: true });
    const rest = await acts.redriveDeadLetterPartition(input({ redriveId: 'redrive-rest' }));
    expect(rest).toMatchObject({ matched: 4, alreadyRedriven: 2, normalized: 1, deadLettered: 1 });
  });

  it('an event that was since received and normalized is a duplicate, dropped and counted', async () => {
    const [letter] = await letters();
    // The provider re-sent trade 2 with a valid price (same trade id and time): normalized live.
    const t = JSON.parse(letter!.payload) as { t: number };
    await fx.redis.xadd(keys().rawEvents, '*', ...trade('sim', 50, 2, t.t));
    await activities(strict).processBatch({ partition: 0, stage: 'normalize', slot: 0 });
    const r = await activities(fixed).redriveDeadLetterPartition(
      input({ filter: { feed: 'sim', reasonContains: 'price' } }),
    );
    expect(r).toMatchObject({ matched: 2, duplicate: 1, normalized: 1 });
    expect(r.outcomes[0]).toMatchObject({ letterId: letter!.id, outcome: 'duplicate' });
    expect(JSON.parse((await fx.redis.hget(keys().redriveOutcomes, letter!.id))!)).toMatchObject({
      outcome: 'duplicate',
    });
    expect(await fx.redis.hget(keys().pipelineStats, 'redrive:duplicate')).toBe('1');
  });
});
