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

/** The one field of a normalized:events entry. */
export const TICK_FIELD = 'tick';
