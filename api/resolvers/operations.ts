import {
  decodeDeadLetter,
  decodeFailedBatch,
  GROUPS,
  parseStreamGroups,
  streamIdMs,
  type FailedBatch,
  type Keys,
  type Redis,
  type StreamGroupInfo,
} from '../../lib/redis';
import type { DeadLetter } from '../../lib/domain/types';
import { FEED_NAME_PATTERN, type StageTotals } from '../../contract';
import type { ApiContext, Resolver } from '../context';
import { ERROR_CODES, userError } from '../errors';
import { connection, decodeCursor, type Connection, type CursorKind } from '../pagination';
import type { FeedView, PipelineView } from '../services/workflow-ops';
import { scanStream } from '../stream-scan';
import { byText } from '../sort';
import { parseFirst } from '../validation';

const feeds: Resolver<unknown, Record<string, never>, FeedView[]> = (_p, _a, ctx) =>
  ctx.workflows.listFeeds();

const feed: Resolver<unknown, { name: string }, FeedView> = async (_p, args, ctx) => {
  const v = FEED_NAME_PATTERN.test(args.name) ? await ctx.workflows.feed(args.name) : undefined;
  if (!v)
    throw userError(ERROR_CODES.UNKNOWN_FEED, `No feed named "${args.name}"`, { feed: args.name });
  return v;
};

interface StreamView {
  name: string;
  length: number;
  groups: StreamGroupInfo[];
}

async function streamViews(redis: Redis, keys: Keys): Promise<StreamView[]> {
  const streams = [keys.rawEvents, keys.normalizedEvents, keys.anomalies, keys.deadLetters];
  const p = redis.pipeline();
  for (const s of streams) {
    p.xlen(s);
    p.call('XINFO', 'GROUPS', s);
  }
  const replies = (await p.exec()) ?? [];
  return streams.map((name, i) => {
    const [, length] = replies[2 * i] ?? [];
    // XINFO GROUPS of a missing stream is an error: no stream, no groups.
    const [groupsErr, groups] = replies[2 * i + 1] ?? [];
    return {
      name,
      length: Number(length ?? 0),
      groups: groupsErr ? [] : parseStreamGroups(groups),
    };
  });
}

type PipelineResult = PipelineView & {
  streams: StreamView[];
  counters: { name: string; value: number }[];
};

const pipeline: Resolver<unknown, Record<string, never>, PipelineResult> = async (_p, _a, ctx) => {
  const [view, streams, stats] = await Promise.all([
    ctx.workflows.pipeline(),
    streamViews(ctx.redis, ctx.keys),
    ctx.redis.hgetall(ctx.keys.pipelineStats),
  ]);
  return {
    ...view,
    streams,
    counters: Object.entries(stats)
      .map(([name, value]) => ({ name, value: Number(value) }))
      .sort((a, b) => byText(a.name, b.name)),
  };
};

type PageArgs = { first?: number | null; after?: string | null };

/** One page of a stream, newest first, every entry kept (no filter, so no scan budget). */
async function newestFirst<T>(
  ctx: ApiContext,
  key: string,
  kind: CursorKind,
  args: PageArgs,
  decode: (id: string, fields: string[]) => T,
  idOf: (node: T) => string,
): Promise<Connection<T>> {
  const first = parseFirst(args.first, ctx.config.graphql.maxPageSize, 50);
  const after = args.after == null ? undefined : decodeCursor(kind, args.after);
  const r = await scanStream(ctx.redis, {
    key,
    direction: 'backward',
    after,
    bound: '-',
    want: first,
    budget: first + 1,
    pick: decode,
  });
  return connection(kind, r.items, idOf, r.hasMore, undefined, args.after);
}

type StoredFailedBatch = FailedBatch & { streamId: string };
type StoredDeadLetter = DeadLetter & { id: string };

const failedBatches: Resolver<unknown, PageArgs, Connection<StoredFailedBatch>> = (_p, args, ctx) =>
  newestFirst(
    ctx,
    ctx.keys.failedBatches,
    'batch',
    args,
    (id, fields) => ({ ...decodeFailedBatch(fields), streamId: id }),
    (b) => b.streamId,
  );

const deadLetters: Resolver<unknown, PageArgs, Connection<StoredDeadLetter>> = (_p, args, ctx) =>
  newestFirst(
    ctx,
    ctx.keys.deadLetters,
    'deadletter',
    args,
    (id, fields) => ({ ...decodeDeadLetter(fields), id }),
    (d) => d.id,
  );

const stageOrder = Object.keys(GROUPS);

export const operationResolvers = {
  Query: { feeds, feed, pipeline, failedBatches, deadLetters },
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
  Pipeline: {
    stages: (p: PipelineResult) =>
      Object.entries(p.status?.stages ?? {})
        .sort(([a], [b]) => stageOrder.indexOf(a) - stageOrder.indexOf(b))
        .map(([stage, t]: [string, StageTotals]) => ({
          stage,
          ...t,
          duplicates: t.duplicates ?? 0,
          lag: t.lag ?? null,
          eventsPerSecond: t.eventsPerSecond ?? null,
          lastBatchId: t.lastBatchId ?? null,
        })),
    lastFailure: (p: PipelineResult) => {
      const f = p.status?.lastFailure;
      return f ? `${f.stage}${f.batchId ? ` ${f.batchId}` : ''}: ${f.error}` : null;
    },
  },
  FailedBatch: {
    size: (b: FailedBatch) => b.ids.length,
    failedAt: (b: FailedBatch) => b.failedAt,
  },
  DeadLetter: {
    time: (d: StoredDeadLetter) => streamIdMs(d.id),
  },
};

function toMs(iso: string | null | undefined): number | null {
  return iso ? Date.parse(iso) : null;
}
