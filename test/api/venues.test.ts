import { startWorkflow } from '../../clients';
import { pipelineWorkflow } from '../../contract';
import { encodeRaw } from '../../lib/redis';
import { startTestApi, type TestApi } from '../support/api';
import {
  redisFixture,
  temporalFixture,
  testConfig,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';

type Quote = { feed: string; priceText: string; ts: number };

/**
 * Two feeds (venues) trading one symbol at prices 20% apart, through the real pipeline
 * workflow of the symbol's partition, read back through the API: each venue's quote, the
 * newest as the ticker's default, and anomalies from each venue's own window only.
 */
describe('two feeds on one symbol, through the pipeline and the API', () => {
  const config = testConfig({ PIPELINE_BLOCK_MS: '100', PIPELINE_WORKFLOW_ID: uniqueId('p') });
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let api: TestApi;
  let workflowId = '';

  beforeAll(async () => {
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    worker = await startTestWorker(config, temporal);
    api = await startTestApi(config);
  });
  afterAll(async () => {
    await temporal?.client.workflow
      .getHandle(workflowId)
      .terminate('test done')
      .catch(() => undefined);
    await worker?.stop();
    await api?.close();
    await temporal?.close();
    await fx?.close();
  });

  it('keeps both quotes, serves the newest by default, and finds no cross-feed anomaly', async () => {
    const keys = fx.keys.forTicker('BTCUSDT');
    const t0 = 1_700_000_000_000;
    const trade = (feed: string, price: number, n: number) =>
      encodeRaw({
        feed,
        adapter: 'simulator',
        recvTs: Date.now(),
        sourceId: String(n),
        payload: JSON.stringify({ T: 't', S: 'BTCUSDT', p: price, s: 1, t: t0 + n, i: n }),
      });
    // Interleaved: one window over both feeds would see a 20% jump at almost every tick.
    for (let n = 0; n < 80; n++) {
      const [feed, price] = n % 2 ? ['venue-b', 120] : ['venue-a', 100];
      await fx.redis.xadd(keys.rawEvents, '*', ...trade(feed, price, n));
    }
    // A real jump on venue-a, the newest tick of all: the one anomaly expected.
    await fx.redis.xadd(keys.rawEvents, '*', ...trade('venue-a', 130, 80));

    workflowId = `${config.pipeline.workflowId}-p${keys.partition}`;
    await startWorkflow(temporal.client, pipelineWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ partition: keys.partition, normalizeSlots: 1 }],
    });
    // Done when the anomaly stage has read all 81 normalized ticks and acknowledged them.
    const STREAMS = `{ pipeline { partitions { partition streams { name length groups { name lag pending } } } } }`;
    await eventually(
      async () => {
        const { body } = await api.gql(STREAMS);
        const part = (
          body.data?.pipeline as {
            partitions: {
              partition: number;
              streams: {
                name: string;
                length: number;
                groups: { name: string; lag: number | null; pending: number }[];
              }[];
            }[];
          }
        ).partitions.find((p) => p.partition === keys.partition);
        const normalized = part?.streams.find((s) => s.name === keys.normalizedEvents);
        const anomaly = normalized?.groups.find((g) => g.name === 'anomaly');
        return normalized?.length === 81 && anomaly?.lag === 0 && anomaly.pending === 0;
      },
      30_000,
      'anomaly stage through all ticks',
    );

    const Q = `query($feed: String) {
      quote(ticker: "BTCUSDT", feed: $feed) { feed priceText ts venues { feed priceText ts } }
    }`;
    const quote = async (feed?: string) => {
      const { body } = await api.gql(Q, feed ? { feed } : {});
      expect(body.errors).toBeUndefined();
      return body.data?.quote as Quote & { venues: Quote[] };
    };
    expect(await quote()).toEqual({
      feed: 'venue-a',
      priceText: '130',
      ts: t0 + 80,
      venues: [
        { feed: 'venue-a', priceText: '130', ts: t0 + 80 },
        { feed: 'venue-b', priceText: '120', ts: t0 + 79 },
      ],
    });
    expect(await quote('venue-b')).toMatchObject({ feed: 'venue-b', priceText: '120' });

    const { body } = await api.gql(
      '{ anomalies(ticker: "BTCUSDT", first: 50) { edges { node { type feed priceText partition } } } }',
    );
    const found = (
      body.data?.anomalies as {
        edges: { node: { type: string; feed: string; priceText: string; partition: number } }[];
      }
    ).edges.map((e) => e.node);
    // Only the real jump, from venue-a's own window (its detectors may each report it).
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(found.map((a) => a.type)).toContain('price_jump');
    for (const a of found) {
      expect(a).toMatchObject({ feed: 'venue-a', priceText: '130', partition: keys.partition });
    }
  });
});
