import { loadConfig } from '../../lib/config';
import type { ManagedProcess } from '../../lib/devstack/child';
import { createLogger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import { decodeRaw } from '../../lib/redis';
import { createSimulator } from '../../simulator';
import { startWorkflow } from '../../clients';
import {
  feedStatusQuery,
  feedWorkflowId,
  ingestFeedWorkflow,
  stopSignal,
  type FeedInput,
} from '../../contract';
import {
  redisFixture,
  temporalFixture,
  testEnv,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually } from '../support/temporal';
import { spawnWorkerProcess } from '../support/worker-process';

/**
 * A worker process SIGKILLed in the middle of a feed: the feed's activity times out on its
 * heartbeat, Temporal retries it on a second worker process, which reconnects — and from that
 * connection on, every event the simulator sent is in raw:events, in order, with no gap.
 */
describe('worker killed mid-feed', () => {
  const env = testEnv({
    // One partition: these checks read the raw stream in ingest order (partitions split it).
    PIPELINE_PARTITIONS: '1',
    SIMULATOR_EVENTS_PER_SECOND: '3000',
    SIMULATOR_SPIKE_PROBABILITY: '0',
    INGEST_STATUS_MS: '200',
    LOG_LEVEL: 'info',
  });
  const config = loadConfig(env);
  const sim = createSimulator({
    config: config.simulator,
    logger: createLogger({ level: 'silent', name: 'sim' }),
    registry: createRegistry('kill-sim'),
  });
  let simUrl = '';
  let r: RedisFixture;
  let temporal: TemporalFixture;
  const workers: ManagedProcess[] = [];

  function spawnWorker(n: number): ManagedProcess {
    const w = spawnWorkerProcess(`kill-worker-${config.temporal.taskQueue}-${n}`, env);
    workers.push(w);
    return w;
  }

  beforeAll(async () => {
    simUrl = (await sim.start()).url;
    r = redisFixture(config);
    temporal = await temporalFixture(config);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(5000)));
    await sim.stop();
    await temporal?.close();
    await r?.close();
  });

  test('ingestion resumes on a new worker with no gap after the restart', async () => {
    const name = uniqueId('kill');
    const input: FeedInput = {
      name,
      adapter: 'simulator',
      url: simUrl,
      heartbeatTimeoutMs: 2000,
    };
    const handle = await startWorkflow(temporal.client, ingestFeedWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: feedWorkflowId(name),
      args: [input],
    });
    const first = spawnWorker(1);
    const rawSeqs = async () => {
      const entries = (await r.redis.xrange(r.keys.partition(0).rawEvents, '-', '+')) as [
        string,
        string[],
      ][];
      return entries
        .map(([, f]) => decodeRaw(f))
        .filter((e) => e.feed === name)
        .map((e) => Number(e.sourceId));
    };
    await eventually(async () => (await rawSeqs()).length > 1000, 60_000, 'first worker ingesting');

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const lastBeforeKill = Math.max(...(await rawSeqs()));
    await eventually(
      () => Promise.resolve(sim.state().clients === 0),
      10_000,
      'socket closed by the kernel',
    );

    spawnWorker(2);
    await eventually(
      () => Promise.resolve(sim.state().clients === 1),
      60_000,
      'second worker connected',
    );
    await eventually(
      async () => (await rawSeqs()).filter((i) => i > lastBeforeKill).length > 2000,
      60_000,
      'second worker ingesting',
    );
    // Freeze the source, let the last flush land, then compare with what the server issued.
    sim.pause();
    const lastSent = sim.state().seq;
    await eventually(async () => Math.max(...(await rawSeqs())) === lastSent, 10_000, 'flushed');

    const after = (await rawSeqs()).filter((i) => i > lastBeforeKill);
    const firstAfter = after[0] ?? 0;
    // One connection, one global sequence: the new connection's events are one unbroken run.
    expect(after).toEqual(
      Array.from({ length: lastSent - firstAfter + 1 }, (_, k) => firstAfter + k),
    );
    const status = await handle.query(feedStatusQuery);
    expect(status.connected).toBe(true);

    await handle.signal(stopSignal);
    const final = await handle.result();
    expect(final.state).toBe('stopped');
  });
});
