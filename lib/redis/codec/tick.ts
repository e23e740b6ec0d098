import type { EventKind, NormalizedTick, StoredTick } from '../../domain/types';
import { TICK_FIELD, fieldMap, type Fields } from './fields';

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
