import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { createLogger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import { decodeRaw } from '../../lib/redis';
import { createSimulator } from '../../simulator';
import { startWorkflow } from '../../clients';
import {
  feedStatusQuery,
  feedWorkflowId,
  ingestFeedWorkflow,
  pauseSignal,
  resumeSignal,
  setSymbolsUpdate,
  stopSignal,
  type FeedInput,
  type FeedStatus,
} from '../../contract';
import {
  redisFixture,
  temporalFixture,
  testConfig,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';

/**
 * The ingestFeed workflow on the real stack, against the market simulator's WebSocket:
 * operator controls, reconnects, silence, malformed frames and backpressure.
 */
describe('ingestFeed workflow (simulator feed)', () => {
  const config = testConfig({
    // One partition: these checks read the raw stream in ingest order (partitions split it).
    PIPELINE_PARTITIONS: '1',
    SIMULATOR_EVENTS_PER_SECOND: '2000',
    SIMULATOR_SPIKE_PROBABILITY: '0',
    INGEST_STATUS_MS: '200',
    INGEST_HEARTBEAT_MS: '200',
    INGEST_RECONNECT_BASE_MS: '50',
    INGEST_RECONNECT_MAX_MS: '200',
    INGEST_MAX_LAG: '3000',
    INGEST_LAG_CHECK_MS: '50',
    WORKER_SHUTDOWN_GRACE_MS: '2000',
  });
  const logger = createLogger({ level: 'silent', name: 'ingest-test' });
  const sim = createSimulator({ config: config.simulator, logger, registry: createRegistry('s') });
  let url = '';
  let r: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  beforeAll(async () => {
    url = (await sim.start()).url;
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

  async function start(input: Partial<FeedInput> = {}) {
    const name = uniqueId('feed');
    const feed: FeedInput = {
      name,
      adapter: 'simulator',
      url,
      heartbeatTimeoutMs: 2000,
      ...input,
    };
    const handle = await startWorkflow(temporal.client, ingestFeedWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: feedWorkflowId(`${name}`),
      args: [feed],
    });
    const status = () => handle.query(feedStatusQuery);
    return { handle, status, name };
  }

  /** Raw events of one feed, oldest first. */
  async function rawOf(feed: string) {
    const entries = (await r.redis.xrange(r.keys.partition(0).rawEvents, '-', '+')) as [
      string,
      string[],
    ][];
    return entries.map(([, f]) => decodeRaw(f)).filter((e) => e.feed === feed);
  }

  test('pause, resume, setSymbols and stop; totals equal what reached raw:events', async () => {
    const { handle, status, name } = await start({ symbols: ['AAPL', 'MSFT'] });
    await eventually(async () => (await status()).eventsTotal > 200, 20_000, 'events');
    const s1 = await status();
    expect(s1).toMatchObject({
      name,
      state: 'running',
      connected: true,
      symbols: ['AAPL', 'MSFT'],
    });
    expect(s1.messagesPerSecond).toBeGreaterThan(0);
    expect(Date.parse(s1.lastMessageAt ?? '')).toBeGreaterThan(Date.now() - 10_000);
    const tickers = new Set(
      (await rawOf(name)).map((e) => (JSON.parse(e.payload) as { S: string }).S),
    );
    expect([...tickers].sort()).toEqual(['AAPL', 'MSFT']);

    await handle.signal(pauseSignal);
    await eventually(
      async () => {
        const s = await status();
        return s.state === 'paused' && !s.connected;
      },
      20_000,
      'paused',
    );
    const whilePaused = (await rawOf(name)).length;
    await new Promise((res) => setTimeout(res, 800));
    expect((await rawOf(name)).length).toBe(whilePaused);

    await handle.signal(resumeSignal);
    await eventually(async () => (await rawOf(name)).length > whilePaused + 100, 20_000, 'resumed');

    await expect(
      handle.executeUpdate(setSymbolsUpdate, { args: [['not a symbol!']] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect(await handle.executeUpdate(setSymbolsUpdate, { args: [['NVDA']] })).toEqual(['NVDA']);
    await eventually(
      async () => {
        const tail = (await rawOf(name)).slice(-50);
        return (
          tail.length === 50 &&
          tail.every((e) => (JSON.parse(e.payload) as { S: string }).S === 'NVDA')
        );
      },
      20_000,
      'only NVDA after setSymbols',
    );

    await handle.signal(stopSignal);
    const final: FeedStatus = await handle.result();
    expect(final.state).toBe('stopped');
    expect(final.symbols).toEqual(['NVDA']);
    // Every event the feed counted is in the stream, and nothing else of this feed.
    expect(final.eventsTotal).toBe((await rawOf(name)).length);
    expect(final.runs).toBeGreaterThanOrEqual(3);
  });

  test('reconnects after a server-side disconnect and after silence; keeps malformed frames', async () => {
    const { handle, status, name } = await start({ silenceMs: 700 });
    await eventually(async () => (await status()).eventsTotal > 50, 20_000, 'events');
    // No symbols given: the provider's default (everything), shown as an empty list.
    expect((await status()).symbols).toEqual([]);

    sim.disconnectAll();
    await eventually(async () => (await status()).reconnectsTotal >= 1, 20_000, 'reconnect');
    const before = (await status()).eventsTotal;
    await eventually(async () => (await status()).eventsTotal > before + 50, 20_000, 'data again');

    sim.pause();
    try {
      await eventually(
        async () => (await status()).lastError?.startsWith('silent for') === true,
        20_000,
        'silence detected',
      );
    } finally {
      sim.resume();
    }
    await eventually(async () => (await status()).connected, 20_000, 'connected again');

    sim.sendRaw('[{"T":"t","S":"AAPL", broken');
    const bad = await eventually(
      async () => (await rawOf(name)).find((e) => e.parseError !== undefined),
      20_000,
      'malformed frame stored',
    );
    expect(bad.payload).toBe('[{"T":"t","S":"AAPL", broken');
    expect(bad.parseError).toMatch(/JSON/);
    await eventually(async () => (await status()).parseErrorsTotal === 1, 20_000, 'counted');

    await handle.signal(stopSignal);
    await handle.result();
  });

  test('stops reading while the normalize group lags, resumes when it catches up', async () => {
    // As the pipeline creates it (ensureGroup): from the start, so Redis can count the lag.
    await r.redis.xgroup('CREATE', r.keys.partition(0).rawEvents, 'normalize', '0', 'MKSTREAM');
    sim.setRate(20_000);
    const { handle, status } = await start();
    try {
      const throttled = await eventually(
        async () => {
          const s = await status();
          return s.throttled ? s : undefined;
        },
        20_000,
        'throttled',
      );
      expect(throttled.lag).toBeGreaterThanOrEqual(config.ingest.maxLag);
      const len1 = await r.redis.xlen(r.keys.partition(0).rawEvents);
      await new Promise((res) => setTimeout(res, 1000));
      const len2 = await r.redis.xlen(r.keys.partition(0).rawEvents);
      // Held: what was in flight when the lag was seen lands, then nothing.
      expect(len2 - len1).toBeLessThan(config.ingest.maxLag);
      expect((await status()).throttled).toBe(true);

      // The pipeline catches up: it keeps delivering everything to the group (what the socket
      // held floods in when reading resumes), and the status follows the lag, not only at the
      // throttle's edges.
      sim.setRate(200);
      const consumeAll = () =>
        r.redis.xreadgroup(
          'GROUP',
          'normalize',
          'c',
          'COUNT',
          1_000_000,
          'STREAMS',
          r.keys.partition(0).rawEvents,
          '>',
        );
      await eventually(
        async () => {
          await consumeAll();
          const s = await status();
          return !s.throttled && s.lag !== null && s.lag < config.ingest.maxLag / 2;
        },
        20_000,
        'lag reported after catching up',
      );
      await eventually(
        async () => (await r.redis.xlen(r.keys.partition(0).rawEvents)) > len2 + 50,
        20_000,
        'flowing',
      );
    } finally {
      sim.setRate(config.simulator.eventsPerSecond);
      await handle.signal(stopSignal);
      await handle.result();
      await r.redis.xgroup('DESTROY', r.keys.partition(0).rawEvents, 'normalize');
    }
  });

  test('a feed with credentials it cannot find fails at once with the reason', async () => {
    const { handle } = await start({ auth: 'missing' });
    const err: unknown = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String((err as WorkflowFailedError).cause?.message)).toMatch(
      /no credential set "missing" in FEED_CREDENTIALS/,
    );
  });
});
