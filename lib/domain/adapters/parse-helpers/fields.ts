import { z } from 'zod';
import { canonicalDecimal, isPositive } from '../../decimal';
import { canonicalTicker, TICKER_RULE } from '../../names';
import { MAX_TS, MIN_TS, rfc3339ToMs } from './time';

/**
 * zod field schemas whose failures read as dead-letter reasons (`missing symbol s`,
 * `invalid price p: "abc"`): the first issue of a failed safeParse is the reason as is.
 */

/** The value as JSON, cut short so that a huge field cannot bloat a dead-letter reason. */
export function show(input: unknown): string {
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function reason(label: string, input: unknown, why?: string): string {
  if (input === undefined) return `missing ${label}`;
  return `invalid ${label}: ${show(input)}${why ? ` (${why})` : ''}`;
}

/**
 * What a field check returns for a bad value, with why when the value alone does not say, or
 * a whole fixed message.
 */
class Invalid {
  constructor(
    readonly why?: string,
    readonly message?: string,
  ) {}
}
const INVALID = new Invalid();

/** A field check written as a zod transform, so the reason can say exactly what is wrong. */
function field<T>(label: string, check: (input: unknown) => T | Invalid, fixedMessage?: string) {
  return z.unknown().transform((input, ctx): T => {
    const out = check(input);
    if (!(out instanceof Invalid)) return out;
    ctx.issues.push({
      code: 'custom',
      input,
      message: out.message ?? fixedMessage ?? reason(label, input, out.why),
    });
    return z.NEVER;
  });
}

export interface DecimalOptions {
  /** The JSON type the provider documents; 'any' accepts both. @defaultValue 'any' */
  readonly type?: 'string' | 'number' | 'any';
  /** Prices must be above zero; sizes may be zero. */
  readonly sign: 'positive' | 'nonNegative';
  /** A fixed reason instead of the derived one (the simulator's reasons predate these helpers). */
  readonly message?: string;
}

/** A price or size, as its canonical decimal string (see decimal.ts). */
export function decimal(label: string, opts: DecimalOptions) {
  const type = opts.type ?? 'any';
  const wrongType = new Invalid(`expected a ${type}`);
  const notPositive = new Invalid('must be positive');
  const negative = new Invalid('must not be negative');
  return field<string>(
    label,
    (input) => {
      if (type !== 'any' && typeof input !== type) return wrongType;
      const d = canonicalDecimal(input);
      if (d === undefined) return INVALID;
      if (opts.sign === 'positive' && !isPositive(d)) return notPositive;
      if (opts.sign === 'nonNegative' && d.startsWith('-')) return negative;
      return d;
    },
    opts.message,
  );
}

/**
 * A ticker symbol in its canonical form (upper case), or rejected unless it follows the one
 * ticker rule (`TICKER_PATTERN`) — the rule the API's arguments follow, so that nothing
 * the API would refuse becomes a key or a cached quote. `missingMessage` replaces the reason
 * for a symbol that is absent, empty or not a string.
 */
export function symbol(label: string, opts: { readonly missingMessage?: string } = {}) {
  const breaksRule = new Invalid(`must be ${TICKER_RULE}`);
  const missing =
    opts.missingMessage === undefined ? INVALID : new Invalid(undefined, opts.missingMessage);
  return field<string>(label, (input) => {
    if (typeof input !== 'string' || input === '') return missing;
    return canonicalTicker(input) ?? breaksRule;
  });
}

/** A provider id or sequence: a non-empty string, or a non-negative integer; kept as text. */
export function id(label: string) {
  return field<string>(label, (input) => {
    if (typeof input === 'string' && input !== '') return input;
    if (typeof input === 'number' && Number.isSafeInteger(input) && input >= 0)
      return String(input);
    return INVALID;
  });
}

const OUT_OF_RANGE = new Invalid('not ms since epoch in 2000–2099');

/** Milliseconds since epoch as a JSON integer, within {@link MIN_TS}–{@link MAX_TS}. */
export function msTime(label: string) {
  return field<number>(label, (input) => {
    if (typeof input !== 'number' || !Number.isSafeInteger(input)) return INVALID;
    return input >= MIN_TS && input < MAX_TS ? input : OUT_OF_RANGE;
  });
}

/** An RFC 3339 time (any fraction digits, `Z` or an offset) as ms since epoch, truncated. */
export function rfc3339Time(label: string) {
  return field<number>(label, (input) => {
    const ms = typeof input === 'string' ? rfc3339ToMs(input) : undefined;
    if (ms === undefined) return INVALID;
    return ms >= MIN_TS && ms < MAX_TS ? ms : OUT_OF_RANGE;
  });
}
