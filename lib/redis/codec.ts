import type {
  Anomaly,
  AnomalyType,
  DeadLetter,
  EventKind,
  NormalizedTick,
  RawEvent,
  Severity,
  StoredTick,
} from '../domain/types';

/**
 * Stream entry layouts: flat field lists as Redis stores them. Encoders return
 * [f1, v1, f2, v2, ...]; decoders take the same from XRANGE / XREADGROUP replies.
 */

export type Fields = string[];

/** Turns a flat field list into a record (last value wins, as in Redis hashes). */
export function fieldMap(fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}

export function encodeRaw(e: RawEvent): Fields {
  const f = [
    'feed',
    e.feed,
    'adapter',
    e.adapter,
    'recv_ts',
    String(e.recvTs),
    'source_id',
    e.sourceId,
    'payload',
    e.payload,
  ];
  if (e.parseError !== undefined) f.push('parse_error', e.parseError);
  if (e.traceparent !== undefined) f.push(TRACEPARENT_FIELD, e.traceparent);
  return f;
}

/**
 * The optional field (raw entries) or JSON key (ticks, quote messages) holding the W3C trace
 * context of the span that wrote it, present only for events sampled for tracing: readers
 * that predate it ignore it, and entries without it read as before.
 */
export const TRACEPARENT_FIELD = 'traceparent';

/**
 * The `traceparent` a stream entry carries (a raw entry's field, or the key inside a tick's
 * JSON), without decoding the rest; undefined for most entries.
 */
export function entryTraceparent(fields: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!;
    if (name === TRACEPARENT_FIELD) return fields[i + 1];
    if (name === TICK_FIELD) {
      const json = fields[i + 1]!;
      const at = json.indexOf(TICK_TRACEPARENT);
      // 00-<32 hex>-<16 hex>-<2 hex>: 55 characters.
      if (at >= 0)
        return json.slice(at + TICK_TRACEPARENT.length, at + TICK_TRACEPARENT.length + 55);
    }
  }
  return undefined;
}

const TICK_TRACEPARENT = `"${TRACEPARENT_FIELD}":"`;

/** One event of an `appendRaw` batch (feed and adapter go once per batch). */
export type RawBatchItem =
  | [recvTs: string, sourceId: string, payload: string]
  | [recvTs: string, sourceId: string, payload: string, parseError: string]
  | [
      recvTs: string,
      sourceId: string,
      payload: string,
      parseError: string | null,
      traceparent: string,
    ];

/** The raw event as an item of an `appendRaw` batch; stored, it decodes with decodeRaw. */
export function rawBatchItem(e: Omit<RawEvent, 'feed' | 'adapter'>): RawBatchItem {
  if (e.traceparent !== undefined) {
    return [String(e.recvTs), e.sourceId, e.payload, e.parseError ?? null, e.traceparent];
  }
  return e.parseError === undefined
    ? [String(e.recvTs), e.sourceId, e.payload]
    : [String(e.recvTs), e.sourceId, e.payload, e.parseError];
}

export function decodeRaw(fields: readonly string[]): RawEvent {
  const m = fieldMap(fields);
  return {
    feed: m.feed ?? '',
    adapter: m.adapter ?? '',
    recvTs: Number(m.recv_ts ?? 0),
    sourceId: m.source_id ?? '',
    payload: m.payload ?? '',
    ...(m.parse_error !== undefined ? { parseError: m.parse_error } : {}),
    ...(m.traceparent !== undefined ? { traceparent: m.traceparent } : {}),
  };
}

/**
 * A normalized tick is stored as one field, `tick`: the whole tick as JSON. Twelve separate
 * fields cost about twice as much to write (an XADD argument each), to commit (each one a Lua
 * value) and to read back (a string each for the client's parser); see the stage benchmarks.
 * `rawId` links the tick to its entry in `raw:events`.
 */
/** The `tick` field's value: the tick as JSON (with the chunk's trace context when sampled). */
export function tickJson(t: NormalizedTick, rawId: string, traceparent?: string): string {
  const stored: StoredTickJson = {
    ticker: t.ticker,
    kind: t.kind,
    price: t.price,
    size: t.size,
    bid: t.bid,
    ask: t.ask,
    ts: t.ts,
    sector: t.sector,
    source: t.source,
    feed: t.feed,
    seq: t.seq,
    raw_id: rawId,
    traceparent,
  };
  return JSON.stringify(stored);
}

/** The stream entry's fields: [TICK_FIELD, tickJson]. */
export function encodeTick(t: NormalizedTick, rawId: string): Fields {
  return [TICK_FIELD, tickJson(t, rawId)];
}

