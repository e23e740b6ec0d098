import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Anomaly, StoredTick } from '../../lib/domain/types';
import { encodeAnomaly, encodeQuoteMessage } from '../../lib/redis';
import { startTestApi, type TestApi } from '../support/api';
import { redisFixture, testConfig, type RedisFixture } from '../support/stack';
import { eventually } from '../support/temporal';

const T0 = Date.UTC(2024, 0, 2, 14, 30);

function tick(ticker: string, price: string, n: number): StoredTick {
  return {
    id: `${T0 + n}-0`,
    rawId: `${T0 + n}-0`,
    ticker,
    kind: 'trade',
    price,
    ts: T0 + n,
    sector: 'Technology',
    source: 'sim',
    feed: 'f',
    seq: String(n),
  };
}
function anomaly(ticker: string, n: number, severity: Anomaly['severity'] = 'high'): Anomaly {
  return {
    type: 'price_jump',
    severity,
    ticker,
    price: `1.${n}`,
    statistic: 9,
    threshold: 5,
    ts: T0 + n,
    sourceIds: [],
  };
}

/** Reads a GraphQL-over-SSE response, collecting `next` payloads until `want` arrived. */
async function sse(
  base: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{
  events: unknown[];
  ready: Promise<void>;
  until(n: number): Promise<unknown[]>;
  close(): void;
  status: number;
}> {
  const ctrl = new AbortController();
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: ctrl.signal,
  });
  const events: unknown[] = [];
  const waiters: (() => void)[] = [];
  const pump = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('');
          if (data) events.push(JSON.parse(data));
          waiters.splice(0).forEach((w) => w());
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    events,
    status: res.status,
    ready: Promise.resolve(),
    async until(n) {
      await eventually(
        () => Promise.resolve(events.length >= n ? true : undefined),
        10_000,
        `${n} SSE events`,
      );
      return events.slice(0, n);
    },
    close() {
      ctrl.abort();
      void pump;
    },
  };
}

