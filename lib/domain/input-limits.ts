import { canonicalDecimal, compareDecimal } from './decimal';
import { TICKER_PATTERN, TICKER_RULE } from './names';
import type { NormalizedTick } from './types';

/**
 * Bounds every normalized tick must keep, whatever its adapter let through: the last check
 * before a tick may become a key, a cached quote or an anomaly statistic. The values come
 * from configuration (the `NORMALIZE_*` keys), passed in so this code stays pure.
 */
export interface InputLimits {
  /** Highest price, bid or ask. */
  readonly maxPrice: number;
  /** Highest size. */
  readonly maxSize: number;
  /** Most significant digits of a price, bid, ask or size (from the first non-zero digit). */
  readonly maxDigits: number;
  /** Most digits after the decimal point. */
  readonly maxFractionDigits: number;
}

/** The bounds as decimal text, made once per limits object (the check runs per event). */
const maxTexts = new WeakMap<InputLimits, { price: string; size: string }>();

function textsOf(limits: InputLimits): { price: string; size: string } {
  let t = maxTexts.get(limits);
  if (t === undefined) {
    t = {
      price: canonicalDecimal(limits.maxPrice) ?? '0',
      size: canonicalDecimal(limits.maxSize) ?? '0',
    };
    maxTexts.set(limits, t);
  }
  return t;
}

/**
 * Tickers already found good: a feed repeats a few thousand symbols, so the rule runs once
 * per symbol rather than per event. Bounded: emptied when full.
 */
const goodTickers = new Set<string>();
const GOOD_TICKERS_MAX = 100_000;

/** The value as JSON, cut short so that a huge value cannot bloat a dead-letter reason. */
function show(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Digits of a canonical decimal from its first non-zero digit, and after its point. */
function digitsOf(d: string): { significant: number; fraction: number } {
  const dot = d.indexOf('.');
  const fraction = dot < 0 ? 0 : d.length - dot - 1;
  let first = d.startsWith('-') ? 1 : 0;
  while (first < d.length && (d.charCodeAt(first) === 48 || d.charCodeAt(first) === 46)) first++;
  if (first === d.length) return { significant: 0, fraction };
  const significant = d.length - first - (dot > first ? 1 : 0);
  return { significant, fraction };
}

/** Why a decimal breaks the limits, or undefined when it keeps them. */
function decimalIssue(
  label: string,
  d: string,
  max: string,
  limits: InputLimits,
): string | undefined {
  if (compareDecimal(d, max) > 0) return `invalid ${label}: ${show(d)} (above the maximum ${max})`;
  const { significant, fraction } = digitsOf(d);
  if (significant > limits.maxDigits)
    return `invalid ${label}: ${show(d)} (${significant} significant digits, at most ${limits.maxDigits})`;
  if (fraction > limits.maxFractionDigits)
    return `invalid ${label}: ${show(d)} (${fraction} decimals, at most ${limits.maxFractionDigits})`;
  return undefined;
}

/**
 * Why a normalized tick breaks the limits (the reason for its dead letter), or undefined. The
 * adapters already refused what is not a finite decimal, a price not above zero and a
 * negative size; the ticker is checked again here so that no adapter can build a key from
 * text that does not follow {@link TICKER_PATTERN}.
 */
export function tickLimitIssue(tick: NormalizedTick, limits: InputLimits): string | undefined {
  if (!goodTickers.has(tick.ticker)) {
    if (!TICKER_PATTERN.test(tick.ticker) || /[a-z]/.test(tick.ticker))
      return `invalid ticker: ${show(tick.ticker)} (must be ${TICKER_RULE}, upper case)`;
    if (goodTickers.size >= GOOD_TICKERS_MAX) goodTickers.clear();
    goodTickers.add(tick.ticker);
  }
  const max = textsOf(limits);
  // A quote's price is the mid of its bid and ask, which may carry one more decimal: the
  // quote's own numbers are what is checked.
  if (tick.bid !== undefined || tick.ask !== undefined) {
    return (
      (tick.bid === undefined ? undefined : decimalIssue('bid', tick.bid, max.price, limits)) ??
      (tick.ask === undefined ? undefined : decimalIssue('ask', tick.ask, max.price, limits))
    );
  }
  return (
    decimalIssue('price', tick.price, max.price, limits) ??
    (tick.size === undefined ? undefined : decimalIssue('size', tick.size, max.size, limits))
  );
}
