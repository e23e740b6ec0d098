import { canonicalDecimal } from '../decimal';
import type { StoredTick } from '../types';
import { emptyRolling, resum, type Rolling } from './rolling';

/**
 * Per-ticker state. In Redis it is small compact JSON in a hash field (about 2 KB with a
 * 50-value window), written by {@link encodeState} and read by {@link parseState}:
 *
 * `{"v":2,"p","id","t","e","x","g","s","r":{"b","h","m","m2","c"},"q":{...}}`, the fields in
 * this order (the field each maps to is named in brackets below). Version 1, `{p, id, t, r}`
 * written before rolling sums, is still read (see {@link upgradeState}).
 */
export interface WindowState {
  /** Last trade price, 0 before the first trade [p]. */
  lastPrice: number;
  /** Stream id of the last trade [id]. */
  lastTradeId: string;
  /** Newest event time seen, trade or quote [t]. */
  newestTs: number;
  /** Stream id of that newest event [e]. */
  newestId: string;
  /** Price text of that newest event [x]. */
  newestPrice: string;
  /** Sector of the last tick: selects the thresholds for stale detection [g]. */
  sector: string;
  /** Set once the current silent episode has been reported; a newer tick clears it [s: 0 | 1]. */
  staleReported: boolean;
  /** Log returns between consecutive trades [r]. */
  returns: Rolling;
  /** Log trade sizes [q]. */
  sizes: Rolling;
}

/** A fresh state for a ticker whose first tick this is. */
export function newState(tick: StoredTick): WindowState {
  return {
    lastPrice: 0,
    lastTradeId: '',
    newestTs: tick.ts,
    newestId: tick.id,
    newestPrice: tick.price,
    sector: tick.sector,
    staleReported: false,
    returns: emptyRolling(),
    sizes: emptyRolling(),
  };
}

/** Writes a state as the compact stored JSON (version 2). */
export function encodeState(s: WindowState): string {
  // Key order is part of the format: a state read and written back is byte-identical.
  const stored: StoredState = {
    v: 2,
    p: s.lastPrice,
    id: s.lastTradeId,
    t: s.newestTs,
    e: s.newestId,
    x: s.newestPrice,
    g: s.sector,
    s: s.staleReported ? 1 : 0,
    r: compactRolling(s.returns),
    q: compactRolling(s.sizes),
  };
  return JSON.stringify(stored);
}

function compactRolling(r: Rolling): StoredRolling {
  return { b: r.values, h: r.head, m: r.mean, m2: r.m2, c: r.sinceExact };
}

/** A {@link WindowState} as stored (version 2). */
interface StoredState {
  v: 2;
  p: number;
  id: string;
  t: number;
  e: string;
  x: string;
  g: string;
  s: 0 | 1;
  r: StoredRolling;
  q: StoredRolling;
}

/** A {@link Rolling} as stored. */
interface StoredRolling {
  b: number[];
  h: number;
  m: number;
  m2: number;
  c: number;
}

/**
 * Reads a stored state. Throws (SyntaxError) on text that is not JSON, so a corrupt state fails
 * its batch visibly rather than silently losing the window. Accepts the current shape (v 2) and
 * converts the version-1 shape `{p, id, t, r}`: its returns become the return window (mean and
 * m2 computed exactly), the size window starts empty, the last event is its last trade. Any
 * other JSON value yields undefined: the ticker starts a fresh window.
 */
export function parseState(json: string): WindowState | undefined {
  return upgradeState(JSON.parse(json));
}

/** {@link parseState} for an already parsed value. */
export function upgradeState(raw: unknown): WindowState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  if (isStoredState(o)) {
    return {
      lastPrice: o.p,
      lastTradeId: o.id,
      newestTs: o.t,
      newestId: o.e,
      newestPrice: o.x,
      sector: o.g,
      staleReported: o.s === 1,
      returns: readableRolling(o.r),
      sizes: readableRolling(o.q),
    };
  }
  if (
    o.v === undefined &&
    isFiniteNumber(o.p) &&
    o.p > 0 &&
    typeof o.id === 'string' &&
    isFiniteNumber(o.t) &&
    isNumberArray(o.r)
  ) {
    const returns: Rolling = { values: o.r.slice(), head: 0, mean: 0, m2: 0, sinceExact: 0 };
    resum(returns);
    return {
      lastPrice: o.p,
      lastTradeId: o.id,
      newestTs: o.t,
      newestId: o.id,
      newestPrice: canonicalDecimal(o.p) ?? String(o.p),
      sector: '',
      staleReported: false,
      returns,
      sizes: emptyRolling(),
    };
  }
  return undefined;
}

function readableRolling(r: StoredRolling): Rolling {
  return { values: r.b, head: r.h, mean: r.m, m2: r.m2, sinceExact: r.c };
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function isNumberArray(x: unknown): x is number[] {
  if (!Array.isArray(x)) return false;
  for (const v of x) if (!isFiniteNumber(v)) return false;
  return true;
}

function isStoredState(o: Record<string, unknown>): o is Record<string, unknown> & StoredState {
  return (
    o.v === 2 &&
    isFiniteNumber(o.p) &&
    typeof o.id === 'string' &&
    isFiniteNumber(o.t) &&
    typeof o.e === 'string' &&
    typeof o.x === 'string' &&
    typeof o.g === 'string' &&
    (o.s === 0 || o.s === 1) &&
    isStoredRolling(o.r) &&
    isStoredRolling(o.q)
  );
}

function isStoredRolling(x: unknown): x is StoredRolling {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    isNumberArray(r.b) &&
    Number.isInteger(r.h) &&
    (r.h as number) >= 0 &&
    (r.h as number) < Math.max(1, r.b.length) &&
    isFiniteNumber(r.m) &&
    isFiniteNumber(r.m2) &&
    Number.isInteger(r.c)
  );
}
