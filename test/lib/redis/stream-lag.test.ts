import {
  countEntriesAfter,
  GroupLagResolver,
  resolveGroupLag,
  streamGroups,
} from '../../../lib/redis';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

/** Recomputing a consumer group's lag in the states where XINFO GROUPS reports it as nil. */
describe('resolveGroupLag against a real Redis', () => {
  let fx: RedisFixture;
  let stream: string;
  beforeEach(async () => {
    fx = redisFixture(testConfig());
    stream = fx.keys.partition(0).rawEvents;
    for (let i = 1; i <= 10; i++) await fx.redis.xadd(stream, `100-${i}`, 'n', String(i));
  });
  afterEach(() => fx.close());

  const rawLag = async (group: string) =>
    (await streamGroups(fx.redis, stream)).find((g) => g.name === group)?.lag;

  it('takes the lag Redis reports when it knows it', async () => {
    await fx.redis.xgroup('CREATE', stream, 'g', '0');
    await fx.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 4, 'STREAMS', stream, '>');
    expect(await resolveGroupLag(fx.redis, stream, 'g', 1000)).toEqual({ lag: 6, source: 'redis' });
  });

  it('after an XDEL in the undelivered range (lag nil): entries-added minus entries-read, an upper bound', async () => {
    await fx.redis.xgroup('CREATE', stream, 'g', '0');
    await fx.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 3, 'STREAMS', stream, '>');
    await fx.redis.xdel(stream, '100-7');
    expect(await rawLag('g')).toBeNull();
    // 10 added, 3 read: 7, of which 6 remain (100-7 was deleted) — high by the deleted entry.
    expect(await resolveGroupLag(fx.redis, stream, 'g', 1000)).toEqual({
      lag: 7,
      source: 'counters',
    });
    // Reading past the deleted id loses Redis's read counter: lag stays nil, the entries after
    // last-delivered are counted.
    await fx.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 5, 'STREAMS', stream, '>');
    expect(await rawLag('g')).toBeNull();
    expect(await resolveGroupLag(fx.redis, stream, 'g', 1000)).toEqual({ lag: 1, source: 'count' });
    // At the end of the stream Redis knows the figure again.
    await fx.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 5, 'STREAMS', stream, '>');
    expect(await resolveGroupLag(fx.redis, stream, 'g', 1000)).toEqual({ lag: 0, source: 'redis' });
  });

  it('a group set to an id inside the stream without ENTRIESREAD (lag and entries-read nil): counts the entries after it, up to the bound', async () => {
    await fx.redis.xgroup('CREATE', stream, 'g', '100-4');
    await fx.redis.xdel(stream, '100-2');
    const [g] = await streamGroups(fx.redis, stream);
    expect(g).toMatchObject({ lag: null, entriesRead: null, lastDeliveredId: '100-4' });
    expect(await resolveGroupLag(fx.redis, stream, 'g', 1000)).toEqual({ lag: 6, source: 'count' });
    expect(await resolveGroupLag(fx.redis, stream, 'g', 4)).toEqual({ lag: 4, source: 'count' });

    // XGROUP SETID without ENTRIESREAD after reads: the same state again.
    await fx.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 2, 'STREAMS', stream, '>');
    await fx.redis.xgroup('SETID', stream, 'g', '100-8');
    expect(await rawLag('g')).toBeNull();
    expect(await resolveGroupLag(fx.redis, stream, 'g', 1000)).toEqual({ lag: 2, source: 'count' });
  });

  it('a polling resolver counts at most once per recountMs, adding the entries added since', async () => {
    await fx.redis.xgroup('CREATE', stream, 'g', '100-4');
    const resolver = new GroupLagResolver({ bound: 1000, recountMs: 60_000 });
    expect(await resolver.read(fx.redis, stream, 'g')).toEqual({ lag: 6, source: 'count' });
    await fx.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 3, 'STREAMS', stream, '>');
    await fx.redis.xadd(stream, '100-11', 'n', '11');
    // Not recounted: 6 + 1 added (the 3 delivered are not seen until the next count).
    expect(await resolver.read(fx.redis, stream, 'g')).toEqual({ lag: 7, source: 'count' });
    expect(
      await new GroupLagResolver({ bound: 1000, recountMs: 0 }).read(fx.redis, stream, 'g'),
    ).toEqual({ lag: 4, source: 'count' });
  });

  it('with verifyAbove, checks a lag Redis reports from a read counter that lost reads (as after a restart from the AOF)', async () => {
    await fx.redis.xgroup('CREATE', stream, 'g', '0');
    await fx.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 7, 'STREAMS', stream, '>');
    await fx.redis.xgroup('SETID', stream, 'g', '100-7', 'ENTRIESREAD', 2);
    expect(await rawLag('g')).toBe(8); // 10 − 2, where 3 are undelivered
    expect(await resolveGroupLag(fx.redis, stream, 'g', 1000)).toEqual({ lag: 8, source: 'redis' });
    expect(await resolveGroupLag(fx.redis, stream, 'g', 1000, 5)).toEqual({
      lag: 3,
      source: 'count',
    });
    // Below verifyAbove Redis's figure stands (it is never too low).
    expect(await resolveGroupLag(fx.redis, stream, 'g', 1000, 9)).toEqual({
      lag: 8,
      source: 'redis',
    });
    // Delivered to the end: zero without a count, whatever the counter says.
    await fx.redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 10, 'STREAMS', stream, '>');
    await fx.redis.xgroup('SETID', stream, 'g', '100-10', 'ENTRIESREAD', 2);
    expect(await rawLag('g')).toBe(8);
    expect(await resolveGroupLag(fx.redis, stream, 'g', 1000, 1)).toEqual({
      lag: 0,
      source: 'count',
    });
  });

  it('counts across pages on the server and answers undefined without a stream or group', async () => {
    const big = fx.keys.partition(1).rawEvents;
    const pipe = fx.redis.pipeline();
    for (let i = 1; i <= 2500; i++) pipe.xadd(big, `200-${i}`, 'n', '1');
    await pipe.exec();
    expect(await countEntriesAfter(fx.redis, big, '200-100', 10_000)).toBe(2400);
    expect(await countEntriesAfter(fx.redis, big, '0-0', 1500)).toBe(1500);
    expect(await countEntriesAfter(fx.redis, big, '200-2500', 10)).toBe(0);
    expect(await resolveGroupLag(fx.redis, big, 'nope', 10)).toBeUndefined();
    expect(await resolveGroupLag(fx.redis, `${fx.keys.prefix}missing`, 'g', 10)).toBeUndefined();
  });
});
