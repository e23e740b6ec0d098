import type { RawEvent } from '../../domain/types';
import { TRACEPARENT_FIELD, fieldMap, type Fields } from './fields';

/** Raw entries: one provider event each, as ingestion appends them. */
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
