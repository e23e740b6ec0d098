/**
 * Deterministic market data shared by the fake providers: one seeded random walk per symbol
 * (independent of the order in which symbols are used), id counters, a monotonic clock.
 */
import { mulberry32 } from '../../../simulator/prng';

/** FNV-1a, 32 bits. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export type AssetClass = 'crypto' | 'stock';

const CRYPTO_BASE: Readonly<Record<string, number>> = {
  BTC: 37215.42,
  ETH: 2041.17,
  SOL: 56.31,
  BNB: 245.6,
  XRP: 0.6132,
  DOGE: 0.07521,
  ADA: 0.3771,
  LTC: 71.24,
  AVAX: 21.53,
  LINK: 14.27,
  DOT: 5.12,
};

const STOCK_BASE: Readonly<Record<string, number>> = {
  AAPL: 189.71,
  MSFT: 369.67,
  AMZN: 143.2,
  GOOGL: 135.43,
  NVDA: 488.88,
  TSLA: 237.41,
  META: 336.31,
  SPY: 448.73,
  QQQ: 386.2,
  JPM: 147.51,
  KO: 58.21,
  XOM: 104.3,
  IBM: 153.7,
};

/** Symbols a wildcard subscription (`*`) streams on the stock providers. */
export const STOCK_UNIVERSE: readonly string[] = ['AAPL', 'MSFT', 'AMZN', 'NVDA', 'SPY'];

const QUOTES = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'USD', 'EUR', 'BTC'];

/** Classifies `BTCUSDT`, `BTC-USD`, `BINANCE:BTCUSDT` (crypto) and `AAPL` (stock) and finds a base price. */
export function describeSymbol(symbol: string): { cls: AssetClass; price: number } {
  const hasVenue = symbol.includes(':');
  const bare = (hasVenue ? symbol.slice(symbol.indexOf(':') + 1) : symbol).toUpperCase();
  let base: string | undefined;
  let quote: string | undefined;
  if (bare.includes('-')) {
    [base, quote] = bare.split('-');
  } else {
    quote = QUOTES.find((q) => bare.endsWith(q) && bare.length > q.length);
    if (quote) base = bare.slice(0, -quote.length);
  }
  const fallback = 5 + (hashString(bare) % 49500) / 100;
  if (base !== undefined && (hasVenue || bare.includes('-') || base in CRYPTO_BASE)) {
    let price = CRYPTO_BASE[base] ?? fallback;
    if (quote === 'EUR') price *= 0.92;
    if (quote === 'BTC') price /= CRYPTO_BASE.BTC!;
    return { cls: 'crypto', price };
  }
  return { cls: 'stock', price: STOCK_BASE[bare] ?? fallback };
}

/** Volatility of one step of the walk (relative). */
const STEP_VOL = 0.0002;

/** One symbol: its own PRNG, best bid/ask in integer ticks, id counters. */
export class Instrument {
  readonly cls: AssetClass;
  /** Decimal places of a price tick. */
  readonly decimals: number;
  /** Best bid, in ticks. */
  bid: number;
  /** Ask minus bid, in ticks (>= 1). */
  spread: number;
  readonly open: number;
  low: number;
  high: number;
  volume = 0;
  readonly random: () => number;
  private readonly counters = new Map<string, number>();

  constructor(
    readonly symbol: string,
    private readonly seed: number,
  ) {
    this.random = mulberry32((seed ^ hashString(symbol)) >>> 0);
    const { cls, price } = describeSymbol(symbol);
    this.cls = cls;
    this.decimals = price >= 1 ? 2 : price >= 0.01 ? 4 : 6;
    this.bid = Math.max(1, Math.round(price * 10 ** this.decimals));
    this.spread = 1 + Math.floor(this.random() * 3);
    this.open = this.bid;
    this.low = this.bid;
    this.high = this.bid;
  }

  get ask(): number {
    return this.bid + this.spread;
  }

