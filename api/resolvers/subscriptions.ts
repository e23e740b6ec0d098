import { Repeater } from 'graphql-yoga';
import type { AnomalyType, Severity } from '../../lib/domain/types';
import { compareStreamIds, STREAM_ID, type LatestQuote } from '../../lib/redis';
import type { ApiContext } from '../context';
import { badUserInput } from '../errors';
import { decodeCut, encodeCut, resumeCut } from '../partition-cursor';
import type { PartitionedAnomaly } from '../services/anomaly-tail';
import { parseFeed, parseTicker } from '../validation';
import { traceDelivery } from '../services/quote-trace';

/** Items a slow subscriber may have waiting before it is cut off (memory stays bounded). */
const MAX_QUEUED = 1000;
const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

class SlowConsumer extends Error {
  constructor() {
    super(
      `subscriber fell more than ${MAX_QUEUED} events behind; resubscribe (with after, for anomalies)`,
    );
  }
}

/**
 * A queue between a synchronous source (pub/sub, the tail) and one subscriber: pushes never
 * wait, and a subscriber that lets MAX_QUEUED items pile up is ended with an error.
 */
function queueing<T>(
  ctx: ApiContext,
  field: string,
  setup: (
    push: (item: T) => Promise<unknown> | undefined,
    fail: (err: Error) => void,
  ) => Promise<() => void> | (() => void),
  prefix?: (push: (item: T) => Promise<unknown>, enqueue: (item: T) => void) => Promise<void>,
): Repeater<T> {
  return new Repeater<T>(async (push, stop) => {
    // Counted from the first read (an iterator nobody reads never runs this, nor leaks a slot).
    let release: () => void;
    try {
      release = ctx.subscriptions.open(field, ctx.transport, () => stop());
    } catch (err) {
      stop(err);
      return;
    }
    let pending = 0;
    let failed = false;
    /** Resolves when the subscriber took the item; undefined when it was dropped. */
    const enqueue = (item: T): Promise<unknown> | undefined => {
      if (failed) return undefined;
      if (pending >= MAX_QUEUED) {
        failed = true;
        stop(new SlowConsumer());
        return undefined;
      }
      pending++;
      return push(item).then(() => pending--);
    };
    let teardown: () => void = () => undefined;
    try {
      teardown = await setup(enqueue, (err) => {
        failed = true;
        stop(err);
      });
      // The prefix (a catch-up) waits for the subscriber, so it may be long without queueing.
      if (prefix) await prefix(push, enqueue);
    } catch (err) {
      stop(err);
    }
    await stop;
    teardown();
    release();
  });
}

function quoteUpdated(
  _p: unknown,
  args: { tickers?: string[] | null; feed?: string | null },
  ctx: ApiContext,
): AsyncIterable<{ quoteUpdated: LatestQuote }> {
  const wanted = args.tickers
    ? new Set(args.tickers.map((t, i) => parseTicker(t, `tickers[${i}]`)))
    : undefined;
  const feed = args.feed == null ? undefined : parseFeed(args.feed);
  return queueing(ctx, 'quoteUpdated', (push) =>
    ctx.quotes.listen((q) => {
      if ((!wanted || wanted.has(q.ticker)) && (feed === undefined || q.feed === feed))
        traceDelivery('quoteUpdated', q.traceparent !== undefined, () => push({ quoteUpdated: q }));
    }),
  );
}

type AnomalyFilterArg = {
  ticker?: string | null;
  feed?: string | null;
  types?: AnomalyType[] | null;
  minSeverity?: Severity | null;
};

function anomalyMatcher(
  f: AnomalyFilterArg | null | undefined,
): (a: PartitionedAnomaly) => boolean {
  const ticker = f?.ticker == null ? undefined : parseTicker(f.ticker, 'filter.ticker');
  const feed = f?.feed == null ? undefined : parseFeed(f.feed, 'filter.feed');
  const types = f?.types ? new Set(f.types) : undefined;
  const min = f?.minSeverity == null ? 0 : SEVERITY_RANK[f.minSeverity];
  return (a) =>
    (ticker === undefined || a.ticker === ticker) &&
    (feed === undefined || a.feed === feed) &&
    (types === undefined || types.has(a.type)) &&
    SEVERITY_RANK[a.severity] >= min;
}

/**
 * `after` is an `Anomaly.cursor` (a position per partition), an `anomalies` cursor, or a raw
 * anomaly id (what clients had before partitions: that id in every partition).
 */
function parseAfter(after: string | null | undefined, partitions: number): string[] | undefined {
  if (after == null) return undefined;
  if (STREAM_ID.test(after)) return new Array<string>(partitions).fill(after);
  try {
    return resumeCut(decodeCut('anomaly', after, partitions), partitions);
  } catch {
    throw badUserInput(
      'after',
      'must be an Anomaly.cursor, an anomalies cursor or an anomaly id (e.g. 1700000000000-0)',
    );
  }
}

function anomalyDetected(
  _p: unknown,
  args: { filter?: AnomalyFilterArg | null; after?: string | null },
  ctx: ApiContext,
): AsyncIterable<{ anomalyDetected: PartitionedAnomaly }> {
  const matches = anomalyMatcher(args.filter);
  const after = parseAfter(args.after, ctx.keys.partitions);
  // Per partition, delivered in id order with no repeat: catch-up first, then live entries
  // past it. `last` is the subscription's position; each anomaly carries it as its cursor.
  const last: string[] = after ? [...after] : [];
  let live: string[] = [];
  const held: PartitionedAnomaly[] = [];
  let caughtUp = after === undefined;
  /** Advances the position; the anomaly to send when it is new and matches. */
  const admit = (a: PartitionedAnomaly): { anomalyDetected: PartitionedAnomaly } | undefined => {
    if (compareStreamIds(a.id, last[a.partition] ?? '0-0') <= 0) return undefined;
    last[a.partition] = a.id;
    return matches(a)
      ? { anomalyDetected: { ...a, cursor: encodeCut('anomaly', last) } }
      : undefined;
  };
  return queueing<{ anomalyDetected: PartitionedAnomaly }>(
    ctx,
    'anomalyDetected',
    async (push, fail) => {
      const { from, unlisten } = await ctx.anomalyTail.listen((a) => {
        if (caughtUp) {
          const item = admit(a);
          if (item) void push(item);
        }
        // Live entries wait while the catch-up runs; a catch-up slower than the stream is cut off.
        else if (held.length < MAX_QUEUED * 10) held.push(a);
        else fail(new SlowConsumer());
      });
      live = from;
      if (after === undefined) last.splice(0, last.length, ...from);
      return unlisten;
    },
    after === undefined
      ? undefined
      : async (push, enqueue) => {
          for await (const a of ctx.anomalyTail.catchUp(after, live)) {
            const item = admit(a);
            if (item) await push(item);
          }
          // In one synchronous step: what the tail delivered during the catch-up, then the
          // switch to live delivery, so nothing is reordered, lost or repeated.
          for (const a of held.splice(0)) {
            const item = admit(a);
            if (item) void enqueue(item);
          }
          caughtUp = true;
        },
  );
}

export const subscriptionResolvers = {
  Subscription: {
    quoteUpdated: { subscribe: quoteUpdated },
    anomalyDetected: { subscribe: anomalyDetected },
  },
};
