import { createLogger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import { createRedis, type Redis } from '../../lib/redis';
import { startFeed, startPipelines } from '../../clients';
import { startTestApi, type TestApi } from '../support/api';
import { createSimulator, type SimulatorState } from '../../simulator';
import { temporalFixture, testConfig, uniqueId, type TemporalFixture } from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';

interface GqlQuote {
  ticker: string;
  price: number;
  priceText: string;
}
interface GqlAnomaly {
  type: string;
  ticker: string;
  priceText: string;
  statistic: number;
}

/**
 * The whole path on real parts: simulator WebSocket -> ingestFeed workflow -> raw:events ->
 * pipeline workflow (normalize, cachepub, anomaly) -> Redis -> GraphQL over HTTP.
 */
describe('end to end: simulator to GraphQL', () => {
  const config = testConfig({
    SIMULATOR_EVENTS_PER_SECOND: '400',
    SIMULATOR_SPIKE_PROBABILITY: '0',
    PIPELINE_BLOCK_MS: '100',
    PIPELINE_BATCH_SIZE: '200',
    PIPELINE_WORKFLOW_ID: uniqueId('pipeline'),
    WORKER_SHUTDOWN_GRACE_MS: '2000',
  });
  const logger = createLogger({ level: config.logLevel, name: 'e2e' });
  let temporal: TemporalFixture;
  let redis: Redis;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const sim = createSimulator({
    config: config.simulator,
    logger,
    registry: createRegistry('e2e-sim'),
  });
  let simHttp = '';
  let api: TestApi;
  const workflowIds: string[] = [];

  async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const { body } = (await api.gql(query, variables)) as {
      body: { data?: T; errors?: unknown[] };
    };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data as T;
  }

  async function simPost(path: string, body: unknown = {}): Promise<unknown> {
    const res = await fetch(`${simHttp}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.ok).toBe(true);
    return res.json();
  }

  beforeAll(async () => {
    const { url, port } = await sim.start();
    simHttp = `http://127.0.0.1:${port}`;
    temporal = await temporalFixture(config);
    redis = createRedis(config.redis);
    worker = await startTestWorker(config, temporal);
    api = await startTestApi(config);

    const feed = await startFeed(temporal.client, config, {
      name: uniqueId('sim'),
      adapter: 'simulator',
      url,
    });
    workflowIds.push(feed.workflowId);
    // One pipeline per partition: the simulator's tickers are spread over all of them.
    for (const p of await startPipelines(temporal.client, config)) workflowIds.push(p.workflowId);
  });

  afterAll(async () => {
    for (const id of workflowIds)
      await temporal?.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    await worker?.stop();
    await api?.close();
    await sim.stop();
    await temporal?.close();
    const keys = await redis.keys(`${config.redis.keyPrefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('turns a spike into an anomaly, and the latest quote equals the last price sent', async () => {
    // Let every ticker build a window of returns before the spike.
    await eventually(
      async () =>
        (await gql<{ quotes: { totalCount: number } }>('{ quotes { totalCount } }')).quotes
          .totalCount >= 40,
      30_000,
      'quotes for most tickers',
    );
    await new Promise((r) => setTimeout(r, 3000));

    const spike = (await simPost('/spike', { ticker: 'AAPL', pct: 15 })) as {
      from: string;
      to: string;
    };
    const anomaly = await eventually(
      async () => {
        const { anomalies } = await gql<{ anomalies: { edges: { node: GqlAnomaly }[] } }>(
          '{ anomalies(first: 100) { edges { node { type ticker priceText statistic } } } }',
        );
        return anomalies.edges
          .map((e) => e.node)
          .find((a) => a.ticker === 'AAPL' && a.type === 'price_jump' && a.priceText === spike.to);
      },
      30_000,
      'the spike as an anomaly',
    );
    expect(anomaly.statistic).toBeGreaterThan(10);

    await simPost('/pause');
    const state = (await (await fetch(`${simHttp}/state`)).json()) as SimulatorState;
    const sent = Object.entries(state.tickers).filter(([, s]) => s.lastSent !== null);
    expect(sent.length).toBeGreaterThan(40);
    await eventually(
      async () => {
        const { quotes } = await gql<{ quotes: { edges: { node: GqlQuote }[] } }>(
          '{ quotes(first: 500) { edges { node { ticker price priceText } } } }',
        );
        const byTicker = new Map(quotes.edges.map(({ node: q }) => [q.ticker, q]));
        return sent.every(([ticker, s]) => byTicker.get(ticker)?.priceText === s.lastSent!.price);
      },
      30_000,
      'every latest quote to equal the last price sent',
    );
    const { quote } = await gql<{ quote: GqlQuote }>(
      'query($t: String!) { quote(ticker: $t) { ticker price priceText } }',
      { t: 'AAPL' },
    );
    expect(quote.priceText).toBe(state.tickers.AAPL!.lastSent!.price);
    expect(quote.price).toBe(Number(state.tickers.AAPL!.lastSent!.price));
  });
});
