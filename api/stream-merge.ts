import { compareStreamIds, type Redis } from '../lib/redis';
import {
  compareEntries,
  cutBelow,
  DONE,
  encodeCut,
  lowerPosition,
  previousStreamId,
  type Cut,
} from './partition-cursor';
import type { Connection, CursorKind } from './pagination';

type Entry = [id: string, fields: string[]];

/** One partition's stream of a merged list. */
export interface MergeSource {
  readonly partition: number;
  readonly key: string;
}

export interface MergeOptions<T> {
  readonly kind: CursorKind;
  /** Partitions of the deployment: the length of every cursor. */
  readonly partitions: number;
  /**
   * The partitions to read; the others are known to hold no match (e.g. a ticker filter
   * names one partition) and only carry their position along.
   */
  readonly sources: readonly MergeSource[];
  /** Where the previous page ended ({@link listCut}); undefined starts at the newest entries. */
  readonly after: Cut | undefined;
  /** Inclusive lowest id to read ('-' for none). */
  readonly bound: string;
  readonly want: number;
  /**
   * Entries examined at most, over all partitions: what a partition that fills up or runs out
   * leaves unused goes to the others.
   */
  readonly budget: number;
  /** Decodes an entry, or returns undefined when it does not match. */
  readonly pick: (id: string, fields: string[], partition: number) => T | undefined;
}

interface Found<T> {
  readonly id: string;
  readonly partition: number;
  readonly node: T;
}

/** Reading state of one partition. */
interface Lane<T> {
  readonly partition: number;
  readonly key: string;
  /** Next XREVRANGE start. */
  start: string;
  /** Lowest id examined so far. */
  examinedTo: string | undefined;
  /** Nothing left at or above the bound. */
  exhausted: boolean;
  readonly found: Found<T>[];
}

/**
 * One page of a list kept in one stream per partition, newest first over all of them (by
 * stream id, ties by partition), with one cursor that holds a position per partition. Each
 * partition is read backwards from its position, in parallel, until the merge can tell the
 * page's entries and whether more follow, or until the scan budget is spent: then the page
 * ends where every partition has been examined, and its cursor goes on from there.
 */
export async function mergeNewestFirst<T>(
  redis: Redis,
  o: MergeOptions<T>,
): Promise<Connection<T>> {
  const need = o.want + 1;
  const lanes: Lane<T>[] = o.sources.map(({ partition, key }) => {
    const at = o.after?.[partition];
    return {
      partition,
      key,
      start: at === undefined ? '+' : at,
      examinedTo: undefined,
      exhausted: at === DONE,
      found: [],
    };
  });

  let remaining = o.budget;
  for (;;) {
    const threshold = nth(lanes, need);
    // A partition examined below the `need`-th newest match found so far cannot add to the page.
    const todo = lanes.filter(
      (l) =>
        !l.exhausted &&
        l.found.length < need &&
        (threshold === undefined ||
          l.examinedTo === undefined ||
          compareStreamIds(l.examinedTo, threshold) > 0),
    );
    if (todo.length === 0 || remaining <= 0) break;
    const share = Math.max(1, Math.floor(remaining / todo.length));
    const used = await Promise.all(todo.map((l) => readLane(redis, l, o, need, share)));
    remaining -= used.reduce((a, b) => a + b, 0);
  }

  const all = lanes.flatMap((l) => l.found).sort((a, b) => compareEntries(b, a));
  // Entries below the highest point where an unfinished partition stopped may still have
  // newer company there: only those at or above it are certain.
  let frontier: string | undefined;
  for (const l of lanes) {
    if (l.exhausted) continue;
    const at = l.examinedTo ?? l.start;
    if (at === '+') frontier = '+';
    else if (frontier !== '+' && (frontier === undefined || compareStreamIds(at, frontier) > 0))
      frontier = at;
  }
  const certain =
    frontier === undefined
      ? all.length
      : frontier === '+'
        ? 0
        : countWhile(all, (f) => compareStreamIds(f.id, frontier) >= 0);

  const full = certain > o.want;
  const page = all.slice(0, full ? o.want : certain);
  const reachedStart = o.bound === '-';
  // Index in `all` of each partition's last match: past it, a partition read to its start is done.
  const lastFound = new Map<number, number>();
  all.forEach((f, i) => lastFound.set(f.partition, i));
  const doneAfter = (l: Lane<T>, index: number) =>
    reachedStart && l.exhausted && (lastFound.get(l.partition) ?? -1) <= index;

  const cursorAt = (below: string[], index: number): string => {
    const cut = below.map((c, p) => lowerPosition(c, o.after?.[p]));
    for (const l of lanes) if (doneAfter(l, index)) cut[l.partition] = DONE;
    return encodeCut(o.kind, cut);
  };
  const edges = page.map((f, i) => ({
    cursor: cursorAt(cutBelow(f.id, f.partition, o.partitions), i),
    node: f.node,
  }));

  let hasNextPage: boolean;
  let endCursor: string | null;
  if (full) {
    hasNextPage = true;
    endCursor = edges[edges.length - 1]!.cursor;
  } else if (frontier === undefined) {
    hasNextPage = false;
    endCursor = edges.length > 0 ? edges[edges.length - 1]!.cursor : null;
  } else if (frontier === '+') {
    // The budget ran out before a partition could be read at all: stay where the page began.
    hasNextPage = true;
    endCursor = o.after ? encodeCut(o.kind, o.after) : null;
  } else {
    // Stopped on the budget: go on below the highest point an unfinished partition reached.
    hasNextPage = true;
    const below = new Array<string>(o.partitions).fill(previousStreamId(frontier));
    endCursor = cursorAt(below, certain - 1);
  }
  return {
    edges,
    pageInfo: {
      hasNextPage,
      endCursor,
      // Lists page forward only: something precedes the page exactly when it began after a cursor.
      hasPreviousPage: o.after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
    },
  };
}

/** Reads one partition backwards until it has `need` matches, runs out, or examined `share`. */
async function readLane<T>(
  redis: Redis,
  lane: Lane<T>,
  o: MergeOptions<T>,
  need: number,
  share: number,
): Promise<number> {
  let examined = 0;
  let pageSize = Math.min(Math.max(need - lane.found.length + 1, 16), 1000);
  while (!lane.exhausted && lane.found.length < need && examined < share) {
    const count = Math.min(pageSize, share - examined);
    const page = (await redis.xrevrange(lane.key, lane.start, o.bound, 'COUNT', count)) as Entry[];
    let stopped = false;
    for (const [id, fields] of page) {
      examined++;
      lane.examinedTo = id;
      lane.start = `(${id}`;
      const node = o.pick(id, fields, lane.partition);
      if (node !== undefined) lane.found.push({ id, partition: lane.partition, node });
      if (lane.found.length >= need) {
        stopped = true;
        break;
      }
    }
    if (!stopped && page.length < count) lane.exhausted = true;
    pageSize = Math.min(pageSize * 4, 5000);
  }
  return examined;
}

/** Id of the n-th newest match over all lanes, if there are n. */
function nth<T>(lanes: readonly Lane<T>[], n: number): string | undefined {
  const all = lanes.flatMap((l) => l.found);
  if (all.length < n) return undefined;
  return all.sort((a, b) => compareEntries(b, a))[n - 1]!.id;
}

function countWhile<T>(items: readonly T[], ok: (item: T) => boolean): number {
  let n = 0;
  while (n < items.length && ok(items[n]!)) n++;
  return n;
}
