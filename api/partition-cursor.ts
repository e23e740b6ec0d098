import { compareStreamIds, STREAM_ID } from '../lib/redis';
import { ERROR_CODES, userError } from './errors';
import type { CursorKind } from './pagination';

/**
 * Positions in streams that are split over partitions (anomalies, dead letters, failed
 * batches). The partitions' entries form one order: by stream id, ties by partition number.
 * A position is a cut in that order, kept as one id per partition: the entries of partition
 * p with an id up to `cut[p]` lie below the cut, the others above it. A list read newest
 * first continues below its cursor; `anomalyDetected` delivers what lies above it. A
 * partition a list has read to its start is marked {@link DONE}.
 *
 * As text (base64url, opaque to clients): `<kind>:p0=<id>|p1=done|p2-5=<id>`, a run of
 * partitions with the same position written once (`p2-5`). Every partition appears once, in
 * order; a cursor of a deployment with another number of partitions is refused. A bare
 * stream id after the kind (`anomaly:<id>`, the cursors of releases before partitions) names
 * one entry in every partition: a list continues below it, a subscription after it.
 */

/** A partition whose entries a list has all read: nothing lies below the cut. */
export const DONE = 'done';

/** One position per partition: a stream id, or {@link DONE}. */
export type Cut = readonly string[];

const MAX_SEQ = 18446744073709551615n;

/** The stream id just before `id` (ids are `<ms>-<seq>`, seq up to 2^64 - 1). */
export function previousStreamId(id: string): string {
  const [ms = '0', seq = '0'] = id.split('-');
  if (seq !== '0') return `${ms}-${BigInt(seq) - 1n}`;
  return ms === '0' ? '0-0' : `${BigInt(ms) - 1n}-${MAX_SEQ}`;
}

/** The cut just below entry `id` of partition `q`: what a newest-first list reads next. */
export function cutBelow(id: string, q: number, partitions: number): string[] {
  const before = previousStreamId(id);
  return Array.from({ length: partitions }, (_, p) => (p < q ? id : before));
}

/** The cut just above entry `id` of partition `q`: from where a subscription resumes after it. */
export function cutAbove(id: string, q: number, partitions: number): string[] {
  const before = previousStreamId(id);
  return Array.from({ length: partitions }, (_, p) => (p <= q ? id : before));
}

/** The lower of two positions of one partition ({@link DONE} is the lowest). */
export function lowerPosition(a: string, b: string | undefined): string {
  if (b === undefined || a === DONE) return a;
  if (b === DONE) return b;
  return compareStreamIds(a, b) <= 0 ? a : b;
}

/** Orders entries the merged way: by stream id, then by partition. */
export function compareEntries(
  a: { readonly id: string; readonly partition: number },
  b: { readonly id: string; readonly partition: number },
): number {
  return compareStreamIds(a.id, b.id) || a.partition - b.partition;
}

/** The cursor text of a cut. */
export function encodeCut(kind: CursorKind, cut: Cut): string {
  const runs: string[] = [];
  for (let p = 0; p < cut.length;) {
    let end = p;
    while (end + 1 < cut.length && cut[end + 1] === cut[p]) end++;
    runs.push(`p${p}${end > p ? `-${end}` : ''}=${cut[p]!}`);
    p = end + 1;
  }
  return Buffer.from(`${kind}:${runs.join('|')}`, 'utf8').toString('base64url');
}

/**
 * What a cursor holds: a cut, or (cursors from before partitions) one entry id meant in
 * every partition.
 */
export type DecodedCut = { readonly cut: Cut } | { readonly legacyId: string };

const RUN = /^p(\d{1,4})(?:-(\d{1,4}))?=(done|\d{1,20}-\d{1,20})$/;

/** Decodes a cursor of `kind` for `partitions` partitions; anything else is BAD_CURSOR. */
export function decodeCut(
  kind: CursorKind,
  cursor: string,
  partitions: number,
  argumentName = 'after',
): DecodedCut {
  const bad = () =>
    userError(
      ERROR_CODES.BAD_CURSOR,
      `Invalid argument "${argumentName}": not a cursor of this list (pass an endCursor from a previous page)`,
      { argumentName },
    );
  // Runs keep usual cursors short; the bound allows a different position in every partition.
  const maxLength = 64 + 48 * partitions;
  if (cursor.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const prefix = `${kind}:`;
  if (!text.startsWith(prefix)) throw bad();
  const body = text.slice(prefix.length);
  if (STREAM_ID.test(body)) return { legacyId: body };
  const cut: string[] = [];
  for (const run of body.split('|')) {
    const m = RUN.exec(run);
    if (!m) throw bad();
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from !== cut.length || to < from || to >= partitions) throw bad();
    for (let p = from; p <= to; p++) cut.push(m[3]!);
  }
  if (cut.length !== partitions) throw bad();
  return { cut };
}

/** The cut a newest-first list continues below (a legacy id: the entries older than it). */
export function listCut(decoded: DecodedCut, partitions: number): Cut {
  if ('cut' in decoded) return decoded.cut;
  return new Array<string>(partitions).fill(previousStreamId(decoded.legacyId));
}

/**
 * The cut a subscription resumes above (a legacy id: the entries after it). A partition a list
 * had read to its start ({@link DONE}) resumes from the newest position of the cursor, so a
 * list's cursor does not replay that partition's whole stream.
 */
export function resumeCut(decoded: DecodedCut, partitions: number): string[] {
  if (!('cut' in decoded)) return new Array<string>(partitions).fill(decoded.legacyId);
  let newest = '0-0';
  for (const c of decoded.cut) if (c !== DONE && compareStreamIds(c, newest) > 0) newest = c;
  return decoded.cut.map((c) => (c === DONE ? newest : c));
}
