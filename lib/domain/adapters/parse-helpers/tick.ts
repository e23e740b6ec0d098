import type { NormalizedTick } from '../../types';
import { UNKNOWN_SECTOR, type NormalizeContext, type NormalizeOutcome } from '../adapter';

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
