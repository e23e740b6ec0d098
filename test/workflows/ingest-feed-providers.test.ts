import { WorkflowFailedError } from '@temporalio/client';
import { findAdapter } from '../../lib/domain';
import { decodeRaw } from '../../lib/redis';
import { startWorkflow } from '../../clients';
import {
  feedStatusQuery,
  feedWorkflowId,
  ingestFeedWorkflow,
  stopSignal,
  type FeedInput,
} from '../../contract';
import {
  startFakeProvider,
  startFakeRest,
  type FakeProvider,
  type ProviderKind,
} from '../support/providers';
import {
  redisFixture,
  temporalFixture,
  testConfig,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';

const CREDENTIALS = {
  finnhub: { token: 'fh-token' },
  alpaca: { key: 'ak', secret: 'as' },
  polygon: { key: 'pk' },
  wrong: { key: 'nope', secret: 'nope', token: 'nope' },
};

/**
 * ingestFeed against local servers speaking each provider's protocol: handshake, auth and
 * subscribe; every data event the server sent stored exactly once; control frames not stored;
 * malformed frames kept; server-side disconnects and silence survived; refused credentials
 * failing the workflow with the reason.
 */
describe('ingestFeed against each provider protocol', () => {
  const config = testConfig({
    // One partition: these checks read the raw stream in ingest order (partitions split it).
    PIPELINE_PARTITIONS: '1',
    FEED_CREDENTIALS: JSON.stringify(CREDENTIALS),
    INGEST_STATUS_MS: '200',
    INGEST_RECONNECT_BASE_MS: '20',
    INGEST_RECONNECT_MAX_MS: '100',
    WORKER_SHUTDOWN_GRACE_MS: '2000',
  });
  let r: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const providers: FakeProvider[] = [];

  beforeAll(async () => {
    r = redisFixture(config);
    temporal = await temporalFixture(config);
    worker = await startTestWorker(config, temporal);
  });
  afterAll(async () => {
    await worker?.stop();
    await Promise.all(providers.map((p) => p.close()));
    await temporal?.close();
    await r?.close();
  });

  async function startFeed(input: Omit<FeedInput, 'name'>) {
    const name = uniqueId(input.adapter);
    const handle = await startWorkflow(temporal.client, ingestFeedWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: feedWorkflowId(name),
      args: [{ name, heartbeatTimeoutMs: 2000, ...input }],
    });
    return { name, handle, status: () => handle.query(feedStatusQuery) };
  }

  async function rawOf(feed: string) {
    const entries = (await r.redis.xrange(r.keys.partition(0).rawEvents, '-', '+')) as [
      string,
      string[],
    ][];
    return entries.map(([, f]) => decodeRaw(f)).filter((e) => e.feed === feed);
  }

  const cases: { kind: ProviderKind; symbols: string[]; auth?: keyof typeof CREDENTIALS }[] = [
    { kind: 'binance', symbols: ['BTCUSDT', 'ETHUSDT'] },
    { kind: 'coinbase', symbols: ['BTC-USD', 'ETH-USD'] },
    { kind: 'finnhub', symbols: ['AAPL', 'BINANCE:BTCUSDT'], auth: 'finnhub' },
    { kind: 'alpaca', symbols: ['AAPL', 'MSFT'], auth: 'alpaca' },
    { kind: 'polygon', symbols: ['MSFT', 'AAPL'], auth: 'polygon' },
  ];

  test.each(cases)(
    '$kind: every event sent is stored once, through a disconnect and a silence',
    async ({ kind, symbols, auth }) => {
      const provider = await startFakeProvider(kind, {
        credentials: auth ? CREDENTIALS[auth] : undefined,
        framesPerSecond: 50,
        // Pings and heartbeats under the silence bound: only setSilent makes the feed quiet.
        keepaliveMs: 500,
      });
      providers.push(provider);
      const adapter = findAdapter(kind)!;
      const { name, handle, status } = await startFeed({
        adapter: kind,
        url: provider.url,
        symbols,
        auth,
        silenceMs: 1500,
      });
      await provider.waitForConnections(1, { subscribed: true, timeoutMs: 20_000 });
      await eventually(async () => (await status()).eventsTotal > 20, 20_000, 'events');

      provider.sendRaw('{"broken');
      const bad = await eventually(
        async () => (await rawOf(name)).find((e) => e.parseError !== undefined),
        20_000,
        'malformed frame kept',
      );
      expect(bad.payload).toBe('{"broken');

      provider.disconnectAll();
      await provider.waitForConnections(2, { subscribed: true, timeoutMs: 20_000 });
      provider.setSilent(true);
      await eventually(
        async () => (await status()).lastError?.startsWith('silent for') === true,
        20_000,
        'silence noticed',
      );
      provider.setSilent(false);
      await provider.waitForConnections(3, { subscribed: true, timeoutMs: 20_000 });
      provider.stopStreaming();
      provider.emitFrames(5);
      const sentIds = provider.sent
        .filter((f) => f.data && f.text !== '{"broken')
        .flatMap((f) => adapter.parseFrame(f.text).events.map((e) => e.sourceId));
      expect(sentIds.length).toBeGreaterThan(20);
      expect(sentIds.every((id) => id !== '')).toBe(true);
      await eventually(
        async () => (await rawOf(name)).length === sentIds.length + 1,
        20_000,
        'the last frames stored',
      );
      await handle.signal(stopSignal);
      const final = await handle.result();

      const stored = (await rawOf(name)).filter((e) => e.parseError === undefined);
      expect(stored.map((e) => e.sourceId)).toEqual(sentIds);
      expect(stored.every((e) => e.adapter === kind)).toBe(true);
      // Control frames (acks, status, pings, heartbeats) were seen but not stored.
      expect(provider.sent.some((f) => !f.data)).toBe(true);
      expect(final.reconnectsTotal).toBeGreaterThanOrEqual(2);
      expect(final.parseErrorsTotal).toBe(1);
      expect(final.eventsTotal).toBe(sentIds.length + 1);
    },
  );

  test.each(['finnhub', 'alpaca', 'polygon'] as const)(
    '%s: refused credentials fail the feed with the reason, without retrying',
    async (kind) => {
      const provider = await startFakeProvider(kind, { credentials: CREDENTIALS[kind] });
      providers.push(provider);
      const { handle } = await startFeed({
        adapter: kind,
        url: provider.url,
        symbols: ['AAPL'],
        auth: 'wrong',
      });
      const err: unknown = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause?.message).toMatch(/auth|401/i);
      // One attempt (Finnhub refuses at the handshake, before a connection exists).
      expect(provider.connections.length).toBeLessThanOrEqual(1);
    },
  );

  test('http-poll: polls REST tickers, backs off on errors and recovers', async () => {
    const rest = await startFakeRest({ symbols: ['BTCUSDT', 'ETHUSDT'] });
    try {
      const { name, handle, status } = await startFeed({
        adapter: 'http-poll',
        url: `${rest.url}/api/v3/ticker/bookTicker?symbol={symbol}`,
        symbols: ['BTCUSDT', 'ETHUSDT'],
        pollIntervalMs: 50,
      });
      await eventually(async () => (await status()).eventsTotal >= 6, 20_000, 'polled events');
      const events = await rawOf(name);
      const tickers = new Set(events.map((e) => e.sourceId.slice(1).split('|')[0]));
      expect([...tickers].sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
      for (const e of events) {
        const n = findAdapter('http-poll')!.normalize(e.payload, {
          feed: name,
          sectors: new Map(),
          recvTs: e.recvTs,
        });
        expect(n.ok).toBe(true);
      }

      rest.setFailing(500);
      await eventually(
        async () => (await status()).lastError?.includes('HTTP 500') === true,
        20_000,
        'failure reported',
      );
      const failedAt = (await status()).eventsTotal;
      expect((await status()).reconnectsTotal).toBeGreaterThan(0);
      rest.setFailing(undefined);
      await eventually(
        async () => (await status()).eventsTotal > failedAt + 4,
        20_000,
        'polling again',
      );
      await handle.signal(stopSignal);
      expect((await handle.result()).state).toBe('stopped');
    } finally {
      await rest.close();
    }
  });
});
