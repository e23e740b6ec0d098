import type { Redis } from './client';

/**
 * XINFO GROUPS and XINFO STREAM, typed. Redis answers both with flat `[name, value, ...]`
 * arrays (RESP2); the parsers are pure, so a caller that pipelines the command (one round
 * trip for several streams) parses the reply itself.
 */

/** One consumer group of a stream, as XINFO GROUPS reports it. */
export interface StreamGroupInfo {
  readonly name: string;
  readonly consumers: number;
  /** Delivered to a consumer, not yet acknowledged. */
  readonly pending: number;
  readonly lastDeliveredId: string;
  /**
   * Entries not yet delivered to the group (Redis >= 7); null when Redis cannot tell (after an
   * XDEL inside the undelivered range) or is older.
   */
  readonly lag: number | null;
  /** The logical read counter (Redis >= 7); null when unknown. */
  readonly entriesRead: number | null;
}

/** A stream as XINFO STREAM reports it (without FULL). */
export interface StreamInfo {
  readonly length: number;
  /** The oldest entry's id; undefined for an empty stream. */
  readonly firstEntryId: string | undefined;
  /** The newest entry's id; undefined for an empty stream. */
  readonly lastEntryId: string | undefined;
  /** The last id ever added (it stays after the entry is deleted). */
  readonly lastGeneratedId: string;
  /** Every entry ever added (Redis >= 7); undefined on older servers. */
  readonly entriesAdded: number | undefined;
  readonly groups: number;
}

/** A flat `[name, value, ...]` reply as a map; a trailing name without a value is dropped. */
export function replyFields(reply: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out.set(String(reply[i]), reply[i + 1]);
  return out;
}

const orNull = (v: unknown): number | null => (v == null ? null : Number(v));
const idOf = (v: unknown): string | undefined =>
  Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;

/** Parses an XINFO GROUPS reply. */
export function parseStreamGroups(reply: unknown): StreamGroupInfo[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((g) => {
    const m = replyFields(g);
    const last = m.get('last-delivered-id');
    return {
      name: String(m.get('name')),
      consumers: Number(m.get('consumers') ?? 0),
      pending: Number(m.get('pending') ?? 0),
      lastDeliveredId: typeof last === 'string' ? last : '',
      lag: orNull(m.get('lag')),
      entriesRead: orNull(m.get('entries-read')),
    };
  });
}

/** Parses an XINFO STREAM reply. */
export function parseStreamInfo(reply: unknown): StreamInfo {
  const m = replyFields(reply);
  const lastGenerated = m.get('last-generated-id');
  const added = m.get('entries-added');
  return {
    length: Number(m.get('length') ?? 0),
    firstEntryId: idOf(m.get('first-entry')),
    lastEntryId: idOf(m.get('last-entry')),
    lastGeneratedId: typeof lastGenerated === 'string' ? lastGenerated : '0-0',
    entriesAdded: added == null ? undefined : Number(added),
    groups: Number(m.get('groups') ?? 0),
  };
}

/** True for the error XINFO answers about a key that does not exist. */
export function isNoSuchKey(err: unknown): boolean {
  return err instanceof Error && /no such key/i.test(err.message);
}

/** The consumer groups of `stream`; none when the stream does not exist. */
export async function streamGroups(redis: Redis, stream: string): Promise<StreamGroupInfo[]> {
  try {
    return parseStreamGroups(await redis.xinfo('GROUPS', stream));
  } catch (err) {
    if (isNoSuchKey(err)) return [];
    throw err;
  }
}

/** `stream`'s XINFO STREAM; undefined when the stream does not exist. */
export async function streamInfo(redis: Redis, stream: string): Promise<StreamInfo | undefined> {
  try {
    return parseStreamInfo(await redis.xinfo('STREAM', stream));
  } catch (err) {
    if (isNoSuchKey(err)) return undefined;
    throw err;
  }
}
