import { DAY_MS, dayOf, dayRange } from './day';

/**
 * The retention rule, pure: how far a stream may be trimmed. Redis keeps the last
 * `retentionDays` whole UTC days before today whatever happens, and below that only what is
 * archived: trimming walks days up from the stream's first entry and stops at the first day
 * without a manifest, so a gap in the archive (a night that failed) is never trimmed away.
 *
 * @returns the ms of the XTRIM MINID bound (`<ms>-0`: entries below it go), or undefined when
 * nothing may be trimmed.
 */
export function trimBoundMs(opts: {
  /** Ms part of the stream's first entry id; undefined for an empty stream. */
  readonly firstEntryMs: number | undefined;
  readonly archivedDays: ReadonlySet<string>;
  readonly nowMs: number;
  readonly retentionDays: number;
}): number | undefined {
  if (opts.firstEntryMs === undefined) return undefined;
  const today = dayRange(dayOf(opts.nowMs)).start;
  const cutoff = today - opts.retentionDays * DAY_MS;
  let day = dayOf(opts.firstEntryMs);
  let bound: number | undefined;
  for (;;) {
    const { end } = dayRange(day);
    if (end > cutoff || !opts.archivedDays.has(day)) break;
    bound = end;
    day = dayOf(end);
  }
  return bound;
}
