import { canonicalDecimal, midPrice } from '../lib/domain/decimal';
import type { EventKind } from '../lib/domain/types';
import { mulberry32 } from './prng';
import type { TickerSpec } from './universe';

/**
 * The simulated market: a seeded geometric random walk per ticker that writes simulator-feed
 * messages (see lib/domain/adapters/simulator.ts). Pure: no I/O, time comes in as `now`, and
 * one seed always gives the same tape.
 *
 * Prices are held in integer cents so that every emitted price sits on the 0.01 tick and
 * prints as a short decimal (`cents / 100` is the double nearest that decimal, and
 * Number#toString prints it back exactly). The message JSON is built with template strings
 * because JSON.stringify per event would be most of the simulator's CPU at full rate.
 */

/** Options of {@link Market}. */
export interface MarketOptions {
  readonly tickers: readonly TickerSpec[];
  readonly seed: number;
  /** Probability that a trade jumps by ±spikePct %. */
  readonly spikeProbability: number;
  readonly spikePct: number;
  /**
   * Share of events that are trades; the rest are quotes.
   * @defaultValue 0.4
   */
  readonly tradeRatio?: number;
  /**
   * Sequence number of the first event; later ones count up by one. A process that may be
   * restarted passes {@link timeBasedFirstSeq} so that it never issues an id twice.
   * @defaultValue 1
   */
  readonly firstSeq?: number;
}

/** Sequence numbers a time-based start leaves per millisecond of run time. */
export const SEQ_PER_MS = 1000;

/**
 * A first sequence number above every one issued by an earlier run of the same simulator:
 * `nowMs × 1000 + 1`. An earlier run that started `d` ms before issued fewer than `d × 1000`
 * numbers unless it averaged a million events per second, so restarts (same seed, same
 * tape) never reuse an id and the pipeline's de-duplication drops nothing genuine. Safe
 * integers until the year 2255.
 */
export function timeBasedFirstSeq(nowMs: number): number {
  return Math.floor(nowMs) * SEQ_PER_MS + 1;
}

/** One generated message. */
export interface GeneratedEvent {
  readonly ticker: string;
  readonly kind: EventKind;
  /** The message's JSON text, one element of a frame's array. */
  readonly text: string;
}

/** The last event emitted for a ticker, in the form the pipeline will normalize it to. */
export interface LastSent {
  readonly kind: EventKind;
  /** Trade price, or the quote's mid price; canonical decimal text. */
  readonly price: string;
  readonly bid?: string;
  readonly ask?: string;
  readonly seq: number;
  readonly t: number;
}

/** What {@link Market.requestSpike} scheduled. */
export interface SpikeRequest {
  readonly ticker: string;
  readonly from: string;
  readonly to: string;
}

/** One ticker's view in {@link Market.snapshot}. */
export interface TickerSnapshot {
  /** The last event emitted for it, null before the first. */
  readonly lastSent: LastSent | null;
  /** Its current price on the tick, canonical decimal text (includes a spike not yet emitted). */
  readonly price: string;
}

/** Counts since the market was built. */
export interface MarketStats {
  readonly trades: number;
  readonly quotes: number;
  readonly spikes: number;
}

const NONE = 0;
const TRADE = 1;
const QUOTE = 2;

interface TickerState {
  readonly spec: TickerSpec;
  /** Unrounded walk level in dollars; cheap tickers would stick on one tick if it were rounded. */
  level: number;
  readonly tradeHead: string;
  readonly quoteHead: string;
  /** Cents of a requested spike not yet emitted, 0 when none. */
  pendingSpike: number;
  lastKind: number;
  lastPrice: number;
  lastBid: number;
  lastAsk: number;
  lastSeq: number;
  lastT: number;
}

/** Relative quote spread around the price; at least one tick. */
const SPREAD = 0.0001;

/** Walk bounds in dollars: one tick keeps prices positive; the ceiling keeps them plain decimals. */
const MIN_LEVEL = 0.01;
const MAX_LEVEL = 1e9;

function clampLevel(dollars: number): number {
  return dollars < MIN_LEVEL ? MIN_LEVEL : dollars > MAX_LEVEL ? MAX_LEVEL : dollars;
}

