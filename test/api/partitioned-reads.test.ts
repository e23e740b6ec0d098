import {
  BatchCommit,
  compareStreamIds,
  encodeAnomaly,
  encodeDeadLetter,
  encodeFailedBatch,
  encodeLatestQuote,
  encodeQuoteMessage,
  GROUPS,
  quoteOrderKey,
} from '../../lib/redis';
import type { Anomaly, StoredTick } from '../../lib/domain/types';
import { startTestApi, type GqlBody, type TestApi } from '../support/api';
import { redisFixture, testConfig, type RedisFixture } from '../support/stack';
import { eventually } from '../support/temporal';

const T0 = Date.UTC(2024, 0, 2, 14, 30, 0, 123);

function tick(over: Partial<StoredTick> & Pick<StoredTick, 'ticker' | 'price'>): StoredTick {
  return {
    id: '1700000000000-0',
    rawId: '1700000000000-0',
    kind: 'trade',
    ts: T0,
    sector: 'Technology',
    source: 'sim',
    feed: 'sim-feed',
    seq: '42',
    ...over,
  };
}

function anomaly(over: Partial<Anomaly> & Pick<Anomaly, 'ticker'>): Anomaly {
  return {
    feed: 'sim-feed',
    type: 'price_jump',
    severity: 'high',
    price: '10.5',
    statistic: 9.5,
    threshold: 5,
    ts: T0,
    sourceIds: ['1-0'],
    ...over,
  };
}

type Edges<T> = {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};
const code = (b: GqlBody): unknown => b.errors?.[0]?.extensions?.code;

/**
 * Reads that span partitions: a ticker's quote per feed (venue) with the newest as its
 * default, written through the cache stage's commit, and the lists kept in one stream per
 * partition, paged while entries arrive.
 */
