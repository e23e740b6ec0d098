import type { RawEvent } from '../../../lib/domain';
import { decodeRaw, encodeRaw, entryTraceparent, rawBatchItem } from '../../../lib/redis';
import { redisFixture, testConfig, type RedisFixture } from '../../support/stack';

describe('appendRaw (append-raw.lua) against a real Redis', () => {
  let fx: RedisFixture;
  beforeEach(() => {
    fx = redisFixture(testConfig());
  });
  afterEach(async () => {
    await fx.close();
  });

  const events: RawEvent[] = [
    {
      feed: 'f',
      adapter: 'binance',
      recvTs: 1_700_000_000_123,
      sourceId: 'BTCUSDT:t:1',
      payload: '{"p":"1.5"}',
    },
    {
      feed: 'f',
      adapter: 'binance',
      recvTs: 1_700_000_000_124,
      sourceId: '',
      payload: '{"e":"trade","E":17000',
      parseError: 'invalid JSON: Unexpected end of JSON input',
    },
    // Quotes, backslashes, control characters, non-ASCII and astral characters survive cjson.
    {
      feed: 'f',
      adapter: 'binance',
      recvTs: 9_007_199_254_740_991,
      sourceId: '~X|"q"|\\',
      payload: '{"s":"Ünïcødé \\"x\\" \n\t €","e":"😀"}',
    },
  ];

  it('stores each event as its own entry, field for field what encodeRaw would write', async () => {
    const { redis } = fx;
    const keys = fx.keys.partition(0);
    const added = await redis.appendRaw(
      keys.rawEvents,
      1000,
      'f',
      'binance',
      JSON.stringify(events.map((e) => rawBatchItem(e))),
    );
    expect(added).toBe(3);
    const entries = (await redis.xrange(keys.rawEvents, '-', '+')) as [string, string[]][];
    expect(entries.map(([, f]) => decodeRaw(f))).toEqual(events);
    expect(entries.map(([, f]) => f)).toEqual(events.map((e) => encodeRaw(e)));
  });

  it('stores the trace context of sampled events only, as an optional last field', async () => {
    const { redis } = fx;
    const keys = fx.keys.partition(0);
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const traced: RawEvent[] = [
      { ...events[0]!, traceparent: tp },
      { ...events[1]!, traceparent: tp },
      events[2]!,
    ];
    await redis.appendRaw(
      keys.rawEvents,
      1000,
      'f',
      'binance',
      JSON.stringify(traced.map((e) => rawBatchItem(e))),
    );
    const entries = (await redis.xrange(keys.rawEvents, '-', '+')) as [string, string[]][];
    expect(entries.map(([, f]) => decodeRaw(f))).toEqual(traced);
    expect(entries.map(([, f]) => f)).toEqual(traced.map((e) => encodeRaw(e)));
    expect(entries.map(([, f]) => entryTraceparent(f))).toEqual([tp, tp, undefined]);
    // A reader that predates the field decodes the rest as before.
    expect(decodeRaw(entries[1]![1]).parseError).toBe(events[1]!.parseError);
  });

  it('caps the stream length approximately, like XADD MAXLEN ~', async () => {
    const { redis } = fx;
    const keys = fx.keys.partition(0);
    const many = Array.from({ length: 5000 }, (_, i) =>
      rawBatchItem({ recvTs: i, sourceId: String(i), payload: '{}' }),
    );
    await redis.appendRaw(keys.rawEvents, 1000, 'f', 'simulator', JSON.stringify(many));
    const len = await redis.xlen(keys.rawEvents);
    expect(len).toBeGreaterThanOrEqual(1000);
    expect(len).toBeLessThan(1200);
    const [last] = (await redis.xrevrange(keys.rawEvents, '+', '-', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    expect(decodeRaw(last![1]).sourceId).toBe('4999');
  });
});