/** The one field of a normalized:events entry. */
export const TICK_FIELD = 'tick';

/** The `tick` field's JSON (undefined optional fields are left out by JSON.stringify). */
interface StoredTickJson {
  ticker: string;
  kind: EventKind;
  price: string;
  size?: string;
  bid?: string;
  ask?: string;
  ts: number;
  sector: string;
  source: string;
  feed: string;
  seq: string;
  raw_id: string;
  traceparent?: string;
}

export function decodeTick(id: string, fields: readonly string[]): StoredTick {
  const j = JSON.parse(fieldMap(fields).tick ?? '{}') as Partial<StoredTickJson>;
  return {
    id,
    ticker: j.ticker ?? '',
    kind: j.kind ?? 'trade',
    price: j.price ?? '0',
    ...(j.size !== undefined ? { size: j.size } : {}),
    ...(j.bid !== undefined ? { bid: j.bid } : {}),
    ...(j.ask !== undefined ? { ask: j.ask } : {}),
    ts: j.ts ?? 0,
    sector: j.sector ?? '',
    source: j.source ?? '',
    feed: j.feed ?? '',
    seq: j.seq ?? '',
    rawId: j.raw_id ?? '',
    ...(j.traceparent !== undefined ? { traceparent: j.traceparent } : {}),
  };
}

/**
 * Sort key of a tick for the latest-quote rule: event time first, then ingest order (the raw
 * stream id), as fixed-width text so Lua can compare two keys as strings.
 */
export function quoteOrderKey(ts: number, rawId: string): string {
  const [ms = '0', seq = '0'] = rawId.split('-');
  return `${String(ts).padStart(15, '0')}:${ms.padStart(15, '0')}-${seq.padStart(10, '0')}`;
}

export function encodeDeadLetter(d: DeadLetter): Fields {
  const f = [
    'reason',
    d.reason,
    'feed',
    d.feed,
    'adapter',
    d.adapter,
    'source_stream_id',
    d.sourceStreamId,
    'payload',
    d.payload,
  ];
  if (d.redrivenFrom !== undefined) f.push('redriven_from', d.redrivenFrom);
  return f;
}

export function decodeDeadLetter(fields: readonly string[]): DeadLetter {
  const m = fieldMap(fields);
  return {
    reason: m.reason ?? '',
    feed: m.feed ?? '',
    adapter: m.adapter ?? '',
    sourceStreamId: m.source_stream_id ?? '',
    payload: m.payload ?? '',
    ...(m.redriven_from !== undefined ? { redrivenFrom: m.redriven_from } : {}),
  };
}

/** The anomaly's entry; `traceparent` is the detecting chunk's span when it was traced. */
export function encodeAnomaly(a: Anomaly, detectedAt: number, traceparent?: string): Fields {
  const f = [
    'type',
    a.type,
    'severity',
    a.severity,
    'ticker',
    a.ticker,
    'feed',
    a.feed,
    'price',
    a.price,
    'statistic',
    String(a.statistic),
    'threshold',
    String(a.threshold),
    'ts',
    String(a.ts),
    'source_ids',
    a.sourceIds.join(','),
    'detected_at',
    String(detectedAt),
  ];
  if (traceparent !== undefined) f.push(TRACEPARENT_FIELD, traceparent);
  return f;
}

export interface StoredAnomaly extends Anomaly {
  readonly id: string;
  readonly detectedAt: number;
  /** The trace context of the chunk span that detected it, when that chunk was traced. */
  readonly traceparent?: string;
}

export function decodeAnomaly(id: string, fields: readonly string[]): StoredAnomaly {
  const m = fieldMap(fields);
  return {
    id,
    type: (m.type ?? 'price_jump') as AnomalyType,
    severity: (m.severity ?? 'low') as Severity,
    ticker: m.ticker ?? '',
    feed: m.feed ?? '',
    price: m.price ?? '0',
    statistic: Number(m.statistic ?? 0),
    threshold: Number(m.threshold ?? 0),
    ts: Number(m.ts ?? 0),
    sourceIds: m.source_ids ? m.source_ids.split(',') : [],
    detectedAt: Number(m.detected_at ?? 0),
    ...(m.traceparent !== undefined ? { traceparent: m.traceparent } : {}),
  };
}

/**
 * Latest-quote hash layout: the tick's fields, `stream_id` (in normalized:events), `order`
 * (see {@link quoteOrderKey}) and `updated_at` (write time, ms).
 */
