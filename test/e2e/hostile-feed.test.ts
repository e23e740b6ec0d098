import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { startFeed, startWorkflow } from '../../clients';
import { pipelineWorkflow } from '../../contract';
import { decodeDeadLetter, decodeLatestQuote } from '../../lib/redis';
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
 * A hostile provider: a WebSocket server of the test's own that speaks just enough of
 * Binance's protocol (SUBSCRIBE, its ack) and then sends what the test gives it. Its frames go
 * through the real ingestFeed workflow and the real pipeline.
 */
async function hostileBinance(): Promise<{
  url: string;
  subscribed: Promise<void>;
  send(frames: readonly string[]): void;
  close(): Promise<void>;
}> {
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
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    subscribed,
    send(frames) {
      for (const f of frames) client?.send(f);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

const RULE = '(must be 1-32 characters of A-Z a-z 0-9 . : / _ - without "..")';
const BIG = '99999999999999999999999999999999999999.12';

describe('a hostile feed through ingestFeed and the pipeline', () => {
  const config = testConfig({
    // One partition: the hostile symbols would otherwise route to every partition's streams.
    PIPELINE_PARTITIONS: '1',
    PIPELINE_BLOCK_MS: '100',
    INGEST_FLUSH_MS: '5',
    WORKER_SHUTDOWN_GRACE_MS: '2000',
  });
  let r: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let provider: Awaited<ReturnType<typeof hostileBinance>>;
  const workflowIds: string[] = [];

  beforeAll(async () => {
    r = redisFixture(config);
    temporal = await temporalFixture(config);
    worker = await startTestWorker(config, temporal);
    provider = await hostileBinance();
  });
  afterAll(async () => {
    for (const id of workflowIds)
      await temporal?.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    await worker?.stop();
    await provider?.close();
    await temporal?.close();
    await r?.close();
  });

  it('dead-letters every hostile event with its reason; quotes and anomalies stay clean', async () => {
    const now = Date.now();
    let tradeId = 1;
    const trade = (s: string, p: string, q = '0.5') =>
      JSON.stringify({ e: 'trade', E: now, s, t: tradeId++, p, q, T: now, m: false, M: true });
    const good = (p: string) => trade('BTCUSDT', p);

    // Good trades around the hostile ones: a price of 10^38 that got through would be a price jump.
    const before = ['37000.10', '37000.20', '37000.30'].map(good);
    const hostile: [string, string][] = [
      [trade('*', '1.5'), `invalid symbol s: "*" ${RULE}`],
      [trade('QUOTES:LATEST:*', '1.5'), `invalid symbol s: "QUOTES:LATEST:*" ${RULE}`],
      [trade('../../ETC', '1.5'), `invalid symbol s: "../../ETC" ${RULE}`],
      [trade('BTCUSDT\u0000', '1.5'), `invalid symbol s: "BTCUSDT\\u0000" ${RULE}`],
      [trade('ÄÖÜ😀', '1.5'), `invalid symbol s: "ÄÖÜ😀" ${RULE}`],
      [trade('X'.repeat(10_000), '1.5'), `invalid symbol s: "${'X'.repeat(59)}… ${RULE}`],
      [good(BIG), `invalid price: "${BIG}" (above the maximum 1000000000000000)`],
      [good('NaN'), 'invalid price p: "NaN"'],
      [good('Infinity'), 'invalid price p: "Infinity"'],
      [good('-1'), 'invalid price p: "-1" (must be positive)'],
      [good('0'), 'invalid price p: "0" (must be positive)'],
      [trade('BTCUSDT', '37000.40', '-1'), 'invalid size q: "-1" (must not be negative)'],
      [
        JSON.stringify({
          u: 77,
          s: 'BTCUSDT',
          b: '37000',
          B: '1',
          a: '99999999999999999999',
          A: '1',
        }),
        'invalid ask: "99999999999999999999" (above the maximum 1000000000000000)',
      ],
    ];
    const after = ['37000.50', '37000.60'].map(good);

    const name = uniqueId('hostile');
    const feed = await startFeed(temporal.client, config, {
      name,
      adapter: 'binance',
      url: provider.url,
      symbols: ['BTCUSDT'],
    });
    workflowIds.push(feed.workflowId);
    const pipelineId = uniqueId('pipeline');
    await startWorkflow(temporal.client, pipelineWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: pipelineId,
      args: [{ normalizeSlots: 1 }],
    });
    workflowIds.push(pipelineId);
    await provider.subscribed;
    provider.send([...before, ...hostile.map(([f]) => f), ...after]);

    const total = before.length + hostile.length + after.length;
    const { redis } = r;
    const keys = r.keys.partition(0);
    const stats = await eventually(
      async () => {
        const s = await redis.hgetall(keys.pipelineStats);
        return Number(s['normalize:in']) === total && s;
      },
      30_000,
      'every event normalized',
    );
    expect(Number(stats['normalize:dead_letter'])).toBe(hostile.length);
    expect(Number(stats['normalize:duplicate'] ?? 0)).toBe(0);

    // Each dead letter: its reason, the provider's text as sent, the feed.
    const letters = ((await redis.xrange(keys.deadLetters, '-', '+')) as [string, string[]][]).map(
      ([, f]) => decodeDeadLetter(f),
    );
    expect(letters.map((l) => [l.payload, l.reason])).toEqual(hostile);
    expect(letters.every((l) => l.feed === name && l.adapter === 'binance')).toBe(true);

    // Quotes: one ticker, its last good price; no key was built from a hostile symbol.
    await eventually(
      async () => decodeLatestQuote(await redis.hgetall(keys.latestQuote('BTCUSDT')))?.price,
      20_000,
      'the latest quote',
    ).then(async () =>
      eventually(
        async () =>
          decodeLatestQuote(await redis.hgetall(keys.latestQuote('BTCUSDT')))?.price === '37000.6',
        20_000,
        'the last good price cached',
      ),
    );
    expect(await redis.smembers(keys.quoteTickers)).toEqual(['BTCUSDT']);
    const all = await redis.keys(`${r.keys.prefix}*`);
    const quoteKeys = all.filter((k) => k.startsWith(keys.latestQuote('')));
    expect(quoteKeys).toEqual([keys.latestQuote('BTCUSDT')]);
    for (const k of all) expect(k).toMatch(/^[\x21-\x7e]{1,120}$/);

    // Anomalies: the anomaly stage saw the five good trades and nothing else.
    await eventually(
      async () => {
        const groups = (await redis.xinfo('GROUPS', keys.normalizedEvents)) as unknown[][];
        const anomaly = groups.map(toRecord).find((g) => g.name === 'anomaly');
        return anomaly !== undefined && Number(anomaly.lag) === 0 && Number(anomaly.pending) === 0;
      },
      20_000,
      'the anomaly stage caught up',
    );
    expect(await redis.xlen(keys.normalizedEvents)).toBe(before.length + after.length);
    expect(await redis.xlen(keys.anomalies)).toBe(0);
  });
});

function toRecord(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}
