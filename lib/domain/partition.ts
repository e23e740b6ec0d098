/**
 * Which partition an instrument's events live in. A partition is one hash-tagged set of
 * Redis keys (one slot of a Redis Cluster) and one pipeline workflow; every venue of a ticker
 * maps to the same partition, so the ticker's consolidated quote and its venues' windows are
 * written by one commit.
 *
 * The function is jump consistent hash (Lamping & Veach, 2014) over the FNV-1a 64-bit hash of
 * the canonical ticker: stable across processes and releases, and going from P to P + 1
 * partitions moves only about 1/(P + 1) of the tickers (what a repartition has to copy).
 */

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const LCG = 2862933555777941757n;

function fnv1a64(text: string): bigint {
  let h = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK;
  }
  return h;
}

/** Jump consistent hash: the bucket of `key` among `buckets`. */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key;
  while (j < buckets) {
    b = j;
    k = (k * LCG + 1n) & MASK;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

// Tickers are few (thousands) and hot: the BigInt arithmetic runs once per ticker and count.
const memo = new Map<number, Map<string, number>>();
const MEMO_LIMIT = 100_000;

/** The partition (0..partitions-1) of a canonical ticker. */
export function partitionOf(ticker: string, partitions: number): number {
  if (partitions <= 1) return 0;
  let m = memo.get(partitions);
  if (!m) memo.set(partitions, (m = new Map<string, number>()));
  let p = m.get(ticker);
  if (p === undefined) {
    p = jumpHash(fnv1a64(ticker), partitions);
    if (m.size >= MEMO_LIMIT) m.clear();
    m.set(ticker, p);
  }
  return p;
}

/**
 * A source instrument: one ticker as one feed (venue) reports it. Anomaly windows and
 * per-venue quotes are kept per instrument, so two venues' prices never meet in one window.
 * `@` appears in neither feed names nor tickers.
 */
export function instrumentId(ticker: string, feed: string): string {
  return `${ticker}@${feed}`;
}

/** The ticker and feed of an {@link instrumentId}. */
export function parseInstrumentId(id: string): { ticker: string; feed: string } {
  const at = id.lastIndexOf('@');
  return at < 0 ? { ticker: id, feed: '' } : { ticker: id.slice(0, at), feed: id.slice(at + 1) };
}