/** A tick as one hash field per attribute: the latest-quote hash, read field by field. */
function tickHashFields(t: NormalizedTick, rawId: string): Fields {
  const f = ['ticker', t.ticker, 'kind', t.kind, 'price', t.price];
  if (t.size !== undefined) f.push('size', t.size);
  if (t.bid !== undefined) f.push('bid', t.bid);
  if (t.ask !== undefined) f.push('ask', t.ask);
  f.push('ts', String(t.ts), 'sector', t.sector, 'source', t.source, 'feed', t.feed);
  f.push('seq', t.seq, 'raw_id', rawId);
  return f;
}

export function encodeLatestQuote(t: StoredTick, updatedAt: number): Fields {
  const f = tickHashFields(t, t.rawId);
  f.push('stream_id', t.id, 'order', quoteOrderKey(t.ts, t.rawId), 'updated_at', String(updatedAt));
  return f;
}

export interface LatestQuote extends NormalizedTick {
  readonly streamId: string;
  readonly updatedAt: number;
  /**
   * The tick's {@link quoteOrderKey}: of two quotes of a ticker the one with the greater key is
   * the newer (absent in messages and hashes written before venues).
   */
  readonly order?: string;
  /** In a pub/sub message only: the publishing chunk's trace context, for sampled events. */
  readonly traceparent?: string;
}

/** Decodes HGETALL of a latest-quote hash; undefined for a missing hash. */
export function decodeLatestQuote(h: Record<string, string>): LatestQuote | undefined {
  if (!h.ticker) return undefined;
  return {
    ticker: h.ticker,
    kind: (h.kind ?? 'trade') as EventKind,
    price: h.price ?? '0',
    ...(h.size !== undefined ? { size: h.size } : {}),
    ...(h.bid !== undefined ? { bid: h.bid } : {}),
    ...(h.ask !== undefined ? { ask: h.ask } : {}),
    ts: Number(h.ts ?? 0),
    sector: h.sector ?? '',
    source: h.source ?? '',
    feed: h.feed ?? '',
    seq: h.seq ?? '',
    streamId: h.stream_id ?? '',
    updatedAt: Number(h.updated_at ?? 0),
    ...(h.order !== undefined ? { order: h.order } : {}),
  };
}

/**
 * The pub/sub message published with each latest-quote write: the same quote the hash now
 * holds, so a subscriber (the API's cache, live subscriptions) needs no read after it.
 */
export function encodeQuoteMessage(t: StoredTick, updatedAt: number, traceparent?: string): string {
  const q: LatestQuote = {
    ticker: t.ticker,
    kind: t.kind,
    price: t.price,
    ...(t.size !== undefined ? { size: t.size } : {}),
    ...(t.bid !== undefined ? { bid: t.bid } : {}),
    ...(t.ask !== undefined ? { ask: t.ask } : {}),
    ts: t.ts,
    sector: t.sector,
    source: t.source,
    feed: t.feed,
    seq: t.seq,
    streamId: t.id,
    updatedAt,
    order: quoteOrderKey(t.ts, t.rawId),
    ...(traceparent !== undefined ? { traceparent } : {}),
  };
  return JSON.stringify(q);
}

/** Decodes a quote pub/sub message; undefined when it is not one (never throws). */
export function decodeQuoteMessage(message: string): LatestQuote | undefined {
  let j: unknown;
  try {
    j = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof j !== 'object' || j === null) return undefined;
  const q = j as Partial<LatestQuote>;
  if (typeof q.ticker !== 'string' || typeof q.price !== 'string' || typeof q.ts !== 'number') {
    return undefined;
  }
  return q as LatestQuote;
}

/** A failed batch as recorded in the failed-batches stream. */
export interface FailedBatch {
  readonly batchId: string;
  readonly stage: string;
  readonly stream: string;
  readonly ids: readonly string[];
  readonly error: string;
  readonly attempts: number;
  readonly failedAt: number;
}

export function encodeFailedBatch(b: FailedBatch): Fields {
  return [
    'batch_id',
    b.batchId,
    'stage',
    b.stage,
    'stream',
    b.stream,
    'ids',
    b.ids.join(','),
    'error',
    b.error,
    'attempts',
    String(b.attempts),
    'failed_at',
    String(b.failedAt),
  ];
}

export function decodeFailedBatch(fields: readonly string[]): FailedBatch {
  const m = fieldMap(fields);
  return {
    batchId: m.batch_id ?? '',
    stage: m.stage ?? '',
    stream: m.stream ?? '',
    ids: m.ids ? m.ids.split(',') : [],
    error: m.error ?? '',
    attempts: Number(m.attempts ?? 0),
    failedAt: Number(m.failed_at ?? 0),
  };
}