describe('quotes per venue, and lists merged over partitions', () => {
  let fx: RedisFixture;
  let api: TestApi;

  beforeAll(async () => {
    const config = testConfig();
    fx = redisFixture(config);
    api = await startTestApi(config);
  });
  afterAll(async () => {
    await api?.close();
    await fx?.close();
  });

  /** Writes a venue quote the way the pipeline's cache stage does (one commit, published). */
  async function writeQuote(t: StoredTick): Promise<number> {
    const k = fx.keys.forTicker(t.ticker);
    const r = await new BatchCommit(k.normalizedEvents, GROUPS.cachepub, [])
      .latest({
        venueHash: k.venueQuote(t.ticker, t.feed),
        latestHash: k.latestQuote(t.ticker),
        venuesSet: k.quoteVenues(t.ticker),
        feed: t.feed,
        order: quoteOrderKey(t.ts, t.rawId),
        channel: k.quotesChannel,
        message: encodeQuoteMessage(t, t.ts + 1),
        fields: encodeLatestQuote(t, t.ts + 1),
      })
      .sadd(k.quoteTickers, t.ticker)
      .exec(fx.redis);
    // The hub applies a message to the venue's entry and the ticker's default in one step:
    // once the venue's quote shows the write, so does the default.
    if (r.latestWritten === 1) {
      await eventually(
        async () => {
          const { body } = await api.gql(VENUE, { feed: t.feed });
          return (body.data?.quote as { priceText: string } | null)?.priceText === t.price;
        },
        5000,
        `${t.feed} quote ${t.price}`,
      );
    }
    return r.latestWritten;
  }
  const btc = (feed: string, price: string, ts: number, raw: number): StoredTick =>
    tick({
      ticker: 'BTCUSDT',
      feed,
      price,
      ts: T0 + ts,
      rawId: `${T0 + raw}-0`,
      id: `${T0 + raw}-1`,
      sector: 'Crypto',
    });
  const VENUE = `query($feed: String) {
    quote(ticker: "btcusdt", feed: $feed) { feed priceText ts venues { feed priceText } }
  }`;
  const quoteOf = async (feed?: string) => {
    const { body } = await api.gql(VENUE, feed === undefined ? {} : { feed });
    expect(body.errors).toBeUndefined();
    return body.data?.quote as { feed: string; priceText: string; ts: number };
  };

  it("keeps each feed's quote of a ticker, and serves the newest as the default", async () => {
    await writeQuote(btc('binance', '43000', 10, 1));
    await writeQuote(btc('coinbase', '43100.5', 20, 2));
    expect(await quoteOf()).toEqual({
      feed: 'coinbase',
      priceText: '43100.5',
      ts: T0 + 20,
      venues: [
        { feed: 'binance', priceText: '43000' },
        { feed: 'coinbase', priceText: '43100.5' },
      ],
    });
    expect(await quoteOf('binance')).toMatchObject({ feed: 'binance', priceText: '43000' });

    // A newer binance tick, older than coinbase's: binance's quote moves, the default stays.
    expect(await writeQuote(btc('binance', '43005', 18, 3))).toBe(1);
    expect(await quoteOf()).toMatchObject({ feed: 'coinbase', priceText: '43100.5' });
    expect(await quoteOf('binance')).toMatchObject({ priceText: '43005', ts: T0 + 18 });
    // The newest by event time becomes the default; at equal event times, the later ingest.
    await writeQuote(btc('binance', '43010', 30, 4));
    expect(await quoteOf()).toMatchObject({ feed: 'binance', priceText: '43010' });
    await writeQuote(btc('coinbase', '43101', 30, 5));
    expect(await quoteOf()).toMatchObject({ feed: 'coinbase', priceText: '43101' });
    // What the hub serves is what Redis holds.
    const k = fx.keys.forTicker('BTCUSDT');
    expect(await fx.redis.hget(k.latestQuote('BTCUSDT'), 'price')).toBe('43101');
    expect(await fx.redis.hget(k.venueQuote('BTCUSDT', 'binance'), 'price')).toBe('43010');

    const unknown = await api.gql(VENUE, { feed: 'kraken' });
    expect(code(unknown.body)).toBe('UNKNOWN_TICKER');
    expect(unknown.body.errors?.[0]?.message).toBe(
      'No quote for ticker "BTCUSDT" from feed "kraken"',
    );
    const bad = await api.gql(VENUE, { feed: 'no spaces' });
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argumentName: 'feed',
    });
    const list = await api.gql('{ quotes { totalCount edges { node { ticker feed } } } }');
    expect(list.body.data?.quotes).toEqual({
      totalCount: 1,
      edges: [{ node: { ticker: 'BTCUSDT', feed: 'coinbase' } }],
    });
  });

  type Listed = { id: string; partition: number; key: string };
  /** Newest first over the partitions: stream id, then partition, both descending. */
  const merged = (a: Listed, b: Listed) =>
    compareStreamIds(b.id, a.id) || b.partition - a.partition;

  it('pages dead letters, failed batches and anomalies over the partitions with no gap or repeat while entries arrive', async () => {
    const lists = [
      {
        field: 'deadLetters',
        key: 'id',
        stream: (p: number) => fx.keys.partition(p).deadLetters,
        fields: (n: number) =>
          encodeDeadLetter({
            reason: `r${n}`,
            feed: 'f',
            adapter: 'simulator',
            sourceStreamId: '1-0',
            payload: '{}',
          }),
      },
      {
        field: 'failedBatches',
        key: 'batchId',
        stream: (p: number) => fx.keys.partition(p).failedBatches,
        fields: (n: number) =>
          encodeFailedBatch({
            batchId: `anomaly-p0-${n}-0`,
            stage: 'anomaly',
            stream: 's',
            ids: ['1-0'],
            error: 'boom',
            attempts: 5,
            failedAt: T0,
          }),
      },
      {
        field: 'anomalies',
        key: 'id',
        stream: (p: number) => fx.keys.partition(p).anomalies,
        fields: (n: number) => encodeAnomaly(anomaly({ ticker: 'X', price: String(n) }), T0),
      },
    ];
    for (const l of lists) {
      // 30 entries over partitions 0, 1 and 3, most ids in two partitions at once (ties).
      const seeded: Listed[] = [];
      for (let n = 0; n < 30; n++) {
        const id = `${T0 + Math.floor(n / 2)}-${n % 2}`;
        for (const p of [0, 1, 3].filter((q) => (n + q) % 3 !== 0)) {
          const m = n * 10 + p;
          await fx.redis.xadd(l.stream(p), id, ...l.fields(m));
          seeded.push({ id, partition: p, key: l.key === 'id' ? id : `anomaly-p0-${m}-0` });
        }
      }
      const q = `query($after: String) { ${l.field}(first: 4, after: $after) {
        edges { node { partition ${l.key} } } pageInfo { hasNextPage endCursor }
      } }`;
      const got: { partition: number; key: string }[] = [];
      let after: string | null = null;
      for (let page = 0; page < 50; page++) {
        const { body } = await api.gql(q, { after });
        expect(body.errors).toBeUndefined();
        const c = body.data?.[l.field] as Edges<Record<string, string | number>>;
        got.push(
          ...c.edges.map((e) => ({
            partition: e.node.partition as number,
            key: e.node[l.key] as string,
          })),
        );
        // Arrivals between pages, newest of all: they belong before the first page, not after it.
        await fx.redis.xadd(l.stream(page % 4), '*', ...l.fields(1000 + page));
        if (!c.pageInfo.hasNextPage) break;
        after = c.pageInfo.endCursor;
      }
      const expected = seeded.sort(merged).map(({ partition, key }) => ({ partition, key }));
      expect(got).toEqual(expected);
      expect(new Set(expected.map((e) => e.partition))).toEqual(new Set([0, 1, 3]));
    }
  });
});
