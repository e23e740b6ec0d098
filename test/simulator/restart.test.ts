import { startFeed, startWorkflow } from '../../clients';
import { pipelineWorkflow } from '../../contract';
import { loadConfig } from '../../lib/config';
import { freePort, waitFor, type ManagedProcess } from '../../lib/devstack';
import { decodeRaw } from '../../lib/redis';
import { spawnEntry } from '../support/entry-process';
import {
  redisFixture,
  temporalFixture,
  testEnv,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';

/**
 * The simulator process restarted with the same seed (the same tape): its trade ids continue
 * above the last run's, so the pipeline's de-duplication, which keeps ids for ten minutes,
 * drops nothing genuine.
 */
describe('a restarted simulator process', () => {
  let env: ReturnType<typeof testEnv>;
  let config: ReturnType<typeof loadConfig>;
  let r: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const procs: ManagedProcess[] = [];
  const workflowIds: string[] = [];

  beforeAll(async () => {
    env = testEnv({
      SIMULATOR_PORT: String(await freePort()),
      PIPELINE_PARTITIONS: '1', // rawIds reads one stream in arrival order
      SIMULATOR_EVENTS_PER_SECOND: '300',
      INGEST_RECONNECT_BASE_MS: '50',
      INGEST_RECONNECT_MAX_MS: '200',
      PIPELINE_BLOCK_MS: '100',
      WORKER_SHUTDOWN_GRACE_MS: '2000',
    });
    config = loadConfig(env);
    r = redisFixture(config);
    temporal = await temporalFixture(config);
    worker = await startTestWorker(config, temporal);
  });
  afterAll(async () => {
    for (const id of workflowIds)
      await temporal?.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    await Promise.all(procs.map((p) => p.stop(5000)));
    await worker?.stop();
    await temporal?.close();
    await r?.close();
  });

  async function startSimulator(run: number): Promise<ManagedProcess> {
    const p = spawnEntry(
      `restart-sim-${config.temporal.taskQueue}-${run}`,
      'simulator/main.ts',
      env,
    );
    procs.push(p);
    const { host, port } = config.simulator;
    await waitFor('the simulator', async () => (await fetch(`http://${host}:${port}/healthz`)).ok);
    return p;
  }

  async function rawIds(): Promise<number[]> {
    const entries = (await r.redis.xrange(r.keys.partition(0).rawEvents, '-', '+')) as [
      string,
      string[],
    ][];
    return entries.map(([, f]) => Number(decodeRaw(f).sourceId));
  }

  it('continues its ids, and normalize drops none as duplicates', async () => {
    const first = await startSimulator(1);
    const feed = await startFeed(temporal.client, config, {
      name: uniqueId('sim'),
      adapter: 'simulator',
      url: `ws://${config.simulator.host}:${config.simulator.port}`,
    });
    workflowIds.push(feed.workflowId);
    const pipelineId = uniqueId('pipeline');
    await startWorkflow(temporal.client, pipelineWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: pipelineId,
      args: [{ normalizeSlots: 1 }],
    });
    workflowIds.push(pipelineId);

    await eventually(async () => (await rawIds()).length >= 300, 30_000, 'events of run 1');
    await first.stop(5000);
    // What the feed received from run 1 is all in raw:events once the feed has seen it go.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await rawIds();

    const second = await startSimulator(2);
    await eventually(
      async () => (await rawIds()).length >= before.length + 300,
      30_000,
      'events of run 2',
    );
    await second.stop(5000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const all = await rawIds();
    const after = all.slice(before.length);

    expect(before.every(Number.isSafeInteger)).toBe(true);
    expect(after.every(Number.isSafeInteger)).toBe(true);
    const lastBefore = Math.max(...before);
    expect(Math.min(...after)).toBeGreaterThan(lastBefore);
    expect(new Set(all).size).toBe(all.length);

    const stats = await eventually(
      async () => {
        const s = await r.redis.hgetall(r.keys.partition(0).pipelineStats);
        return Number(s['normalize:in']) === all.length && s;
      },
      30_000,
      'every raw event normalized',
    );
    expect(Number(stats['normalize:duplicate'] ?? 0)).toBe(0);
    expect(Number(stats['normalize:dead_letter'] ?? 0)).toBe(0);
    expect(await r.redis.xlen(r.keys.partition(0).normalizedEvents)).toBe(all.length);
  });
});
