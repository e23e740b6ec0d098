import { encodeRaw, encodeTick, type Redis } from '../lib/redis';
import { loadConfig } from '../lib/config';
import { normalizeRaw } from '../lib/domain';
import type { Keys } from '../lib/redis';

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

/** Loads `n` raw events into raw:events, pipelined in chunks. */
export async function preloadRaw(redis: Redis, keys: Keys, n: number): Promise<void> {
  let pipe = redis.pipeline();
  let i = 0;
  for (const payload of simulatorPayloads(n)) {
    pipe.xadd(
      keys.rawEvents,
      '*',
      ...encodeRaw({
        feed: 'bench',
        adapter: 'simulator',
        recvTs: 1,
        sourceId: String(++i),
        payload,
      }),
    );
    if (i % 5000 === 0) {
      await pipe.exec();
      pipe = redis.pipeline();
    }
  }
  await pipe.exec();
}

/** Loads `n` normalized ticks into normalized:events. */
export async function preloadNormalized(redis: Redis, keys: Keys, n: number): Promise<void> {
  const sectors = new Map<string, string>();
  const limits = loadConfig({}).normalize;
  let pipe = redis.pipeline();
  let i = 0;
  for (const payload of simulatorPayloads(n)) {
    const r = normalizeRaw(
      { feed: 'bench', adapter: 'simulator', recvTs: 1, sourceId: '', payload },
      { sectors, limits },
    );
    if (!r.ok) throw new Error(r.reason);
    pipe.xadd(keys.normalizedEvents, '*', ...encodeTick(r.tick, `0-${++i}`));
    if (i % 5000 === 0) {
      await pipe.exec();
      pipe = redis.pipeline();
    }
  }
  await pipe.exec();
}
