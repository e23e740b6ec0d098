import {
  decodeDeadLetter,
  decodeFailedBatch,
  streamIdMs,
  type FailedBatch,
  type PartitionKeys,
} from '../../lib/redis';
import type { DeadLetter } from '../../lib/domain/types';
import { FEED_NAME_PATTERN } from '../../contract';
import type { ApiContext, Resolver } from '../context';
import { ERROR_CODES, userError } from '../errors';
import type { Connection, CursorKind } from '../pagination';
import { decodeCut, listCut } from '../partition-cursor';
import type { FeedView } from '../services/workflow-ops';
import { mergeNewestFirst } from '../stream-merge';
import { parseFirst } from '../validation';

const feeds: Resolver<unknown, Record<string, never>, FeedView[]> = (_p, _a, ctx) =>
  ctx.workflows.listFeeds();

const feed: Resolver<unknown, { name: string }, FeedView> = async (_p, args, ctx) => {
  const v = FEED_NAME_PATTERN.test(args.name) ? await ctx.workflows.feed(args.name) : undefined;
  if (!v)
    throw userError(ERROR_CODES.UNKNOWN_FEED, `No feed named "${args.name}"`, { feed: args.name });
  return v;
};

type PageArgs = { first?: number | null; after?: string | null };

/** One page of a stream kept per partition, newest first over all of them, every entry kept. */
async function newestFirst<T>(
  ctx: ApiContext,
  stream: (keys: PartitionKeys) => string,
  kind: CursorKind,
  args: PageArgs,
  decode: (id: string, fields: string[], partition: number) => T,
): Promise<Connection<T>> {
  const first = parseFirst(args.first, ctx.config.graphql.maxPageSize, 50);
  const partitions = ctx.keys.partitions;
  const after =
    args.after == null ? undefined : listCut(decodeCut(kind, args.after, partitions), partitions);
  return await mergeNewestFirst(ctx.redis, {
    kind,
    partitions,
    sources: ctx.keys.all.map((k) => ({ partition: k.partition, key: stream(k) })),
    after,
    bound: '-',
    want: first,
    // No filter: each partition reads at most one page more than the page.
    budget: partitions * (first + 1),
    pick: decode,
  });
}

type StoredFailedBatch = FailedBatch & { streamId: string; partition: number };
type StoredDeadLetter = DeadLetter & { id: string; partition: number };

const failedBatches: Resolver<unknown, PageArgs, Connection<StoredFailedBatch>> = (_p, args, ctx) =>
  newestFirst(
    ctx,
    (k) => k.failedBatches,
    'batch',
    args,
    (id, fields, partition) => ({ ...decodeFailedBatch(fields), streamId: id, partition }),
  );

const deadLetters: Resolver<unknown, PageArgs, Connection<StoredDeadLetter>> = (_p, args, ctx) =>
  newestFirst(
    ctx,
    (k) => k.deadLetters,
    'deadletter',
    args,
    (id, fields, partition) => ({ ...decodeDeadLetter(fields), id, partition }),
  );

export const operationResolvers = {
  Query: { feeds, feed, failedBatches, deadLetters },
  Feed: {
    state: (f: FeedView) => f.status?.state ?? null,
    adapter: (f: FeedView) => f.status?.adapter ?? null,
    url: (f: FeedView) => f.status?.url ?? null,
    symbols: (f: FeedView) => f.status?.symbols ?? null,
    connected: (f: FeedView) => f.status?.connected ?? null,
    throttled: (f: FeedView) => f.status?.throttled ?? null,
    lag: (f: FeedView) => f.status?.lag ?? null,
    messagesTotal: (f: FeedView) => f.status?.messagesTotal ?? null,
    eventsTotal: (f: FeedView) => f.status?.eventsTotal ?? null,
    parseErrorsTotal: (f: FeedView) => f.status?.parseErrorsTotal ?? null,
    reconnectsTotal: (f: FeedView) => f.status?.reconnectsTotal ?? null,
    messagesPerSecond: (f: FeedView) => f.status?.messagesPerSecond ?? null,
    eventsPerSecond: (f: FeedView) => f.status?.eventsPerSecond ?? null,
    lastMessageAt: (f: FeedView) => toMs(f.status?.lastMessageAt),
    lastError: (f: FeedView) => f.status?.lastError ?? null,
    lastErrorAt: (f: FeedView) => toMs(f.status?.lastErrorAt),
  },
  FailedBatch: {
    size: (b: FailedBatch) => b.ids.length,
    failedAt: (b: FailedBatch) => b.failedAt,
  },
  DeadLetter: {
    time: (d: StoredDeadLetter) => streamIdMs(d.id),
    redrivenFrom: (d: StoredDeadLetter) => d.redrivenFrom ?? null,
    redrive: async (d: StoredDeadLetter, _a: unknown, ctx: ApiContext) => {
      const v = await ctx.redis.hget(ctx.keys.partition(d.partition).redriveOutcomes, d.id);
      if (!v) return null;
      const o = JSON.parse(v) as { outcome: string; redrive: string; at: number; detail?: string };
      return { outcome: o.outcome, workflowId: o.redrive, at: o.at, detail: o.detail ?? null };
    },
  },
};

function toMs(iso: string | null | undefined): number | null {
  return iso ? Date.parse(iso) : null;
}
