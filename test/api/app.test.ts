import type { Registry } from 'prom-client';
import { createApp, type App } from '../../api';
import type { Config } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import { createRedis, encodeAnomaly, encodeLatestQuote, type Redis } from '../../lib/redis';
import type { Anomaly, StoredTick } from '../../lib/domain/types';
import { redisFixture, testConfig, type RedisFixture } from '../support/stack';

interface GqlResponse {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

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

function anomaly(ticker: string, price: string, ts: number): Anomaly {
  return {
    type: 'price_jump',
    severity: 'high',
    ticker,
    price,
    statistic: 9.5,
    threshold: 5,
    ts,
    sourceIds: ['1-0', '2-0'],
  };
}

describe('GraphQL API over HTTP against a real Redis', () => {
  let config: Config;
  let fx: RedisFixture;
  let appRedis: Redis;
  let registry: Registry;
  let app: App;
  let base: string;

  async function gql(
    query: string,
    variables?: Record<string, unknown>,
    accept = 'application/graphql-response+json',
  ): Promise<GqlResponse> {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as GqlResponse['body'] };
  }

  beforeAll(async () => {
    config = testConfig();
    fx = redisFixture(config);
    const { redis, keys } = fx;
    const now = T0 + 5;
    await redis.hset(
      keys.latestQuote('MSFT'),
      ...encodeLatestQuote(
        tick({ ticker: 'MSFT', price: '123456789.123456789012', size: '300' }),
        now,
      ),
    );
    await redis.hset(
      keys.latestQuote('AAPL'),
      ...encodeLatestQuote(
        tick({ ticker: 'AAPL', kind: 'quote', price: '189.705', bid: '189.7', ask: '189.71' }),
        now,
      ),
    );
    await redis.hset(
      keys.latestQuote('BRK.B'),
      ...encodeLatestQuote(tick({ ticker: 'BRK.B', price: '410.1', sector: 'Financials' }), now),
    );
    // In the set but with no hash: quotes must skip it, not fail.
    await redis.sadd(keys.quoteTickers, 'MSFT', 'AAPL', 'BRK.B', 'GONE');
    // Not in the set, and its ts is not a number: its `time` field fails unexpectedly.
    await redis.hset(keys.latestQuote('CORRUPT'), 'ticker', 'CORRUPT', 'price', '1', 'ts', 'x');
    for (const [i, t] of ['AAA', 'BBB', 'CCC'].entries()) {
      await redis.xadd(
        keys.anomalies,
        '*',
        ...encodeAnomaly(anomaly(t, `10.00${i + 1}`, T0 + i), T0 + 1000 + i),
      );
    }

    appRedis = createRedis(config.redis.url);
    registry = createRegistry('api');
    app = createApp({
      config,
      redis: appRedis,
      logger: createLogger({ level: config.logLevel, name: 'api' }),
      registry,
    });
    const { port, url } = await app.start();
    base = `http://127.0.0.1:${port}`;
    expect(url).toBe(`${base}/graphql`);
  });

  afterAll(async () => {
    await app?.stop();
    await appRedis?.quit();
    await fx?.close();
  });

  const QUOTE = `query QuoteByTicker($ticker: String!) {
    quote(ticker: $ticker) {
      ticker kind price priceText size bid ask ts time sector source feed seq updatedAt
    }
  }`;

  it('returns a quote by ticker, upper-casing the argument and keeping the exact price text', async () => {
    const { status, body } = await gql(QUOTE, { ticker: 'msft' });
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

  it('returns null for a ticker with no quote', async () => {
    const { body } = await gql(QUOTE, { ticker: 'NOPE' });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ quote: null });
  });

  it.each(['bad ticker', 'A'.repeat(33), '', 'X*'])(
    'rejects ticker %j with BAD_USER_INPUT naming the argument',
    async (ticker) => {
      const { body } = await gql(QUOTE, { ticker });
      expect(body.data).toEqual({ quote: null });
      expect(body.errors).toHaveLength(1);
      expect(body.errors?.[0]?.message).toContain('"ticker"');
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    },
  );

  it('lists every quote in the ticker set, sorted, skipping members with no hash', async () => {
    const { body } = await gql('{ quotes { ticker priceText bid ask } }');
    expect(body.errors).toBeUndefined();
    expect(body.data?.quotes).toEqual([
      { ticker: 'AAPL', priceText: '189.705', bid: 189.7, ask: 189.71 },
      { ticker: 'BRK.B', priceText: '410.1', bid: null, ask: null },
      { ticker: 'MSFT', priceText: '123456789.123456789012', bid: null, ask: null },
    ]);
  });

  it('lists anomalies newest first, honouring the limit', async () => {
    const fields =
      'id type severity ticker price priceText statistic threshold ts time sourceIds detectedAt';
    const all = await gql(`{ anomalies { ${fields} } }`);
    expect(all.body.errors).toBeUndefined();
    const list = all.body.data?.anomalies as Record<string, unknown>[];
    expect(list.map((a) => a.ticker)).toEqual(['CCC', 'BBB', 'AAA']);
    expect(list[0]).toEqual({
      id: expect.stringMatching(/^\d+-\d+$/),
      type: 'price_jump',
      severity: 'high',
      ticker: 'CCC',
      price: 10.003,
      priceText: '10.003',
      statistic: 9.5,
      threshold: 5,
      ts: T0 + 2,
      time: new Date(T0 + 2).toISOString(),
      sourceIds: ['1-0', '2-0'],
      detectedAt: T0 + 1002,
    });

    const two = await gql('{ anomalies(limit: 2) { ticker } }');
    expect(two.body.data?.anomalies).toEqual([{ ticker: 'CCC' }, { ticker: 'BBB' }]);
    const nullLimit = await gql('{ anomalies(limit: null) { ticker } }');
    expect(nullLimit.body.data?.anomalies).toHaveLength(3);
  });

  it.each([0, 501, -1])('rejects anomalies(limit: %d) with BAD_USER_INPUT', async (limit) => {
    const { body } = await gql('query A($l: Int) { anomalies(limit: $l) { id } }', { l: limit });
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.message).toContain('"limit"');
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers a malformed query with a GraphQL syntax error, not a 500', async () => {
    for (const accept of ['application/graphql-response+json', 'application/json']) {
      const { status, body } = await gql('{ quotes { ticker ', undefined, accept);
      expect(status).toBeLessThan(500);
      expect(body.errors?.[0]?.message).toMatch(/^Syntax Error/);
      expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    }
  });

  it('masks unexpected errors outside development', async () => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ quote(ticker: "corrupt") { ticker time } }' }),
    });
    const text = await res.text();
    expect(text).not.toContain('Invalid time value');
    const body = JSON.parse(text) as GqlResponse['body'];
    expect(body.errors?.[0]?.message).toBe('Unexpected error.');
    expect(body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('serves /healthz and /readyz', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('serves /metrics with the request histogram and error counter after queries', async () => {
    await gql(QUOTE, { ticker: 'MSFT' });
    await gql(QUOTE, { ticker: 'bad ticker' });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(
      /graphql_request_duration_seconds_count\{[^}]*operationName="QuoteByTicker"[^}]*\} [1-9]/,
    );
    expect(text).toMatch(
      /graphql_errors_total\{[^}]*operationName="QuoteByTicker"[^}]*code="BAD_USER_INPUT"[^}]*\} [1-9]/,
    );
    expect(text).toMatch(/graphql_errors_total\{[^}]*code="GRAPHQL_PARSE_FAILED"/);
    // Process defaults from createRegistry are served too.
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('does not serve GraphiQL outside development', async () => {
    const res = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
  });
});
