import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { createTemporalClient, startFeed, startPipelines } from '../../../clients';
import { createLogger } from '../../../lib/logger';
import { entryTraceparent } from '../../../lib/redis';
import { startTracing, type Tracing } from '../../../lib/tracing';
import { startTestApi, type TestApi } from '../../support/api';
import { startOtlpReceiver, type ReceivedSpan } from '../../support/otlp-receiver';
import {
  redisFixture,
  temporalFixture,
  testConfig,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../../support/stack';
import { eventually, startTestWorker } from '../../support/temporal';

/** A provider speaking just enough of Binance's protocol: SUBSCRIBE, its ack, then our frames. */
async function fakeBinance() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  let client: WebSocket | undefined;
  const subscribed = new Promise<void>((resolve) => {
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const msg = JSON.parse((data as Buffer).toString('utf8')) as {
          method?: string;
          id?: unknown;
        };
        if (msg.method !== 'SUBSCRIBE') return;
        ws.send(JSON.stringify({ result: null, id: msg.id }));
        client = ws;
        resolve();
      });
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`,
    subscribed,
    send: (frame: string) => client?.send(frame),
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** A GraphQL-over-SSE subscription; `next` resolves with its first payload. */
async function subscribe(base: string, query: string, variables: Record<string, unknown>) {
  const ctrl = new AbortController();
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
    signal: ctrl.signal,
  });
  const next = (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      const m = /data:\s*(\{.*\})\n\n/.exec(buf);
      if (m)
        return JSON.parse(m[1]!) as {
          data?: { quoteUpdated?: { ticker: string; priceText: string } };
        };
    }
    throw new Error('subscription ended');
  })();
  return { next, close: () => ctrl.abort() };
}

const QUOTES = `subscription TraceQuotes($t: [String!]) { quoteUpdated(tickers: $t) { ticker priceText } }`;

describe('one event traced from the feed frame to the GraphQL subscription', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tracing: Tracing;
  let r: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let api: TestApi;
  let provider: Awaited<ReturnType<typeof fakeBinance>>;
  const workflowIds: string[] = [];
  let config: ReturnType<typeof testConfig>;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    config = testConfig({
      PIPELINE_PARTITIONS: '1',
      PIPELINE_BLOCK_MS: '100',
      PIPELINE_WORKFLOW_ID: uniqueId('pipeline'),
      INGEST_FLUSH_MS: '5',
      WORKER_SHUTDOWN_GRACE_MS: '2000',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'fin-line-test',
    });
    // Before the worker and the API: they look at tracingOn() when they are built.
    tracing = startTracing(config.tracing, {
      process: 'test',
      logger: createLogger({ level: 'warn', name: 'tracing-test' }),
    });
    r = redisFixture(config);
    temporal = await temporalFixture(config);
    worker = await startTestWorker(config, temporal, { tracing });
    api = await startTestApi(config);
    provider = await fakeBinance();
  });
  afterAll(async () => {
    for (const id of workflowIds)
      await temporal?.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    await api?.close();
    await worker?.stop();
    await provider?.close();
    await temporal?.close();
    await r?.close();
    await tracing?.shutdown();
    await receiver?.close();
  });

  it('links receive → send → normalize chunk → commit → cachepub chunk → pub/sub → delivery', async () => {
    expect(tracing.enabled).toBe(true);
    const sub = await subscribe(api.base, QUOTES, { t: ['BTCUSDT'] });
    await eventually(
      () => Promise.resolve(api.app.services.quotes.listenerCount > 0),
      10_000,
      'the subscription listening',
    );
    // Started through the traced client: the workflows' spans continue the start's trace.
    const client = createTemporalClient(temporal.client.connection, config.temporal.namespace);
    const feedName = uniqueId('traced');
    const feed = await startFeed(client, config, {
      name: feedName,
      adapter: 'binance',
      url: provider.url,
      symbols: ['BTCUSDT'],
    });
    workflowIds.push(feed.workflowId);
    for (const p of await startPipelines(client, config)) workflowIds.push(p.workflowId);
    await provider.subscribed;

    const now = Date.now();
    provider.send(
      JSON.stringify({
        e: 'trade',
        E: now,
        s: 'BTCUSDT',
        t: 1,
        p: '37000.10',
        q: '0.5',
        T: now,
        m: false,
        M: true,
      }),
    );
    const delivered = await sub.next;
    expect(delivered.data?.quoteUpdated).toEqual({ ticker: 'BTCUSDT', priceText: '37000.1' });
    sub.close();

    // The raw entry carries the producer span's context.
    const keys = r.keys.partition(0);
    const raws = (await r.redis.xrange(keys.rawEvents, '-', '+')) as [string, string[]][];
    expect(raws).toHaveLength(1);
    const [rawId, rawFields] = raws[0]!;
    const traceparent = entryTraceparent(rawFields);
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, traceId, sendSpanId] = traceparent!.split('-');

    const byName = (name: string, inTrace = traceId) =>
      receiver.spans.filter((s) => s.name === name && s.traceId === inTrace);
    const one = async (name: string, filter: (s: ReceivedSpan) => boolean = () => true) =>
      eventually(
        async () => {
          await tracing.flush();
          return byName(name).find(filter);
        },
        15_000,
        `span ${name}`,
      );

    const receive = await one(`receive ${feedName}`);
    const send = await one(`send ${keys.rawEvents}`);
    const normalize = await one(`process ${keys.rawEvents}`);
    const commit = await one('EVALSHA commitBatch', (s) => s.parentSpanId === normalize.spanId);
    const cachepub = await one(
      `process ${keys.normalizedEvents}`,
      (s) => s.attributes['fin_line.stage'] === 'cachepub',
    );
    const anomaly = await one(
      `process ${keys.normalizedEvents}`,
      (s) => s.attributes['fin_line.stage'] === 'anomaly',
    );
    const pubsub = await one(`process ${keys.quotesChannel}`);
    const deliver = await one('deliver quoteUpdated');

    // Parents: one trace from the frame to the subscriber.
    expect(receive.parentSpanId).toBeUndefined();
    expect(send.spanId).toBe(sendSpanId);
    expect(send.parentSpanId).toBe(receive.spanId);
    expect(normalize.parentSpanId).toBe(send.spanId);
    expect(commit.parentSpanId).toBe(normalize.spanId);
    expect(cachepub.parentSpanId).toBe(normalize.spanId);
    expect(anomaly.parentSpanId).toBe(normalize.spanId);
    expect(pubsub.parentSpanId).toBe(cachepub.spanId);
    expect(deliver.parentSpanId).toBe(pubsub.spanId);
    // Links: each chunk span links to the spans that wrote its sampled entries.
    expect(normalize.links).toEqual([{ traceId, spanId: send.spanId }]);
    expect(cachepub.links).toEqual([{ traceId, spanId: normalize.spanId }]);
    // Attributes from the semantic conventions, and the batch ids of the chunks.
    expect(send.attributes).toMatchObject({
      'messaging.system': 'redis',
      'messaging.operation.type': 'send',
      'messaging.destination.name': keys.rawEvents,
    });
    expect(normalize.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'normalize',
      'messaging.batch.message_count': 1,
      'fin_line.batch.id': `normalize-p0-${rawId}`,
      'fin_line.out': 1,
    });
    expect(commit.attributes).toMatchObject({ 'db.system': 'redis' });
    expect(receive.service).toBe('fin-line-test');
    // Every span of the trace ends after it starts, and the delivery after the frame.
    for (const s of [receive, send, normalize, commit, cachepub, anomaly, pubsub, deliver]) {
      expect(s.endNs).toBeGreaterThanOrEqual(s.startNs);
    }
    expect(deliver.startNs).toBeGreaterThan(receive.startNs);

    // The API: the subscription's HTTP request and GraphQL operation.
    const op = await eventually(
      async () => {
        await tracing.flush();
        return receiver.spans.find((s) => s.name === 'subscription TraceQuotes');
      },
      15_000,
      'the subscription operation span',
    );
    expect(op.attributes).toMatchObject({
      'graphql.operation.name': 'TraceQuotes',
      'graphql.operation.type': 'subscription',
    });
    const http = receiver.spans.find((s) => s.spanId === op.parentSpanId);
    expect(http?.name).toBe('POST /graphql');

    // Temporal: the traced client's start of the pipeline continues in the workflow (its
    // spans leave the sandbox through the worker's sink) and in the activity it schedules;
    // the API's Temporal calls are children of the GraphQL operation that made them.
    const names = () => [...new Set(receiver.spans.map((s) => s.name))].sort().join(', ');
    const find = (what: string, pick: (s: ReceivedSpan) => boolean) =>
      eventually(
        async () => {
          await tracing.flush();
          return receiver.spans.find(pick);
        },
        15_000,
        `${what} (spans: ${names()})`,
      );
    const start = await find('StartWorkflow:pipeline', (s) => s.name === 'StartWorkflow:pipeline');
    const schedule = await find(
      'StartActivity:ensureGroups',
      (s) => s.name === 'StartActivity:ensureGroups' && s.traceId === start.traceId,
    );
    await find(
      'RunActivity:ensureGroups',
      (s) => s.name === 'RunActivity:ensureGroups' && s.parentSpanId === schedule.spanId,
    );
    const res = await api.gql(
      'query TracePipeline { pipeline { partitions { stages { stage } } } }',
    );
    expect(res.body.errors).toBeUndefined();
    const gqlOp = await find('query TracePipeline', (s) => s.name === 'query TracePipeline');
    await find(
      'QueryWorkflow',
      (s) => s.name.startsWith('QueryWorkflow:') && s.parentSpanId === gqlOp.spanId,
    );
    await find('HGETALL', (s) => s.name === 'HGETALL' && s.attributes['db.system'] === 'redis');
  }, 90_000);
});