function ws(base: string, connectionParams?: Record<string, unknown>): WsClient {
  return createClient({
    url: `${base.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

function wsCollect(client: WsClient, query: string, variables: Record<string, unknown>) {
  const got: unknown[] = [];
  let error: unknown;
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (v) => void got.push(v),
      error: (e) => {
        error = e;
      },
      complete: () => undefined,
    },
  );
  return { got, error: () => error, dispose };
}

describe('GraphQL subscriptions over SSE and graphql-ws', () => {
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

  const QUOTES =
    'subscription($t: [String!]) { quoteUpdated(tickers: $t) { ticker priceText ts } }';
  const ANOMALIES =
    'subscription($f: AnomalyFilter, $after: String) { anomalyDetected(filter: $f, after: $after) { id ticker severity priceText } }';
  const publish = (t: StoredTick) =>
    fx.redis.publish(fx.keys.quotesPubsub, encodeQuoteMessage(t, Date.now()));
  const activeSubs = async (): Promise<number> => {
    const text = await (await fetch(`${api.base}/metrics`)).text();
    // Summed over the series (one per field and transport).
    return [...text.matchAll(/^finline_graphql_active_subscriptions\{[^}]*\} (\d+)/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
  };

  it('delivers quote updates of the chosen tickers over SSE', async () => {
    const s = await sse(api.base, QUOTES, { t: ['aapl'] });
    expect(s.status).toBe(200);
    await eventually(
      async () => ((await activeSubs()) >= 1 ? true : undefined),
      5000,
      'subscription registered',
    );
    await publish(tick('MSFT', '1', 1));
    await publish(tick('AAPL', '2.5', 2));
    await publish(tick('AAPL', '2.75', 3));
    const got = await s.until(2);
    expect(got).toEqual([
      { data: { quoteUpdated: { ticker: 'AAPL', priceText: '2.5', ts: T0 + 2 } } },
      { data: { quoteUpdated: { ticker: 'AAPL', priceText: '2.75', ts: T0 + 3 } } },
    ]);
    s.close();
    await eventually(
      async () => ((await activeSubs()) === 0 ? true : undefined),
      5000,
      'subscription released',
    );
  });

  it('delivers quote updates over graphql-ws', async () => {
    const client = ws(api.base);
    const sub = wsCollect(client, QUOTES, {});
    await eventually(
      async () => ((await activeSubs()) >= 1 ? true : undefined),
      5000,
      'ws subscription registered',
    );
    await publish(tick('NVDA', '900.1', 4));
    await eventually(
      () => Promise.resolve(sub.got.length >= 1 ? true : undefined),
      5000,
      'ws quote',
    );
    expect(sub.got[0]).toEqual({
      data: { quoteUpdated: { ticker: 'NVDA', priceText: '900.1', ts: T0 + 4 } },
    });
    sub.dispose();
    await client.dispose();
  });

  it('streams anomalies live, filtered, and resumes after an id with no gap and no repeat (both transports)', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 5; n++)
      ids.push(
        (await fx.redis.xadd(
          fx.keys.anomalies,
          '*',
          ...encodeAnomaly(anomaly(n % 2 ? 'AAPL' : 'MSFT', n), T0),
        ))!,
      );
    // Resume after the second entry: the three after it, then live ones; only high+ AAPL/MSFT.
    const s = await sse(api.base, ANOMALIES, { after: ids[1], f: { minSeverity: 'high' } });
    const client = ws(api.base);
    const w = wsCollect(client, ANOMALIES, { after: ids[1], f: { ticker: 'aapl' } });
    await s.until(3);
    for (let n = 5; n < 8; n++) {
      ids.push(
        (await fx.redis.xadd(
          fx.keys.anomalies,
          '*',
          ...encodeAnomaly(anomaly(n % 2 ? 'AAPL' : 'MSFT', n, n === 6 ? 'low' : 'high'), T0),
        ))!,
      );
    }
    const got = (await s.until(5)) as { data: { anomalyDetected: { id: string } } }[];
    // ids[2..4] from the catch-up, then ids[5] and ids[7] live (ids[6] is low severity).
    expect(got.map((e) => e.data.anomalyDetected.id)).toEqual([
      ids[2],
      ids[3],
      ids[4],
      ids[5],
      ids[7],
    ]);
    await eventually(
      () => Promise.resolve(w.got.length >= 3 ? true : undefined),
      5000,
      'ws anomalies',
    );
    expect(
      (w.got as { data: { anomalyDetected: { id: string; ticker: string } } }[]).map(
        (e) => e.data.anomalyDetected.id,
      ),
    ).toEqual([ids[3], ids[5], ids[7]]);
    s.close();
    w.dispose();
    await client.dispose();
  });

  it('answers a bad subscription argument with a precise error on both transports', async () => {
    const s = await sse(api.base, ANOMALIES, { after: 'garbage' });
    const [first] = (await s.until(1)) as {
      errors?: { message: string; extensions?: { code?: string } }[];
    }[];
    expect(first?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    s.close();
    const client = ws(api.base);
    const w = wsCollect(client, QUOTES, { t: ['bad ticker'] });
    await eventually(
      () => Promise.resolve(w.error() ?? (w.got.length ? w.got : undefined)),
      5000,
      'ws error',
    );
    const err = (w.error() ?? (w.got[0] as { errors: unknown[] }).errors) as { message: string }[];
    expect(JSON.stringify(err)).toContain('BAD_USER_INPUT');
    await client.dispose();
  });
});

describe('authentication and rate limits on the live transports', () => {
  let fx: RedisFixture;
  let api: TestApi;
  let viewerKey = '';

  beforeAll(async () => {
    const config = testConfig({
      API_AUTH_MODE: 'required',
      API_RATE_LIMIT_PER_SECOND: '1',
      API_RATE_LIMIT_BURST: '3',
      API_RATE_LIMIT_MUTATION_COST: '1',
    });
    fx = redisFixture(config);
    api = await startTestApi(config, {}, { realAuth: true });
    viewerKey = (
      await api.app.services.auth.apiKeys.createApiKey({ name: 'ws-viewer', role: 'viewer' })
    ).key;
  });
  afterAll(async () => {
    await api?.close();
    await fx?.close();
  });

  it('refuses a graphql-ws connection without valid credentials with close code 4403 and the reason', async () => {
    const client = ws(api.base, {
      apiKey: 'fl_abcdefghij_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    const sub = wsCollect(client, '{ ping }', {});
    await eventually(() => Promise.resolve(sub.error() ? true : undefined), 5000, 'ws refusal');
    const e = sub.error() as { code?: number; reason?: string };
    expect(e.code).toBe(4403);
    expect(e.reason).toMatch(/unknown key/);
    await client.dispose();
  });

  it('accepts an API key in connectionParams, and runs queries over the socket', async () => {
    const client = ws(api.base, { apiKey: viewerKey });
    const sub = wsCollect(client, '{ ping }', {});
    await eventually(() => Promise.resolve(sub.got.length ? true : undefined), 5000, 'ws result');
    expect(sub.got[0]).toEqual({ data: { ping: true } });
    await client.dispose();
  });

  it('limits each client: 429 with Retry-After and RATE_LIMITED past the burst, other clients unaffected', async () => {
    const other = (
      await api.app.services.auth.apiKeys.createApiKey({ name: 'other', role: 'viewer' })
    ).key;
    const key = (
      await api.app.services.auth.apiKeys.createApiKey({ name: 'greedy', role: 'viewer' })
    ).key;
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<TestApi['gql']>> | undefined;
    for (let i = 0; i < 6; i++) {
      const r = await api.gql('{ ping }', undefined, { 'x-api-key': key });
      statuses.push(r.status);
      if (r.status === 429) refused ??= r;
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused!.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused!.body.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
    expect((await api.gql('{ ping }', undefined, { 'x-api-key': other })).status).toBe(200);
  });

  it('charges graphql-ws operations to the same allowance: RATE_LIMITED past the burst, counted', async () => {
    const refusals = async () =>
      (await api.registry.getSingleMetric('finline_api_rate_limited_total')?.get())?.values[0]
        ?.value ?? 0;
    const before = await refusals();
    const key = (
      await api.app.services.auth.apiKeys.createApiKey({ name: 'ws-greedy', role: 'viewer' })
    ).key;
    const client = ws(api.base, { apiKey: key });
    const replies: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      const op = wsCollect(client, '{ ping }', {});
      await eventually(
        () => Promise.resolve(op.got.length > 0 || op.error() ? true : undefined),
        5000,
        'ws reply',
      );
      replies.push(op.error() ?? op.got[0]);
    }
    await client.dispose();
    expect(replies.slice(0, 3)).toEqual(Array(3).fill({ data: { ping: true } }));
    const refused = replies.find(Array.isArray) as { extensions?: Record<string, unknown> }[];
    expect(refused?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await refusals()).toBeGreaterThan(before);
  });
});
