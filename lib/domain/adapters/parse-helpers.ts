import { z } from 'zod';
import { canonicalDecimal, isPositive } from '../decimal';
import type { NormalizedTick } from '../types';
import {
  UNKNOWN_SECTOR,
  emptyFrame,
  type ControlMessage,
  type NormalizeContext,
  type NormalizeOutcome,
  type ParsedFrame,
} from './adapter';

/**
 * Building blocks shared by the provider adapters: JSON and record checks for `parseFrame`,
 * zod field schemas whose failures read as dead-letter reasons (`missing symbol s`,
 * `invalid price p: "abc"`) for `normalize`, and the tick builder.
 */

/** A JSON object (not an array, not null): the only thing an event can be read from. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The outcome of {@link parseJson}. */
export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** JSON.parse that reports the parser's message instead of throwing. */
export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
}

/**
 * `parseFrame` for providers whose frames are JSON arrays of messages (Alpaca, Polygon): each
 * message is a control when `control` says so, else an event with the id `sourceIdOf` gives.
 * Documented as always an array; a lone object is read as a batch of one.
 */
export function parseArrayFrame(
  frame: string,
  control: (m: Record<string, unknown>) => ControlMessage | undefined,
  sourceIdOf: (m: Record<string, unknown>) => string,
): ParsedFrame {
  const out = emptyFrame();
  const parsed = parseJson(frame);
  if (!parsed.ok) {
    out.errors.push({ reason: parsed.reason, payload: frame });
    return out;
  }
  const messages = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  for (const m of messages) {
    const c = isRecord(m) ? control(m) : undefined;
    if (c) out.controls.push(c);
    else
      out.events.push({ sourceId: isRecord(m) ? sourceIdOf(m) : '', payload: JSON.stringify(m) });
  }
  return out;
}

/**
 * Text of one part of a sourceId: a non-empty string as is, a finite number as JS prints it;
 * undefined for anything else, so that an event without its id fields gets sourceId ''.
 */
export function keyPart(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** `<SYMBOL>:<tag>:<id>`, or '' when either part is missing. */
export function prefixedId(symbol: unknown, tag: string, id: unknown): string {
  const s = keyPart(symbol);
  const i = keyPart(id);
  return s === undefined || i === undefined ? '' : `${s.toUpperCase()}:${tag}:${i}`;
}

/** `~<SYMBOL>|<part>|...`: the id of events a provider does not number; '' if a part is missing. */
export function contentKey(symbol: unknown, ...parts: unknown[]): string {
  const s = keyPart(symbol);
  if (s === undefined) return '';
  let key = `~${s.toUpperCase()}`;
  for (const p of parts) {
    const text = keyPart(p);
    if (text === undefined) return '';
    key += `|${text}`;
  }
  return key;
}

/** The value as JSON, cut short so that a huge field cannot bloat a dead-letter reason. */
function show(input: unknown): string {
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function reason(label: string, input: unknown, why?: string): string {
  if (input === undefined) return `missing ${label}`;
  return `invalid ${label}: ${show(input)}${why ? ` (${why})` : ''}`;
}

/** What a field check returns for a bad value, with why when the value alone does not say. */
class Invalid {
  constructor(readonly why?: string) {}
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
      message: fixedMessage ?? reason(label, input, out.why),
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

/** A ticker symbol: a non-empty string without spaces, uppercased. */
export function symbol(label: string) {
  return field<string>(label, (input) =>
    typeof input === 'string' && /^\S+$/.test(input) ? input.toUpperCase() : INVALID,
  );
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

/**
 * Event times outside 2000–2099 are refused: they come from a wrong unit (seconds, or
 * Binance's `timeUnit=MICROSECOND`) far more often than from real data.
 */
export const MIN_TS = Date.UTC(2000, 0, 1);
/** First ms after the accepted event-time range (see {@link MIN_TS}). */
export const MAX_TS = Date.UTC(2100, 0, 1);
const OUT_OF_RANGE = new Invalid('not ms since epoch in 2000–2099');

/** Milliseconds since epoch as a JSON integer. */
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

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses RFC 3339 strictly (Date.parse also takes many other formats) and keeps whole
 * milliseconds: sub-millisecond digits (Coinbase's µs, Alpaca's ns) stay in the payload only.
 */
export function rfc3339ToMs(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(
    Number,
  ) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // Second 60 is a leap second; Date.UTC carries it into the next minute.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Number(((m[7] ?? '') + '000').slice(0, 3));
  let offset = 0;
  if (m[8] === undefined) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return undefined;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The reason of a failed safeParse: the first issue, in the schema's field order. */
export function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'invalid message';
}

/** Fails a normalize with a reason. */
export function reject(reasonText: string): NormalizeOutcome {
  return { ok: false, reason: reasonText };
}

/** Rejects a message whose type field (`T`, `type`, `ev`, ...) names nothing this adapter reads. */
export function unknownType(type: unknown, field: string): NormalizeOutcome {
  return reject(
    type === undefined ? `missing message type ${field}` : `unknown message type ${show(type)}`,
  );
}

/** What an adapter read from one event; {@link toTick} adds the context's fields. */
export interface TickFields {
  readonly ticker: string;
  readonly ts: number;
  readonly seq: string;
  readonly price: string;
  readonly size?: string;
  readonly bid?: string;
  readonly ask?: string;
}

/** A normalized tick with the context's feed and sector; optional fields only when set. */
export function toTick(
  ctx: NormalizeContext,
  source: string,
  kind: NormalizedTick['kind'],
  f: TickFields,
): NormalizeOutcome {
  const tick: { -readonly [K in keyof NormalizedTick]: NormalizedTick[K] } = {
    ticker: f.ticker,
    kind,
    price: f.price,
    ts: f.ts,
    sector: ctx.sectors.get(f.ticker) ?? UNKNOWN_SECTOR,
    source,
    feed: ctx.feed,
    seq: f.seq,
  };
  if (f.size !== undefined) tick.size = f.size;
  if (f.bid !== undefined) tick.bid = f.bid;
  if (f.ask !== undefined) tick.ask = f.ask;
  return { ok: true, tick };
}
