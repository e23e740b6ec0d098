import {
  parseStreamGroups,
  parseStreamInfo,
  replyFields,
  streamGroups,
  streamInfo,
} from '../../../lib/redis';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

describe('XINFO GROUPS / STREAM against a real Redis', () => {
  let fx: RedisFixture;
  beforeEach(() => {
    fx = redisFixture(testConfig());
  });
  afterEach(() => fx.close());

  it('reads a stream and its groups: length, ids, lag, pending, consumers', async () => {
    const s = fx.keys.partition(0).rawEvents;
    for (let i = 1; i <= 5; i++) await fx.redis.xadd(s, `100-${i}`, 'n', String(i));
    await fx.redis.xgroup('CREATE', s, 'g1', '0');
    await fx.redis.xgroup('CREATE', s, 'g2', '$');
    await fx.redis.xreadgroup('GROUP', 'g1', 'c1', 'COUNT', 2, 'STREAMS', s, '>');

    const groups = await streamGroups(fx.redis, s);
    expect(groups).toEqual([
      {
        name: 'g1',
        consumers: 1,
        pending: 2,
        lastDeliveredId: '100-2',
        lag: 3,
        entriesRead: 2,
      },
      { name: 'g2', consumers: 0, pending: 0, lastDeliveredId: '100-5', lag: 0, entriesRead: null },
    ]);

    await fx.redis.xdel(s, '100-1');
    expect(await streamInfo(fx.redis, s)).toEqual({
      length: 4,
      firstEntryId: '100-2',
      lastEntryId: '100-5',
      lastGeneratedId: '100-5',
      entriesAdded: 5,
      groups: 2,
    });
    // An XDEL inside g1's undelivered range: Redis can no longer tell its lag.
    await fx.redis.xdel(s, '100-4');
    expect((await streamGroups(fx.redis, s)).find((g) => g.name === 'g1')?.lag).toBeNull();
  });

  it('answers no groups and no info for a stream that does not exist, and parses pipelined replies', async () => {
    const missing = `${fx.keys.prefix}missing`;
    expect(await streamGroups(fx.redis, missing)).toEqual([]);
    expect(await streamInfo(fx.redis, missing)).toBeUndefined();
    // Other errors are not hidden.
    await fx.redis.set(missing, 'x');
    await expect(streamGroups(fx.redis, missing)).rejects.toThrow(/WRONGTYPE/);

    await fx.redis.xadd(fx.keys.partition(0).anomalies, '5-0', 'a', '1');
    const [[, reply]] = (await fx.redis
      .pipeline()
      .call('XINFO', 'STREAM', fx.keys.partition(0).anomalies)
      .exec()) as [[Error | null, unknown]];
    expect(parseStreamInfo(reply)).toMatchObject({ length: 1, firstEntryId: '5-0', groups: 0 });
  });

  it('parses flat replies defensively', () => {
    expect(replyFields(['a', 1, 'b'])).toEqual(new Map([['a', 1]]));
    expect(replyFields(null)).toEqual(new Map());
    expect(parseStreamGroups(undefined)).toEqual([]);
    expect(parseStreamInfo([])).toEqual({
      length: 0,
      firstEntryId: undefined,
      lastEntryId: undefined,
      lastGeneratedId: '0-0',
      entriesAdded: undefined,
      groups: 0,
    });
  });
});
