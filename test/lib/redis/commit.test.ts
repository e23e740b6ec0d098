import { BatchCommit, GROUPS, quoteOrderKey } from '../../../lib/redis';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

describe('BatchCommit (commit-batch.lua) against a real Redis', () => {
  let fx: RedisFixture;
  beforeEach(() => {
    fx = redisFixture(testConfig());
  });
  afterEach(async () => {
    await fx.close();
  });

  async function pendingBatch(n: number): Promise<string[]> {
    const { redis } = fx;
    const keys = fx.keys.partition(0);
    await redis.xgroup('CREATE', keys.rawEvents, GROUPS.normalize, '0', 'MKSTREAM');
    for (let i = 0; i < n; i++) await redis.xadd(keys.rawEvents, '*', 'n', String(i));
    const res = (await redis.xreadgroup(
      'GROUP',
      GROUPS.normalize,
      'c1',
      'COUNT',
      n,
      'STREAMS',
      keys.rawEvents,
      '>',
    )) as [string, [string, string[]][]][];
    return res[0]![1].map(([id]) => id);
  }

  it('acks and writes together, and a second commit of the same ids changes nothing', async () => {
    const { redis } = fx;
    const keys = fx.keys.partition(0);
    const ids = await pendingBatch(3);
    const build = () =>
      new BatchCommit(keys.rawEvents, GROUPS.normalize, ids)
        .xadd(keys.normalizedEvents, ['a', '1'])
        .xadd(keys.normalizedEvents, ['a', '2'])
        .hset(keys.anomalyState, ['X', '{}']);
    const first = await build().exec(redis);
    expect(first).toEqual({
      applied: true,
      acked: 3,
      xadds: 2,
      latestWritten: 0,
      duplicates: 0,
      fenced: false,
    });
    const second = await build().exec(redis);
    expect(second.applied).toBe(false);
    expect(await redis.xlen(keys.normalizedEvents)).toBe(2);
    const pending = (await redis.xpending(keys.rawEvents, GROUPS.normalize)) as [
      number,
      ...unknown[],
    ];
    expect(pending[0]).toBe(0);
  });

  it('"once" mode applies a replay exactly once by marker', async () => {
    const { redis } = fx;
    const keys = fx.keys.partition(0);
    const mode = { kind: 'once', markerKey: keys.batchMarker('b1'), ttlSeconds: 60 } as const;
    const build = () =>
      new BatchCommit(keys.rawEvents, GROUPS.normalize, ['1-1'], mode).xadd(keys.anomalies, [
        't',
        'x',
      ]);
    expect((await build().exec(redis)).applied).toBe(true);
    expect((await build().exec(redis)).applied).toBe(false);
    expect(await redis.xlen(keys.anomalies)).toBe(1);
  });

  /** A latest-quote write of one venue (ticker AAPL or MSFT of `feed`). */
  function latestOp(
    ticker: string,
    feed: string,
    order: string,
    message: string,
    fields: string[],
  ) {
    const keys = fx.keys.partition(0);
    return new BatchCommit(keys.normalizedEvents, GROUPS.cachepub, [])
      .latest({
        venueHash: keys.venueQuote(ticker, feed),
        latestHash: keys.latestQuote(ticker),
        venuesSet: keys.quoteVenues(ticker),
        feed,
        order,
        channel: keys.quotesChannel,
        message,
        fields: ['order', order, ...fields],
      })
      .exec(fx.redis);
  }

  it('never overwrites a latest quote with an older tick, and publishes only what it writes', async () => {
    const { redis } = fx;
    const keys = fx.keys.partition(0);
    const sub = redis.duplicate();
    const messages: string[] = [];
    sub.on('smessage', (_c: string, m: string) => messages.push(m));
    await sub.ssubscribe(keys.quotesChannel);
    const hash = keys.latestQuote('AAPL');
    const write = (ts: number, rawId: string, price: string) =>
      latestOp('AAPL', 'f1', quoteOrderKey(ts, rawId), price, ['price', price]);
    expect((await write(200, '5-0', '2')).latestWritten).toBe(1);
    // Older event time loses even if ingested later; at equal time, later ingest wins.
    expect((await write(100, '9-0', '1')).latestWritten).toBe(0);
    expect(await redis.hget(hash, 'price')).toBe('2');
    expect((await write(200, '4-7', '3')).latestWritten).toBe(0);
    expect((await write(200, '10-0', '4')).latestWritten).toBe(1);
    expect(await redis.hget(hash, 'price')).toBe('4');
    expect(await redis.hget(keys.venueQuote('AAPL', 'f1'), 'price')).toBe('4');
    await new Promise((r) => setTimeout(r, 50));
    expect(messages).toEqual(['2', '4']);
    await sub.quit();
  });

  it("keeps each venue apart and the ticker's latest as the newest over its venues", async () => {
    const { redis } = fx;
    const keys = fx.keys.partition(0);
    await latestOp('AAPL', 'a', quoteOrderKey(200, '5-0'), 'a1', ['price', '100']);
    await latestOp('AAPL', 'b', quoteOrderKey(100, '6-0'), 'b1', ['price', '90']);
    // b's older tick is b's latest, not the ticker's.
    expect(await redis.hget(keys.venueQuote('AAPL', 'b'), 'price')).toBe('90');
    expect(await redis.hget(keys.latestQuote('AAPL'), 'price')).toBe('100');
    await latestOp('AAPL', 'b', quoteOrderKey(300, '7-0'), 'b2', ['price', '91']);
    expect(await redis.hget(keys.latestQuote('AAPL'), 'price')).toBe('91');
    expect(await redis.hget(keys.venueQuote('AAPL', 'a'), 'price')).toBe('100');
    expect((await redis.smembers(keys.quoteVenues('AAPL'))).sort()).toEqual(['a', 'b']);
  });

  it('replaces the latest-quote hash: a trade after a quote keeps no bid or ask', async () => {
    const { redis } = fx;
    const keys = fx.keys.partition(0);
    const hash = keys.latestQuote('MSFT');
    const write = (ts: number, fields: string[]) =>
      latestOp('MSFT', 'f', quoteOrderKey(ts, '1-0'), 'm', fields);
    await write(100, ['kind', 'quote', 'price', '10.5', 'bid', '10', 'ask', '11']);
    await write(200, ['kind', 'trade', 'price', '10.7', 'size', '3']);
    const h = await redis.hgetall(hash);
    expect(h).toEqual({
      order: quoteOrderKey(200, '1-0'),
      kind: 'trade',
      price: '10.7',
      size: '3',
    });
  });

  it('handles batches larger than Lua can unpack at once', async () => {
    const { redis } = fx;
    const keys = fx.keys.partition(0);
    const ids = await pendingBatch(2500);
    const c = new BatchCommit(keys.rawEvents, GROUPS.normalize, ids);
    for (let i = 0; i < 2500; i++) c.xadd(keys.normalizedEvents, ['i', String(i)], 100_000);
    const r = await c.exec(redis);
    expect(r).toMatchObject({ applied: true, acked: 2500, xadds: 2500 });
  });

  it('drops a guarded write whose member was seen before, even across batches', async () => {
    const { redis } = fx;
    const keys = fx.keys.partition(0);
    const set = keys.dedupe('f', 1);
    const commit = (members: string[]) => {
      const c = new BatchCommit(keys.rawEvents, GROUPS.normalize, []);
      for (const m of members)
        c.dedupe(set, m, 600, { hash: keys.pipelineStats, field: 'dups' }, 2)
          .xadd(keys.normalizedEvents, ['m', m])
          .hset(keys.anomalyState, [m, 'x']);
      // Unguarded ops after a skipped pair still apply.
      c.xadd(keys.deadLetters, ['after', members.join(',')]);
      return c.exec(redis);
    };
    expect(await commit(['a', 'b', 'a'])).toMatchObject({ xadds: 3, duplicates: 1 });
    expect(await commit(['b', 'c'])).toMatchObject({ xadds: 2, duplicates: 1 });
    const written = (await redis.xrange(keys.normalizedEvents, '-', '+')) as [string, string[]][];
    expect(written.map(([, f]) => f[1])).toEqual(['a', 'b', 'c']);
    expect(await redis.xlen(keys.deadLetters)).toBe(2);
    expect(await redis.hkeys(keys.anomalyState)).toEqual(['a', 'b', 'c']);
    expect(await redis.hget(keys.pipelineStats, 'dups')).toBe('2');
    const ttl = await redis.ttl(set);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('appends runs of one-field entries, each guarded, trimming once per run', async () => {
    const { redis } = fx;
    const keys = fx.keys.partition(0);
    const guard = (member: string) => ({
      set: keys.dedupe('f', 7),
      member,
      ttlSeconds: 600,
      counter: { hash: keys.pipelineStats, field: 'dups' },
    });
    const c = new BatchCommit(keys.rawEvents, GROUPS.normalize, []);
    for (const m of ['a', 'b', 'a']) c.append(keys.normalizedEvents, 'tick', m, 0, guard(m));
    c.xadd(keys.deadLetters, ['x', '1']); // breaks the run
    c.append(keys.normalizedEvents, 'tick', 'unguarded', 0);
    c.append(keys.normalizedEvents, 'tick', 'b', 0, guard('b'));
    expect(await c.exec(redis)).toMatchObject({ applied: true, xadds: 4, duplicates: 2 });
    const values = (
      (await redis.xrange(keys.normalizedEvents, '-', '+')) as [string, string[]][]
    ).map(([, f]) => f);
    expect(values).toEqual([
      ['tick', 'a'],
      ['tick', 'b'],
      ['tick', 'unguarded'],
    ]);
    expect(await redis.hget(keys.pipelineStats, 'dups')).toBe('2');

    const many = new BatchCommit(keys.rawEvents, GROUPS.normalize, []);
    for (let i = 0; i < 3000; i++) many.append(keys.anomalies, 'tick', String(i), 1000);
    await many.exec(redis);
    const len = await redis.xlen(keys.anomalies);
    expect(len).toBeGreaterThanOrEqual(1000);
    expect(len).toBeLessThan(1200);
  });
});
