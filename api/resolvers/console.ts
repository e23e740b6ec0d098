import { archiveWorkflowId, replayWorkflowId } from '../../contract';
import { DAY_MS, dayOf } from '../../lib/archive/day';
import type { FailedBatch, PartitionKeys } from '../../lib/redis';
import type { ApiContext, Caller, Resolver } from '../context';
import { badUserInput } from '../errors';
import type { WorkflowRunView } from '../services/workflow-ops';

/**
 * The read-only fields the operations console needs beyond the data fields: who the caller
 * is, the archive's recent days, each failed batch's replay run and the lists' total counts.
 */

const me: Resolver<unknown, Record<string, never>, Caller> = (_p, _a, ctx) => ctx.caller;

const MAX_ARCHIVE_DAYS = 31;

interface ArchiveDayView {
  day: string;
  status: 'archived' | 'running' | 'failed' | 'missing';
  manifest: boolean | null;
  workflow: WorkflowRunView | null;
}

const archiveDays: Resolver<unknown, { last?: number | null }, ArchiveDayView[]> = async (
  _p,
  args,
  ctx,
) => {
  const last = args.last ?? 7;
  if (!Number.isInteger(last) || last < 1 || last > MAX_ARCHIVE_DAYS) {
    throw badUserInput('last', `must be from 1 to ${MAX_ARCHIVE_DAYS}`);
  }
  const today = Date.now();
  const days = Array.from({ length: last }, (_, i) => dayOf(today - (i + 1) * DAY_MS));
  const coverage = ctx.archive?.coverage
    ? await ctx.archive.coverage().catch((err: unknown) => {
        ctx.logger.warn({ err }, 'archive coverage not readable');
        return undefined;
      })
    : undefined;
  const archived = coverage ? new Set(coverage.archivedDays) : undefined;
  const runs = await Promise.all(days.map((d) => ctx.workflows.run(archiveWorkflowId(d))));
  return days.map((day, i) => {
    const run = runs[i];
    const manifest = archived ? archived.has(day) : null;
    const status =
      manifest === true || (manifest === null && run?.workflowStatus === 'COMPLETED')
        ? 'archived'
        : run?.workflowStatus === 'RUNNING'
          ? 'running'
          : run
            ? 'failed'
            : 'missing';
    return { day, status, manifest, workflow: run ?? null };
  });
};

export const consoleResolvers = {
  Query: { me, archiveDays },
  FailedBatch: {
    replay: async (b: FailedBatch, _a: unknown, ctx: ApiContext) =>
      (await ctx.workflows.run(replayWorkflowId(b.batchId))) ?? null,
  },
  FailedBatchConnection: {
    totalCount: (_c: unknown, _a: unknown, ctx: ApiContext) =>
      totalLength(ctx, (pk) => pk.failedBatches),
  },
  DeadLetterConnection: {
    totalCount: (_c: unknown, _a: unknown, ctx: ApiContext) =>
      totalLength(ctx, (pk) => pk.deadLetters),
  },
};

/** One stream of every partition, its lengths summed (XLEN each: a cluster pipeline keeps to one slot). */
async function totalLength(
  ctx: ApiContext,
  stream: (pk: PartitionKeys) => string,
): Promise<number> {
  const lengths = await Promise.all(ctx.keys.all.map((pk) => ctx.redis.xlen(stream(pk))));
  return lengths.reduce((a, b) => a + b, 0);
}
