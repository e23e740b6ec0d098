import { dayIdRange } from '../../lib/archive';
import { streamIdMs, streamInfo, type Redis } from '../../lib/redis';
import type { StreamEntry } from '../stream-reader';

/** Reading a day of a stream for the archive: pages, and whether Redis still holds all of it. */

/**
 * True when something other than the archive's own trim (the pipeline's MAXLEN cap, XDEL) may
 * have removed entries at or after `startMs` from `stream`. Redis 7.0 does not record what
 * XTRIM removed, so this reasons from the stream's head: a head at or before the day's start
 * means nothing of the day was cut from the head; a head inside or past it is explained only
 * by the archive's trims (whose resulting head `archiveTrim` records) or by a stream that never
 * lost an entry (entries-added = length).
 */
export async function droppedSince(
  redis: Redis,
  stream: string,
  trimRecord: string,
  startMs: number,
): Promise<boolean> {
  const info = await streamInfo(redis, stream);
  if (!info) return false; // no stream: nothing was ever there
  const head = info.firstEntryId;
  const headMs = head === undefined ? Infinity : streamIdMs(head);
  if (headMs < startMs || head === `${startMs}-0`) return false;
  if (info.entriesAdded === info.length) return false;
  const afterOurTrim = await redis.hget(trimRecord, stream);
  if (head !== undefined && afterOurTrim === head) return false;
  // Empty now: everything went; only a concern if it ever held entries at or after the start.
  return head !== undefined || streamIdMs(info.lastGeneratedId) >= startMs;
}

/** Pages of a stream range, decoded. */
export async function* pages(
  redis: Redis,
  stream: string,
  fromExclusive: string,
  day: string,
  pageSize: number,
): AsyncGenerator<StreamEntry[]> {
  const { first, last } = dayIdRange(day);
  let cursor = fromExclusive ? `(${fromExclusive}` : first;
  for (;;) {
    const page = (await redis.xrange(stream, cursor, last, 'COUNT', pageSize)) as StreamEntry[];
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    cursor = `(${page[page.length - 1]![0]}`;
  }
}

export function fieldBytes(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) n += f.length;
  return n;
}
