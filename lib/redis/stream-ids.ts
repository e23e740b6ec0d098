/**
 * Redis stream ids, `<ms>-<seq>`: the ms of the XADD, then a sequence within that ms (up to
 * 2^64 - 1, so compared as BigInt). Pure: no connection needed, the workflow bundle may load it.
 */

/** A stream id as clients may send one back (cursors, `after` arguments). */
export const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/** Compares two stream ids numerically (ms, then sequence). */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  if (am !== bm) return Number(am) - Number(bm);
  if (as === bs) return 0;
  return BigInt(as) < BigInt(bs) ? -1 : 1;
}

/** The ms part of a stream id: when the entry was added. */
export function streamIdMs(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}