  /** Moves the book one random step. */
  step(): void {
    const sigma = Math.max(0.6, this.bid * STEP_VOL);
    this.bid = Math.max(1, this.bid + Math.round(this.normal() * sigma));
    if (this.random() < 0.2) this.spread = 1 + Math.floor(this.random() * 3);
    this.low = Math.min(this.low, this.bid);
    this.high = Math.max(this.high, this.ask);
  }

  /** A price in ticks as a number (e.g. 189.71). */
  num(ticks: number): number {
    return Number(this.str(ticks));
  }

  /** A price in ticks as a string with `decimals` places (the tick's own by default). */
  str(ticks: number, decimals = this.decimals): string {
    return (ticks / 10 ** this.decimals).toFixed(decimals);
  }

  /** A crypto quantity: lognormal notional around $2000, 5 decimals. */
  cryptoQty(): number {
    const notional = Math.exp(Math.log(2000) + this.normal() * 1.2);
    const qty = notional / (this.bid / 10 ** this.decimals);
    return Math.max(1, Math.round(qty * 1e5)) / 1e5;
  }

  /** A share count: mostly round lots, sometimes an odd lot. */
  shares(): number {
    return this.random() < 0.7
      ? 100 * (1 + Math.floor(this.random() * 5))
      : 1 + Math.floor(this.random() * 99);
  }

  /** Quote size in round lots. */
  lots(): number {
    return 1 + Math.floor(this.random() * 10);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  /**
   * Next value of a per-symbol counter: it starts somewhere in [min, min + span) (fixed by seed,
   * symbol and name), then rises by 1..maxStep.
   */
  next(name: string, min: number, span: number, maxStep = 1): number {
    const prev = this.counters.get(name);
    const value =
      prev === undefined
        ? this.startOf(name, min, span)
        : prev + 1 + Math.floor(this.random() * Math.max(0, maxStep - 1));
    this.counters.set(name, value);
    return value;
  }

  /** Current value of a counter (its start when never advanced, without advancing it). */
  peek(name: string, min: number, span: number): number {
    return this.counters.get(name) ?? this.startOf(name, min, span);
  }

  private startOf(name: string, min: number, span: number): number {
    return min + (((hashString(`${this.symbol}|${name}`) ^ this.seed) >>> 0) % span);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = Math.max(this.random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }
}

/** Wall-clock time that never goes back; nanoseconds strictly rise. */
export class Clock {
  private lastMs = 0;
  private lastNs = 0n;

  constructor(private readonly random: () => number) {}

  ms(): number {
    this.lastMs = Math.max(Date.now(), this.lastMs);
    return this.lastMs;
  }

  /** Strictly rising nanoseconds since the epoch, close to the wall clock. */
  ns(): bigint {
    const floor = BigInt(Date.now()) * 1_000_000n;
    const base = floor > this.lastNs ? floor : this.lastNs;
    this.lastNs = base + 1n + BigInt(Math.floor(this.random() * 20_000));
    return this.lastNs;
  }

  /** RFC 3339 UTC with `digits` fractional digits (6: Coinbase, 9: Alpaca). */
  static rfc3339(ns: bigint, digits: 6 | 9): string {
    const ms = Number(ns / 1_000_000n);
    const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').slice(0, digits);
    return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
  }
}

/** Everything one fake server generates from: instruments by symbol, a chooser PRNG, a clock. */
export class Market {
  readonly random: () => number;
  readonly clock: Clock;
  private readonly instruments = new Map<string, Instrument>();

  constructor(readonly seed: number) {
    this.random = mulberry32(seed >>> 0);
    this.clock = new Clock(mulberry32((seed ^ 0x9e3779b9) >>> 0));
  }

  get(symbol: string): Instrument {
    let inst = this.instruments.get(symbol);
    if (!inst) {
      inst = new Instrument(symbol, this.seed);
      this.instruments.set(symbol, inst);
    }
    return inst;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  /** 1..max inclusive. */
  count(max: number): number {
    return 1 + Math.floor(this.random() * max);
  }

  /** A random v4 UUID (deterministic). */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}
