import { createHash } from 'node:crypto';
import type { StoredAnomaly } from '../redis/codec';
import type { StoredTick } from '../domain/types';

/**
 * What the archive holds, and the checksum that proves a copy equals its source. The digest is
 * a count plus the sum (mod 2^64) of a 64-bit hash of each row's canonical text: independent
 * of order, because sinks give rows back in their own order (Parquet by sector partition), and,
 * unlike XOR, a row stored twice changes it.
 *
 * A stream id is unique only within one partition's stream (two partitions routinely add the
 * same id in the same millisecond), so an archived row is identified by (partition, id).
 */

/** A tick as archived: the stream entry, and the pipeline partition whose stream held it. */
export interface ArchivedTick extends StoredTick {
  readonly partition: number;
}

/** An anomaly as archived, with the partition whose anomalies stream held it. */
export interface ArchivedAnomaly extends StoredAnomaly {
  readonly partition: number;
}

/**
 * A tick's fields after its id, in the one column order every store uses (the canonical line,
 * PostgreSQL's COPY and QuoteRepository): absent optionals as null.
 */
export function tickValues(t: ArchivedTick): (string | number | null)[] {
  return [
    t.ticker,
    t.kind,
    t.price,
    t.size ?? null,
    t.bid ?? null,
    t.ask ?? null,
    t.ts,
    t.sector,
    t.source,
    t.feed,
    t.seq,
    t.rawId,
  ];
}

/** An anomaly's fields after its id, in the same sense as {@link tickValues}. */
export function anomalyValues(a: ArchivedAnomaly): (string | number)[] {
  return [
    a.type,
    a.severity,
    a.ticker,
    a.price,
    a.statistic,
    a.threshold,
    a.ts,
    a.sourceIds.join(','),
    a.detectedAt,
  ];
}

/**
 * The tick as one canonical line: every field in a fixed order, absent optionals as null. The
 * partition is appended only when it is not 0, so a row of partition 0 has the line it had
 * before partitions and the digests of days archived then still match their rows.
 */
export function canonicalTick(t: ArchivedTick): string {
  const row: unknown[] = [t.id, ...tickValues(t)];
  if (t.partition !== 0) row.push(t.partition);
  return JSON.stringify(row);
}

/**
 * The anomaly as one canonical line; `feed` and the partition are appended unless both are
 * the defaults of rows archived before them ('' and 0), for the reason given at canonicalTick.
 */
export function canonicalAnomaly(a: ArchivedAnomaly): string {
  const row: unknown[] = [a.id, ...anomalyValues(a)];
  if (a.feed !== '' || a.partition !== 0) row.push(a.feed, a.partition);
  return JSON.stringify(row);
}

/** A digest's state, as plain JSON (heartbeat details, manifests). */
export interface DigestState {
  readonly count: number;
  /** Sum of the rows' 64-bit hashes mod 2^64, as 16 hex digits. */
  readonly sum: string;
}

const MASK = (1n << 64n) - 1n;

/** Order-independent count + checksum of a set of rows. */
export class RowDigest {
  private count: number;
  private sum: bigint;

  constructor(state: DigestState = { count: 0, sum: '0' }) {
    this.count = state.count;
    this.sum = BigInt(`0x${state.sum}`);
  }

  add(canonical: string): void {
    const h = createHash('sha256').update(canonical).digest();
    this.sum = (this.sum + h.readBigUInt64BE(0)) & MASK;
    this.count++;
  }

  state(): DigestState {
    return { count: this.count, sum: this.sum.toString(16).padStart(16, '0') };
  }
}

export function sameDigest(a: DigestState, b: DigestState): boolean {
  return a.count === b.count && a.sum === b.sum;
}