/** Dollars → cents on the tick, within the walk's bounds. */
function toCents(dollars: number): number {
  return Math.round(clampLevel(dollars) * 100);
}

function centsText(cents: number): string {
  return canonicalDecimal(cents / 100) ?? '0';
}

function lastSentOf(s: TickerState): LastSent | null {
  if (s.lastKind === NONE) return null;
  if (s.lastKind === TRADE) {
    return { kind: 'trade', price: centsText(s.lastPrice), seq: s.lastSeq, t: s.lastT };
  }
  const bid = centsText(s.lastBid);
  const ask = centsText(s.lastAsk);
  return { kind: 'quote', price: midPrice(bid, ask), bid, ask, seq: s.lastSeq, t: s.lastT };
}

/** The simulated market. Not thread-safe and not re-entrant: one emitter drives it. */
export class Market {
  /** Tickers in emission order (sorted). */
  readonly tickers: readonly string[];
  private readonly states: TickerState[];
  private readonly first: TickerState;
  private readonly byTicker = new Map<string, TickerState>();
  private readonly rand: () => number;
  private readonly tradeRatio: number;
  private readonly spikeProbability: number;
  private readonly spikePct: number;
  /** Requested spikes in request order; emitted before any random event. */
  private readonly pending: TickerState[] = [];
  private spare = NaN;
  private seqNo = 0;
  private trades = 0;
  private quotes = 0;
  private spikes = 0;

  constructor(opts: MarketOptions) {
    if (opts.tickers.length === 0) throw new RangeError('market needs at least one ticker');
    this.rand = mulberry32(opts.seed);
    this.tradeRatio = opts.tradeRatio ?? 0.4;
    this.seqNo = (opts.firstSeq ?? 1) - 1;
    this.spikeProbability = opts.spikeProbability;
    this.spikePct = opts.spikePct;
    this.states = opts.tickers.map((spec) => ({
      spec,
      level: toCents(spec.basePrice) / 100,
      // Tickers are [A-Z0-9.-] in sectors.json; JSON.stringify keeps the text valid regardless.
      tradeHead: `{"T":"t","S":${JSON.stringify(spec.ticker)},"p":`,
      quoteHead: `{"T":"q","S":${JSON.stringify(spec.ticker)},"bp":`,
      pendingSpike: 0,
      lastKind: NONE,
      lastPrice: 0,
      lastBid: 0,
      lastAsk: 0,
      lastSeq: 0,
      lastT: 0,
    }));
    this.first = this.states[0] as TickerState;
    for (const s of this.states) this.byTicker.set(s.spec.ticker, s);
    this.tickers = this.states.map((s) => s.spec.ticker);
  }

  /** The last sequence number issued (`firstSeq − 1` before the first event). */
  get seq(): number {
    return this.seqNo;
  }

  get stats(): MarketStats {
    return { trades: this.trades, quotes: this.quotes, spikes: this.spikes };
  }

  has(ticker: string): boolean {
    return this.byTicker.has(ticker);
  }

  /** The ticker's current price on the tick, canonical decimal text; undefined if unknown. */
  price(ticker: string): string | undefined {
    const s = this.byTicker.get(ticker);
    return s && centsText(toCents(s.level));
  }

  /** Every ticker's last event and current price, keyed by ticker. */
  snapshot(): Record<string, TickerSnapshot> {
    const out: Record<string, TickerSnapshot> = {};
    for (const s of this.states) {
      out[s.spec.ticker] = { lastSent: lastSentOf(s), price: centsText(toCents(s.level)) };
    }
    return out;
  }

  /** The last event emitted for the ticker; null before its first one or if unknown. */
  lastSent(ticker: string): LastSent | null {
    const s = this.byTicker.get(ticker);
    return s ? lastSentOf(s) : null;
  }

