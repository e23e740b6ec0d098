import { startWorkflow } from '../../clients';
import { feedStatusQuery, feedWorkflowId, ingestFeedWorkflow, stopSignal } from '../../contract';
import { partitionOf } from '../../lib/domain';
import { createLogger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import { decodeRaw } from '../../lib/redis';
import { createSimulator } from '../../simulator';
import {
  redisFixture,
  temporalFixture,
  testConfig,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';

/** A feed's events land in the raw stream of their ticker's partition, nowhere else. */
describe('ingestFeed over 4 partitions', () => {
  const config = testConfig({
    PIPELINE_PARTITIONS: '4',
    SIMULATOR_EVENTS_PER_SECOND: '2000',
    SIMULATOR_SPIKE_PROBABILITY: '0',
    INGEST_STATUS_MS: '200',
  });
  const sim = createSimulator({
    config: config.simulator,
    logger: createLogger({ level: 'silent', name: 'sim' }),
    registry: createRegistry('s'),
  });
  let r: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  beforeAll(async () => {
    r = redisFixture(config);
    temporal = await temporalFixture(config);
    worker = await startTestWorker(config, temporal);
  });
  afterAll(async () => {
    await worker?.stop();
    await sim.stop();
    await temporal?.close();
    await r?.close();
  });

  it('routes every event by its symbol, and writes each exactly once', async () => {
    const { url } = await sim.start();
    const name = uniqueId('feed');
    const handle = await startWorkflow(temporal.client, ingestFeedWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: feedWorkflowId(name),
      args: [{ name, adapter: 'simulator', url }],
    });
    await eventually(
      async () => (await handle.query(feedStatusQuery)).eventsTotal > 1000,
      30_000,
      'events',
    );
    await handle.signal(stopSignal);
    const final = await handle.result();

    const seen = new Set<string>();
    const perPartition: number[] = [];
    for (const pk of r.keys.all) {
      const entries = (await r.redis.xrange(pk.rawEvents, '-', '+')) as [string, string[]][];
      perPartition.push(entries.length);
      for (const [, f] of entries) {
        const e = decodeRaw(f);
        const symbol = (JSON.parse(e.payload) as { S: string }).S;
        expect([symbol, partitionOf(symbol.toUpperCase(), 4)]).toEqual([symbol, pk.partition]);
        seen.add(e.sourceId);
      }
    }
    const total = perPartition.reduce((a, b) => a + b, 0);
    expect(total).toBe(final.eventsTotal);
    expect(seen.size).toBe(total);
    expect(perPartition.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  });
});
