import {
  GROUPS,
  parseStreamGroups,
  type PartitionKeys,
  type Redis,
  type StreamGroupInfo,
} from '../../lib/redis';
import { compareStreamIds } from '../../lib/redis';
import { parseBatchId, type PipelineStatus, type StageTotals } from '../../contract';
import type { Resolver } from '../context';
import type { PipelinePartitionView } from '../services/workflow-ops';
import { byText } from '../sort';

interface StreamView {
  name: string;
  length: number;
  groups: StreamGroupInfo[];
}

interface CounterView {
  name: string;
  value: number;
}

interface StageView {
  stage: string;
  batches: number;
  events: number;
  out: number;
  deadLettered: number;
  duplicates: number;
  anomalies: number;
  failed: number;
  lag: number | null;
  eventsPerSecond: number | null;
  lastBatchId: string | null;
}

type Failure = NonNullable<PipelineStatus['lastFailure']>;

interface PartitionResult {
  partition: number;
  workflowId: string;
  runId: string | null;
  workflowStatus: string;
  stages: StageView[];
  streams: StreamView[];
  counters: CounterView[];
  lastFailure: string | null;
  /** For the totals: the failure itself. */
  failure: Failure | undefined;
}

type PipelineResult = Omit<PartitionResult, 'partition' | 'failure'> & {
  partitions: PartitionResult[];
};

/** One partition's streams with their groups: one pipeline, all in the partition's slot. */
async function streamViews(redis: Redis, keys: PartitionKeys): Promise<StreamView[]> {
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

const stageOrder = Object.keys(GROUPS);

function stageViews(status: PipelineStatus | null): StageView[] {
  return Object.entries(status?.stages ?? {})
    .sort(([a], [b]) => stageOrder.indexOf(a) - stageOrder.indexOf(b))
    .map(([stage, t]: [string, StageTotals]) => ({
      stage,
      batches: t.batches,
      events: t.events,
      out: t.out,
      deadLettered: t.deadLettered,
      duplicates: t.duplicates ?? 0,
      anomalies: t.anomalies,
      failed: t.failed,
      lag: t.lag ?? null,
      eventsPerSecond: t.eventsPerSecond ?? null,
      lastBatchId: t.lastBatchId ?? null,
    }));
}

/** Of two batch ids, the one whose first entry is newer (its stream id is in the id). */
function newerBatch(a: string | null, b: string | null): string | null {
  const sa = a === null ? undefined : parseBatchId(a)?.firstStreamId;
  const sb = b === null ? undefined : parseBatchId(b)?.firstStreamId;
  if (sa === undefined) return b ?? a;
  if (sb === undefined) return a;
  return compareStreamIds(sa, sb) >= 0 ? a : b;
}

const sumNullable = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : a + b;

/** Per stage, summed over the partitions that answered. */
function totalStages(parts: readonly PartitionResult[]): StageView[] {
  const byStage = new Map<string, StageView>();
  for (const s of parts.flatMap((p) => p.stages)) {
    const t = byStage.get(s.stage);
    if (!t) {
      byStage.set(s.stage, { ...s });
      continue;
    }
    t.batches += s.batches;
    t.events += s.events;
    t.out += s.out;
    t.deadLettered += s.deadLettered;
    t.duplicates += s.duplicates;
    t.anomalies += s.anomalies;
    t.failed += s.failed;
    t.lag = sumNullable(t.lag, s.lag);
    t.eventsPerSecond = sumNullable(t.eventsPerSecond, s.eventsPerSecond);
    t.lastBatchId = newerBatch(t.lastBatchId, s.lastBatchId);
  }
  return [...byStage.values()].sort(
    (a, b) => stageOrder.indexOf(a.stage) - stageOrder.indexOf(b.stage),
  );
}

function totalCounters(parts: readonly PartitionResult[]): CounterView[] {
  const sums = new Map<string, number>();
  for (const c of parts.flatMap((p) => p.counters))
    sums.set(c.name, (sums.get(c.name) ?? 0) + c.value);
  return [...sums.entries()]
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => byText(a.name, b.name));
}

function describeFailure(f: Failure | undefined): string | null {
  return f ? `${f.stage}${f.batchId ? ` ${f.batchId}` : ''}: ${f.error}` : null;
}

/** RUNNING when every partition's workflow runs, else the first other status. */
function overallStatus(parts: readonly PartitionResult[]): string {
  return parts.find((p) => p.workflowStatus !== 'RUNNING')?.workflowStatus ?? 'RUNNING';
}

async function partitionResult(
  redis: Redis,
  keys: PartitionKeys,
  view: PipelinePartitionView,
): Promise<PartitionResult> {
  const [streams, stats] = await Promise.all([
    streamViews(redis, keys),
    redis.hgetall(keys.pipelineStats),
  ]);
  const failure = view.status?.lastFailure;
  return {
    partition: view.partition,
    workflowId: view.workflowId,
    runId: view.runId,
    workflowStatus: view.workflowStatus,
    stages: stageViews(view.status),
    streams,
    counters: Object.entries(stats)
      .map(([name, value]) => ({ name, value: Number(value) }))
      .sort((a, b) => byText(a.name, b.name)),
    lastFailure: describeFailure(failure),
    failure,
  };
}

/**
 * The pipeline of every partition (its workflow's totals, its streams read from Redis now,
 * its exact counters), and the totals over them.
 */
const pipeline: Resolver<unknown, Record<string, never>, PipelineResult> = async (_p, _a, ctx) => {
  const view = await ctx.workflows.pipeline();
  const partitions = await Promise.all(
    view.partitions.map((v) => partitionResult(ctx.redis, ctx.keys.partition(v.partition), v)),
  );
  // The newest failure by its batch's first entry; failures without a batch id rank last.
  const failure = partitions
    .map((p) => p.failure)
    .filter((f): f is Failure => f !== undefined)
    .reduce<Failure | undefined>(
      (a, b) => (a === undefined || newerBatch(a.batchId, b.batchId) === b.batchId ? b : a),
      undefined,
    );
  return {
    workflowId: view.workflowId,
    runId: partitions.length === 1 ? partitions[0]!.runId : null,
    workflowStatus: overallStatus(partitions),
    stages: totalStages(partitions),
    streams: partitions.flatMap((p) => p.streams),
    counters: totalCounters(partitions),
    lastFailure: describeFailure(failure),
    partitions,
  };
};

export const pipelineResolvers = {
  Query: { pipeline },
};