  /**
   * Makes the ticker's next event a trade at price × (1 + pct/100), on the tick; the walk
   * continues from there. It is emitted before any random event so that it shows at once.
   * @throws RangeError for an unknown ticker or a pct that is not > -100.
   */
  requestSpike(ticker: string, pct: number): SpikeRequest {
    const s = this.byTicker.get(ticker);
    if (!s) throw new RangeError(`unknown ticker ${ticker}`);
    if (!Number.isFinite(pct) || pct <= -100) throw new RangeError('pct must be > -100');
    const from = toCents(s.level);
    const to = toCents((from * (1 + pct / 100)) / 100);
    if (s.pendingSpike === 0) this.pending.push(s);
    s.pendingSpike = to;
    s.level = to / 100;
    return { ticker, from: centsText(from), to: centsText(to) };
  }

  /** Generates the next event, stamped with event time `now` (ms since epoch). */
  next(now: number): GeneratedEvent {
    const forced = this.pending.shift();
    if (forced) {
      const cents = forced.pendingSpike;
      forced.pendingSpike = 0;
      this.spikes++;
      return this.trade(forced, cents, now);
    }
    const rand = this.rand;
    const states = this.states;
    // rand() < 1, so the index is in range; the fallback only satisfies the type checker.
    const s = states[Math.floor(rand() * states.length)] ?? this.first;
    s.level = clampLevel(s.level * Math.exp(s.spec.volatility * this.gauss()));
    if (rand() < this.tradeRatio) {
      if (this.spikeProbability > 0 && rand() < this.spikeProbability) {
        s.level = clampLevel(s.level * this.spikeFactor(rand() < 0.5));
        this.spikes++;
      }
      return this.trade(s, toCents(s.level), now);
    }
    return this.quote(s, now);
  }

  private trade(s: TickerState, cents: number, now: number): GeneratedEvent {
    const i = ++this.seqNo;
    const size = this.size(s.spec.fractional);
    s.lastKind = TRADE;
    s.lastPrice = cents;
    s.lastSeq = i;
    s.lastT = now;
    this.trades++;
    return {
      ticker: s.spec.ticker,
      kind: 'trade',
      text: `${s.tradeHead}${cents / 100},"s":${size},"t":${now},"i":${i}}`,
    };
  }

  private quote(s: TickerState, now: number): GeneratedEvent {
    const rand = this.rand;
    const cents = toCents(s.level);
    const spread = Math.max(1, Math.round(cents * SPREAD * (0.5 + rand())));
    let bid = cents - (spread >> 1);
    if (bid < 1) bid = 1;
    const ask = bid + spread;
    const bidSize = this.quoteSize(s.spec.fractional);
    const askSize = this.quoteSize(s.spec.fractional);
    const i = ++this.seqNo;
    s.lastKind = QUOTE;
    s.lastBid = bid;
    s.lastAsk = ask;
    s.lastSeq = i;
    s.lastT = now;
    this.quotes++;
    return {
      ticker: s.spec.ticker,
      kind: 'quote',
      text: `${s.quoteHead}${bid / 100},"bs":${bidSize},"ap":${ask / 100},"as":${askSize},"t":${now},"i":${i}}`,
    };
  }

  /**
   * Multiplier of a random spike. A fall of spikePct % or more would reach zero, so large
   * falls mirror the rise instead (÷ (1 + pct/100)).
   */
  private spikeFactor(up: boolean): number {
    const pct = this.spikePct;
    if (up) return 1 + pct / 100;
    return pct < 100 ? 1 - pct / 100 : 1 / (1 + pct / 100);
  }

  /** Trade size: equities mostly odd lots with some round lots; crypto in 0.0001 coins. */
  private size(fractional: boolean): number {
    const rand = this.rand;
    if (fractional) return (1 + Math.floor(rand() * 20000)) / 10000;
    return rand() < 0.6 ? 1 + Math.floor(rand() * 99) : 100 * (1 + Math.floor(rand() * 10));
  }

  /** Quote size: round lots (hundreds) for equities as on US tapes; coins for crypto. */
  private quoteSize(fractional: boolean): number {
    const rand = this.rand;
    if (fractional) return (1 + Math.floor(rand() * 50000)) / 10000;
    return 1 + Math.floor(rand() * 20);
  }

  /** Standard normal by Box-Muller, keeping the second value for the next call. */
  private gauss(): number {
    if (!Number.isNaN(this.spare)) {
      const g = this.spare;
      this.spare = NaN;
      return g;
    }
    const u = 1 - this.rand();
    const v = this.rand();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
