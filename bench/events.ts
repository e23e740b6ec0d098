import { encodeRaw, encodeTick, type Redis } from '../lib/redis';
import { loadConfig } from '../lib/config';
import { normalizeRaw } from '../lib/domain';
import type { Keys, PartitionKeys } from '../lib/redis';

const TICKERS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'JPM', 'XOM', 'KO', 'PFE', 'BA', 'NFLX'];

/** Simulator-format payloads: a deterministic walk over 10 tickers, 40% trades. */
export function* simulatorPayloads(n: number): Generator<string> {
  const prices = TICKERS.map((_, i) => 50 + i * 25);
  let x = 12345;
  const rnd = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < n; i++) {
    const k = i % TICKERS.length;
    prices[k] = Math.max(1, Math.round(prices[k]! * (1 + (rnd() - 0.5) * 0.002) * 100) / 100);
    const p = prices[k];
    const t = 1_700_000_000_000 + i;
    yield rnd() < 0.4
      ? `{"T":"t","S":"${TICKERS[k]}","p":${p},"s":${1 + (i % 300)},"t":${t},"i":${i + 1}}`
      : `{"T":"q","S":"${TICKERS[k]}","bp":${(p - 0.01).toFixed(2)},"bs":3,"ap":${(p + 0.01).toFixed(2)},"as":4,"t":${t},"i":${i + 1}}`;
  }
}

/** The ticker of a simulator payload (its `S`). */
function tickerOf(payload: string): string {
  return (JSON.parse(payload) as { S: string }).S;
}

/**
 * Loads items into the stream of each one's partition, pipelined per partition (a cluster
 * pipeline keeps to one slot) in chunks.
 */
async function loadPartitioned<T>(
  redis: Redis,
  keys: Keys,
  items: Iterable<T>,
  route: (item: T) => string,
  write: (pipe: ReturnType<Redis['pipeline']>, pk: PartitionKeys, item: T) => void,
): Promise<void> {
  const pipes = keys.all.map(() => ({ pipe: redis.pipeline(), queued: 0 }));
  for (const item of items) {
    const pk = keys.forTicker(route(item));
    const p = pipes[pk.partition]!;
    write(p.pipe, pk, item);
    if (++p.queued === 5000) {
      await p.pipe.exec();
      p.pipe = redis.pipeline();
      p.queued = 0;
    }
  }
  for (const p of pipes) if (p.queued > 0) await p.pipe.exec();
}

/** Loads `n` raw events into the raw streams of their tickers' partitions. */
export async function preloadRaw(redis: Redis, keys: Keys, n: number): Promise<void> {
  let i = 0;
  await loadPartitioned(redis, keys, simulatorPayloads(n), tickerOf, (pipe, pk, payload) =>
    pipe.xadd(
      pk.rawEvents,
      '*',
      ...encodeRaw({
        feed: 'bench',
        adapter: 'simulator',
        recvTs: 1,
        sourceId: String(++i),
        payload,
      }),
    ),
  );
}

/** Loads `n` normalized ticks into the normalized streams of their tickers' partitions. */
export async function preloadNormalized(redis: Redis, keys: Keys, n: number): Promise<void> {
  const sectors = new Map<string, string>();
  const limits = loadConfig({}).normalize;
  let i = 0;
  await loadPartitioned(redis, keys, simulatorPayloads(n), tickerOf, (pipe, pk, payload) => {
    const r = normalizeRaw(
      { feed: 'bench', adapter: 'simulator', recvTs: 1, sourceId: '', payload },
      { sectors, limits },
    );
    if (!r.ok) throw new Error(r.reason);
    pipe.xadd(pk.normalizedEvents, '*', ...encodeTick(r.tick, `0-${++i}`));
  });
}
