import {
  encodeAnomaly,
  encodeDeadLetter,
  encodeFailedBatch,
  encodeLatestQuote,
  encodeQuoteMessage,
  encodeTick,
} from '../../lib/redis';
import type { Anomaly, NormalizedTick, StoredTick } from '../../lib/domain/types';
import type { Config } from '../../lib/config';
import { startTestApi, type GqlBody, type TestApi } from '../support/api';
import { redisFixture, testConfig, type RedisFixture } from '../support/stack';

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
    type: 'price_jump',
    severity: 'high',
    price: '10.5',
    statistic: 9.5,
    threshold: 5,
    ts: T0,
    sourceIds: ['1-0', '2-0'],
    ...over,
  };
}

type Edges<T> = {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
};
const nodes = <T>(c: unknown): T[] => (c as Edges<T>).edges.map((e) => e.node);
const code = (b: GqlBody): unknown => b.errors?.[0]?.extensions?.code;

describe('GraphQL queries against a real Redis', () => {
  let config: Config;
  let fx: RedisFixture;
  let api: TestApi;
  const anomalyIds: string[] = [];

  beforeAll(async () => {
    config = testConfig({ GRAPHQL_MAX_PAGE_SIZE: '50', GRAPHQL_SCAN_LIMIT: '100' });
    fx = redisFixture(config);
    const { redis, keys } = fx;
    const quotes: StoredTick[] = [
      tick({ ticker: 'MSFT', price: '123456789.123456789012', size: '300' }),
      tick({ ticker: 'AAPL', kind: 'quote', price: '189.705', bid: '189.7', ask: '189.71' }),
      tick({ ticker: 'BRK.B', price: '410.1', sector: 'Financials' }),
      tick({ ticker: 'JPM', price: '150', sector: 'Financials' }),
      tick({ ticker: 'BTC-USD', price: '43000.5', sector: 'Crypto' }),
    ];
    for (const q of quotes)
      await redis.hset(keys.latestQuote(q.ticker), ...encodeLatestQuote(q, T0 + 5));
    // In the set but with no hash: lists skip it, not fail.
    await redis.sadd(keys.quoteTickers, ...quotes.map((q) => q.ticker), 'GONE');
    // Not in the set, and its ts is not a number: its `time` field fails unexpectedly.
    await redis.hset(keys.latestQuote('CORRUPT'), 'ticker', 'CORRUPT', 'price', '1', 'ts', 'x');

    // 60 anomalies, detected (ids) half a second after their ticks: every 10th is AAPL/critical, others alternate type.
    for (let i = 0; i < 60; i++) {
      const a = anomaly({
        ticker: i % 10 === 0 ? 'AAPL' : 'MSFT',
        severity: i % 10 === 0 ? 'critical' : 'medium',
        type: i % 2 === 0 ? 'price_jump' : 'volume_spike',
        price: `10.${i}`,
        ts: T0 + i * 1000,
      });
      anomalyIds.push(
        (await redis.xadd(
          keys.anomalies,
          `${T0 + i * 1000 + 500}-0`,
          ...encodeAnomaly(a, T0 + i),
        ))!,
      );
    }

    // Normalized ticks: ids at T0 + i s; AAPL every 3rd.
    for (let i = 0; i < 30; i++) {
      const t: NormalizedTick = {
        ticker: i % 3 === 0 ? 'AAPL' : 'MSFT',
        kind: 'trade',
        price: `${100 + i}.25`,
        size: '1',
        ts: T0 + i * 1000,
        sector: 'Technology',
        source: 'sim',
        feed: 'f',
        seq: String(i),
      };
      await redis.xadd(
        keys.normalizedEvents,
        `${T0 + i * 1000}-0`,
        ...encodeTick(t, `${T0 + i * 1000}-5`),
      );
    }
    for (let i = 0; i < 3; i++) {
      await redis.xadd(
        keys.deadLetters,
        `${T0 + i}-0`,
        ...encodeDeadLetter({
          reason: `bad ${i}`,
          feed: 'f',
          adapter: 'simulator',
          sourceStreamId: `${i}-0`,
          payload: `{"oops":${i}}`,
        }),
      );
    }
    await redis.xadd(
      keys.failedBatches,
      '*',
      ...encodeFailedBatch({
        batchId: 'anomaly-1-0',
        stage: 'anomaly',
        stream: keys.normalizedEvents,
        ids: ['1-0', '2-0'],
        error: 'boom',
        attempts: 5,
        failedAt: T0,
      }),
    );
    api = await startTestApi(config);
  });

  afterAll(async () => {
    await api?.close();
    await fx?.close();
  });

  const QUOTE = `query QuoteByTicker($ticker: String!) {
    quote(ticker: $ticker) {
      ticker kind price priceText size bid ask ts time sector source feed seq updatedAt
    }
  }`;

  it('returns a quote by ticker, upper-casing the argument and keeping the exact price text', async () => {
    const { status, body } = await api.gql(QUOTE, { ticker: 'msft' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.quote).toEqual({
      ticker: 'MSFT',
      kind: 'trade',
      price: 123456789.12345679,
      priceText: '123456789.123456789012',
      size: 300,
      bid: null,
      ask: null,
      ts: T0,
      time: '2024-01-02T14:30:00.123Z',
      sector: 'Technology',
      source: 'sim',
      feed: 'sim-feed',
      seq: '42',
      updatedAt: T0 + 5,
    });
  });

  it('serves a quote the pipeline publishes from the cache, and the cache follows pub/sub', async () => {
    const { redis, keys } = fx;
    await api.gql(QUOTE, { ticker: 'JPM' }); // cached now
    // Written behind the cache's back (no message): a cached read still answers the old price...
    await redis.hset(keys.latestQuote('JPM'), 'price', '999');
    const cached = await api.gql(QUOTE, { ticker: 'JPM' });
    expect((cached.body.data?.quote as { priceText: string }).priceText).toBe('150');
    // ...and a published quote replaces it at once, without a read.
    const t = tick({ ticker: 'JPM', price: '151.5', sector: 'Financials', id: '1700000000001-0' });
    await redis.publish(keys.quotesPubsub, encodeQuoteMessage(t, T0 + 9));
    await new Promise((r) => setTimeout(r, 100));
    const fresh = await api.gql(QUOTE, { ticker: 'JPM' });
    expect(fresh.body.data?.quote).toMatchObject({ priceText: '151.5', updatedAt: T0 + 9 });
  });

  it('answers UNKNOWN_TICKER for a ticker with no quote, and BAD_USER_INPUT for a malformed one', async () => {
    const unknown = await api.gql(QUOTE, { ticker: 'NOPE' });
    expect(unknown.body.data).toEqual({ quote: null });
    expect(code(unknown.body)).toBe('UNKNOWN_TICKER');
    expect(unknown.body.errors?.[0]?.message).toBe('No quote for ticker "NOPE"');
    for (const ticker of ['bad ticker', 'A'.repeat(33), '', 'X*']) {
      const { body } = await api.gql(QUOTE, { ticker });
      expect(body.errors?.[0]?.message).toContain('"ticker"');
      expect(code(body)).toBe('BAD_USER_INPUT');
    }
  });

  it('pages quotes by ticker with cursors, filters by tickers and sector, counts the total', async () => {
    const Q = `query($first: Int, $after: String, $sector: String, $tickers: [String!]) {
      quotes(first: $first, after: $after, sector: $sector, tickers: $tickers) {
        edges { cursor node { ticker priceText bid ask } } pageInfo { hasNextPage endCursor } totalCount
      }
    }`;
    const p1 = await api.gql(Q, { first: 2 });
    expect(p1.body.errors).toBeUndefined();
    const c1 = p1.body.data?.quotes as Edges<{ ticker: string }> & { totalCount: number };
    expect(nodes<{ ticker: string }>(c1).map((q) => q.ticker)).toEqual(['AAPL', 'BRK.B']);
    expect(c1.totalCount).toBe(5);
    expect(c1.pageInfo.hasNextPage).toBe(true);
    const p2 = await api.gql(Q, { first: 10, after: c1.pageInfo.endCursor });
    const c2 = p2.body.data?.quotes as Edges<{ ticker: string }>;
    expect(nodes<{ ticker: string }>(c2).map((q) => q.ticker)).toEqual(['BTC-USD', 'JPM', 'MSFT']);
    expect(c2.pageInfo.hasNextPage).toBe(false);

    const fin = await api.gql(Q, { sector: 'Financials' });
    expect(nodes<{ ticker: string }>(fin.body.data?.quotes).map((q) => q.ticker)).toEqual([
      'BRK.B',
      'JPM',
    ]);
    const some = await api.gql(Q, { tickers: ['msft', 'aapl', 'NOPE'] });
    expect(nodes<{ ticker: string; bid: number | null }>(some.body.data?.quotes)).toEqual([
      { ticker: 'AAPL', priceText: '189.705', bid: 189.7, ask: 189.71 },
      { ticker: 'MSFT', priceText: '123456789.123456789012', bid: null, ask: null },
    ]);
  });

  it('refuses pages above the maximum, bad cursors and cursors of another list', async () => {
    const big = await api.gql('{ quotes(first: 51) { totalCount } }');
    expect(code(big.body)).toBe('PAGE_SIZE_EXCEEDED');
    expect(big.body.errors?.[0]?.message).toContain('at most 50');
    const zero = await api.gql('{ anomalies(first: 0) { pageInfo { hasNextPage } } }');
    expect(code(zero.body)).toBe('BAD_USER_INPUT');
    const junk = await api.gql('{ quotes(after: "not a cursor!") { totalCount } }');
    expect(code(junk.body)).toBe('BAD_CURSOR');
    const a = await api.gql('{ anomalies(first: 1) { pageInfo { endCursor } } }');
    const anomalyCursor = (a.body.data?.anomalies as Edges<unknown>).pageInfo.endCursor;
    const foreign = await api.gql('query($c: String) { quotes(after: $c) { totalCount } }', {
      c: anomalyCursor,
    });
    expect(code(foreign.body)).toBe('BAD_CURSOR');
  });

  it('counts quoted tickers per sector', async () => {
    const { body } = await api.gql('{ sectors { sector count } }');
    expect(body.data?.sectors).toEqual([
      { sector: 'Crypto', count: 1 },
      { sector: 'Financials', count: 2 },
      { sector: 'Technology', count: 2 },
    ]);
  });

  const ANOMALIES = `query($first: Int, $after: String, $ticker: String, $type: AnomalyType, $severity: Severity, $since: DateTime, $until: DateTime) {
    anomalies(first: $first, after: $after, ticker: $ticker, type: $type, severity: $severity, since: $since, until: $until) {
      edges { cursor node { id type severity ticker priceText ts time } } pageInfo { hasNextPage endCursor }
    }
  }`;

  it('pages anomalies newest first, with every cursor continuing exactly where the last page ended', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const { body } = await api.gql(ANOMALIES, { first: 25, after });
      expect(body.errors).toBeUndefined();
      const c = body.data?.anomalies as Edges<{ id: string }>;
      seen.push(...c.edges.map((e) => e.node.id));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(seen).toEqual([...anomalyIds].reverse());
  });

  it('filters anomalies by ticker, type, severity and event time', async () => {
    const aapl = await api.gql(ANOMALIES, { ticker: 'aapl', first: 50 });
    const list = nodes<{ ticker: string; severity: string; ts: number }>(aapl.body.data?.anomalies);
    expect(list.map((a) => a.ts)).toEqual([50, 40, 30, 20, 10, 0].map((i) => T0 + i * 1000));
    expect(list.every((a) => a.ticker === 'AAPL' && a.severity === 'critical')).toBe(true);

    const spikes = await api.gql(ANOMALIES, {
      type: 'volume_spike',
      severity: 'medium',
      first: 50,
    });
    expect(nodes(spikes.body.data?.anomalies)).toHaveLength(30);

    const window = await api.gql(ANOMALIES, {
      since: new Date(T0 + 5000).toISOString(),
      until: T0 + 7000,
      first: 50,
    });
    expect(nodes<{ ts: number }>(window.body.data?.anomalies).map((a) => a.ts)).toEqual([
      T0 + 7000,
      T0 + 6000,
      T0 + 5000,
    ]);
  });

  it('stops a sparse filtered scan at the scan budget and hands back a cursor to go on from', async () => {
    // 25 entries examined per page at most: AAPL is every 10th of the 60 anomalies.
    const local = await startTestApi({ ...config, graphql: { ...config.graphql, scanLimit: 25 } });
    try {
      const pages: { ts: number[]; hasNextPage: boolean }[] = [];
      let after: string | null = null;
      for (let n = 0; n < 5; n++) {
        const { body } = await local.gql(ANOMALIES, { ticker: 'AAPL', first: 5, after });
        const c = body.data?.anomalies as Edges<{ ts: number }>;
        pages.push({
          ts: c.edges.map((e) => (e.node.ts - T0) / 1000),
          hasNextPage: c.pageInfo.hasNextPage,
        });
        if (!c.pageInfo.hasNextPage) break;
        after = c.pageInfo.endCursor;
      }
      expect(pages).toEqual([
        { ts: [50, 40], hasNextPage: true },
        { ts: [30, 20, 10], hasNextPage: true },
        { ts: [0], hasNextPage: false },
      ]);
    } finally {
      await local.close();
    }
  });

  it('rejects inverted ranges and unparseable times with precise codes', async () => {
    const inverted = await api.gql(ANOMALIES, { since: T0 + 10, until: T0 });
    expect(code(inverted.body)).toBe('BAD_RANGE');
    expect(inverted.body.errors?.[0]?.message).toContain('"since"');
    const junk = await api.gql(ANOMALIES, { since: 'yesterday' });
    expect(junk.body.errors?.[0]?.message).toContain('ISO-8601');
    const noZone = await api.gql(ANOMALIES, { since: '2024-01-02T10:00:00' });
    expect(noZone.body.errors?.[0]?.message).toContain('time zone');
    const tooLong = await api.gql(
      '{ history(ticker: "AAPL", from: "2024-01-01", to: "2024-03-01") { pageInfo { hasNextPage } } }',
    );
    expect(code(tooLong.body)).toBe('BAD_RANGE');
  });

  it("returns a ticker's history from the stream by event time, oldest first, in pages", async () => {
    const Q = `query($after: String) {
      history(ticker: "aapl", from: ${T0 + 3000}, to: "${new Date(T0 + 20_000).toISOString()}", first: 3, after: $after) {
        edges { node { id ticker priceText ts time } } pageInfo { hasNextPage endCursor }
      }
    }`;
    const p1 = await api.gql(Q);
    expect(p1.body.errors).toBeUndefined();
    const c1 = p1.body.data?.history as Edges<{ ts: number; priceText: string }>;
    expect(c1.edges.map((e) => e.node.priceText)).toEqual(['103.25', '106.25', '109.25']);
    expect(c1.pageInfo.hasNextPage).toBe(true);
    const p2 = await api.gql(Q, { after: c1.pageInfo.endCursor });
    const c2 = p2.body.data?.history as Edges<{ ts: number; priceText: string }>;
    expect(c2.edges.map((e) => e.node.priceText)).toEqual(['112.25', '115.25', '118.25']);
    expect(c2.pageInfo.hasNextPage).toBe(false);
  });

  it('lists dead letters (reason and original payload) and failed batches, newest first', async () => {
    const dl = await api.gql(
      '{ deadLetters(first: 2) { edges { node { reason feed adapter sourceStreamId payload time } } pageInfo { hasNextPage } } }',
    );
    expect(dl.body.errors).toBeUndefined();
    expect(nodes(dl.body.data?.deadLetters)).toEqual([
      {
        reason: 'bad 2',
        feed: 'f',
        adapter: 'simulator',
        sourceStreamId: '2-0',
        payload: '{"oops":2}',
        time: new Date(T0 + 2).toISOString(),
      },
      {
        reason: 'bad 1',
        feed: 'f',
        adapter: 'simulator',
        sourceStreamId: '1-0',
        payload: '{"oops":1}',
        time: new Date(T0 + 1).toISOString(),
      },
    ]);
    expect((dl.body.data?.deadLetters as Edges<unknown>).pageInfo.hasNextPage).toBe(true);
    const fb = await api.gql(
      '{ failedBatches { edges { node { batchId stage ids size error attempts failedAt } } } }',
    );
    expect(nodes(fb.body.data?.failedBatches)).toEqual([
      {
        batchId: 'anomaly-1-0',
        stage: 'anomaly',
        ids: ['1-0', '2-0'],
        size: 2,
        error: 'boom',
        attempts: 5,
        failedAt: new Date(T0).toISOString(),
      },
    ]);
  });

  it('refuses queries that are too deep, too costly, too aliased or too long, each with its code', async () => {
    const deep = await api.gql(
      '{ quotes { edges { node { ticker } } pageInfo { hasNextPage } } a: quotes { edges { node { ticker } } } }',
    );
    expect(deep.body.errors).toBeUndefined();
    const shallow = await startTestApi(testConfig({ GRAPHQL_MAX_DEPTH: '3' }));
    try {
      const tooDeep = await shallow.gql('{ anomalies { edges { node { id } } } }');
      expect(code(tooDeep.body)).toBe('QUERY_TOO_DEEP');
      expect(tooDeep.body.errors?.[0]?.message).toContain('depth limit of 3');
    } finally {
      await shallow.close();
    }
    const aliases = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: ping`).join(' ')} }`;
    expect(code((await api.gql(aliases)).body)).toBe('TOO_MANY_ALIASES');
    const long = `{ ping ${'__typename '.repeat(3000)} }`;
    expect(code((await api.gql(long)).body)).toBe('QUERY_TOO_LARGE');
  });

  it('prices list fields by their page size: one page of 50 passes, two of 40 exceed the limit', async () => {
    const local = await startTestApi(testConfig({ GRAPHQL_MAX_COST: '200' }));
    try {
      const ok = await local.gql('{ anomalies(first: 50) { edges { node { id } } } }');
      expect(ok.body.errors).toBeUndefined();
      const costly = await local.gql(
        'query($n: Int) { a: anomalies(first: $n) { edges { node { id } } } b: anomalies(first: $n) { edges { node { id } } } }',
        { n: 40 },
      );
      expect(code(costly.body)).toBe('QUERY_TOO_COSTLY');
      expect(costly.body.errors?.[0]?.extensions?.cost).toBe(240);
    } finally {
      await local.close();
    }
  });

  it('masks unexpected errors outside development', async () => {
    const res = await fetch(`${api.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ quote(ticker: "corrupt") { ticker time } }' }),
    });
    const text = await res.text();
    expect(text).not.toContain('Invalid time value');
    const body = JSON.parse(text) as GqlBody;
    expect(body.errors?.[0]?.message).toBe('Unexpected error.');
    expect(code(body)).toBe('INTERNAL_SERVER_ERROR');
  });

  it('answers a malformed query with a GraphQL syntax error, not a 500', async () => {
    const { status, body } = await api.gql('{ quotes { ticker ');
    expect(status).toBeLessThan(500);
    expect(body.errors?.[0]?.message).toMatch(/^Syntax Error/);
    expect(code(body)).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('serves /healthz, /readyz with each dependency, and /metrics with per-operation series', async () => {
    expect(await (await fetch(`${api.base}/healthz`)).text()).toBe('ok');
    const ready = await fetch(`${api.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, redis: true, temporal: true });
    await api.gql(QUOTE, { ticker: 'MSFT' });
    await api.gql(QUOTE, { ticker: 'bad ticker' });
    const text = await (await fetch(`${api.base}/metrics`)).text();
    expect(text).toMatch(
      /finline_graphql_request_duration_seconds_count\{[^}]*operation_name="QuoteByTicker"[^}]*\} [1-9]/,
    );
    expect(text).toMatch(
      /finline_graphql_errors_total\{[^}]*operation_name="QuoteByTicker"[^}]*code="BAD_USER_INPUT"[^}]*\} [1-9]/,
    );
    expect(text).toContain('finline_graphql_active_subscriptions');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('refuses bodies over the size limit (413) and bodies of undeclared length (411) before reading them', async () => {
    const { request } = await import('node:http');
    const send = (headers: Record<string, string>, body: string) =>
      new Promise<{ status: number; code: unknown }>((resolve, reject) => {
        const req = request(
          `${api.base}/graphql`,
          { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
          (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                code: (JSON.parse(text) as GqlBody).errors?.[0]?.extensions?.code,
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const big = JSON.stringify({ query: `{ ping } # ${'x'.repeat(config.graphql.maxBodyBytes)}` });
    expect(await send({ 'content-length': String(Buffer.byteLength(big)) }, big)).toEqual({
      status: 413,
      code: 'REQUEST_ENTITY_TOO_LARGE',
    });
    expect(await send({ 'transfer-encoding': 'chunked' }, '{"query":"{ ping }"}')).toEqual({
      status: 411,
      code: 'LENGTH_REQUIRED',
    });
    expect((await api.gql('{ ping }')).body.data).toEqual({ ping: true });
  });

  it('does not serve GraphiQL outside development', async () => {
    const res = await fetch(`${api.base}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
  });
});
