import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import {
  batchId,
  stageProgressSignal,
  type StageRunInput,
  type StageRunResult,
} from '../../contract';
import { backoffDelay } from '../../lib/domain';
import {
  BatchCommit,
  encodeFailedBatch,
  GROUPS,
  isRedisUnavailable,
  type FailedBatch,
} from '../../lib/redis';
import { tracingOn } from '../../lib/tracing';
import { activityLogger, type ActivityDeps } from '../deps';
import { ChunkSpan } from './chunk-trace';
import { ensureGroup, groupLag, readBatch } from '../stream-reader';
import { consumerName, stageContext } from './batch-activities';
import { STAGE_PROCESSORS } from './stages';

/** What a stage activity heartbeats: where a retried attempt picks up. */
interface StageHeartbeat {
  readonly totals: StageRunResult;
  /** Failed attempts of the chunk that starts at `firstId` (failures of its content). */
  readonly failures: { readonly firstId: string; readonly count: number } | undefined;
}

/** Waits between attempts of a failing chunk, and while Redis is away (full jitter). */
const RETRY = { baseMs: 500, maxMs: 10_000 } as const;

/**
 * The runStage activity: works one stage slot of one partition for `runMs`, chunk after
 * chunk, each chunk read, processed and committed with its acknowledgement in one Lua call
 * (exactly once whatever is retried). It heartbeats between chunks, so a dead worker's slot
 * moves to another worker within the heartbeat timeout; the new attempt takes the consumer's
 * lease (a newer attempt fences off an older one still running behind a network split) and
 * re-reads the consumer's uncommitted chunk first.
 *
 * Failures are of two kinds. Redis unreachable (or a cluster failing over) is waited out,
 * heartbeating, for as long as it lasts: no attempt is used, no batch recorded as failed. A
 * chunk that fails on its content is tried `maxAttempts` times (the count survives a worker
 * crash in the heartbeat), then recorded in the partition's failed batches and acknowledged,
 * and the activity returns so that the workflow can mark it in the Temporal UI.
 */
export function createStageRunner(deps: ActivityDeps) {
  const { redis, keys, config, metrics } = deps;

  return {
    async runStage(input: StageRunInput): Promise<StageRunResult> {
      const ctx = Context.current();
      const { partition, stage, slot } = input;
      const pk = keys.partition(partition);
      const processor = STAGE_PROCESSORS[stage];
      const source = processor.source(pk);
      const group = GROUPS[stage];
      const consumer = consumerName(stage, slot);
      const lease = pk.consumerLease(consumer);
      const wf = ctx.info.workflowExecution;
      const token = `${wf?.runId ?? ''}:${ctx.info.activityId}:${ctx.info.attempt}`;
      const log = activityLogger(deps.logger, { partition, stage, slot });
      const { batchSize } = config.pipeline;
      // A blocked read must end well within the heartbeat timeout.
      const blockMs = Math.min(
        config.pipeline.blockMs,
        Math.floor((ctx.info.heartbeatTimeoutMs ?? 10_000) / 2),
      );
      const resumed = ctx.info.heartbeatDetails as StageHeartbeat | undefined;
      const totals: { -readonly [K in keyof StageRunResult]: StageRunResult[K] } = {
        partition,
        stage,
        slot,
        out: 0,
        deadLettered: 0,
        anomalies: 0,
        duplicates: 0,
        count: 0,
        chunks: 0,
        applied: true,
        ...resumed?.totals,
        ended: undefined,
      };
      let failures = resumed?.failures;
      const deadline = deps.now() + input.runMs;

      let stopping: StageRunResult['ended'];
      const onShutdown = () => (stopping ??= 'shutdown');
      if (deps.shutdown.aborted) onShutdown();
      deps.shutdown.addEventListener('abort', onShutdown, { once: true });
      ctx.cancelled.catch(() => (stopping ??= 'cancelled'));

      const heartbeat = () => ctx.heartbeat({ totals, failures } satisfies StageHeartbeat);
      const reporter = progressReporter(ctx, input.statusMs, deps.now, () => ({ ...totals }), log);

      /** Runs `fn`, waiting out Redis outages (heartbeating); other errors are thrown. */
      const patiently = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
        for (let waited = 0; ; waited++) {
          try {
            return await fn();
          } catch (err) {
            if (stopping || !isRedisUnavailable(err)) throw err;
            if (waited === 0) log.warn({ err: String(err), what }, 'Redis unavailable; waiting');
            metrics.redisWaits.inc({ stage });
            await pause(backoffDelay(waited, RETRY, Math.random));
          }
        }
      };
      /** Sleeps in steps, heartbeating, until `ms` pass or the activity must stop. */
      const pause = async (ms: number) => {
        const until = deps.now() + ms;
        while (!stopping && deps.now() < until) {
          heartbeat();
          await sleep(Math.min(1000, until - deps.now()));
        }
      };

      try {
        await patiently('lease', () => redis.set(lease, token));
        let checkPending = true;
        while (!stopping && deps.now() < deadline) {
          let firstId: string | undefined;
          let chunk: ChunkSpan | undefined;
          try {
            const entries = await patiently('read', () =>
              deps.blocking.use((conn) =>
                readBatch(
                  redis,
                  {
                    stream: source,
                    group,
                    consumer,
                    count: batchSize,
                    blockMs,
                    lingerMs: config.pipeline.lingerMs,
                    claimIdleMs: checkPending ? config.pipeline.claimIdleMs : undefined,
                    pendingFirst: checkPending,
                  },
                  conn,
                ),
              ),
            );
            heartbeat();
            if (entries.length === 0) {
              checkPending = false;
              if (reporter.dirty) {
                // Caught up: report exact totals, with the group's lag as Redis sees it.
                totals.lag = await groupLag(redis, source, group).catch(() => totals.lag);
                await reporter.idle();
              }
              continue;
            }
            const ids = entries.map(([id]) => id);
            firstId = ids[0]!;
            const started = process.hrtime.bigint();
            const commit = new BatchCommit(source, group, ids).fencedBy(lease, token);
            chunk = tracingOn()
              ? ChunkSpan.start(
                  entries,
                  {
                    stage,
                    partition,
                    stream: source,
                    group,
                    batchId: batchId(stage, partition, firstId),
                  },
                  stage === 'anomaly',
                )
              : undefined;
            const sctx = stageContext(deps, partition);
            const counts = await processor.build(
              entries,
              commit,
              chunk?.trace ? { ...sctx, trace: chunk.trace } : sctx,
            );
            const exec = () => commit.exec(redis);
            const result = await patiently('commit', chunk ? () => chunk!.commit(exec) : exec);
            if (result.fenced) {
              log.warn({ token }, 'a newer attempt took this slot over; stopping');
              chunk?.end({ fenced: 1 });
              stopping = 'fenced';
              break;
            }
            metrics.batchDuration.observe(
              { stage },
              Number(process.hrtime.bigint() - started) / 1e9,
            );
            if (result.applied) {
              const inc = (outcome: string, n: number) =>
                n > 0 && metrics.batchEvents.inc({ stage, outcome }, n);
              inc('ok', entries.length - counts.deadLettered - result.duplicates);
              inc('dead_letter', counts.deadLettered);
              inc('duplicate', result.duplicates);
              totals.out += counts.out - result.duplicates;
              totals.deadLettered += counts.deadLettered;
              totals.anomalies += counts.anomalies;
              totals.duplicates += result.duplicates;
            } else totals.applied = false;
            chunk?.end({
              out: counts.out - result.duplicates,
              dead_letters: counts.deadLettered,
              duplicates: result.duplicates,
              anomalies: counts.anomalies,
            });
            chunk = undefined;
            totals.count += entries.length;
            totals.chunks++;
            totals.firstId ??= firstId;
            totals.lastId = ids[ids.length - 1];
            totals.lastChunkId = firstId;
            failures = undefined;
            // A full chunk may have more behind it: no need to look for pending entries then.
            checkPending = false;
            heartbeat();
            // A steady flow never reads empty: the lag is refreshed for each report instead.
            if (reporter.due) totals.lag = await groupLag(redis, source, group).catch(() => null);
            reporter.changed();
          } catch (err) {
            chunk?.end(err instanceof Error ? err : new Error(String(err)));
            if (stopping) break;
            if (err instanceof Error && err.message.startsWith('NOGROUP')) {
              await patiently('group', () => ensureGroup(redis, source, group));
              continue;
            }
            // The content of the chunk failed: its entries stay pending for this consumer.
            checkPending = true;
            const count = failures && failures.firstId === firstId ? failures.count + 1 : 1;
            failures = { firstId: firstId ?? '', count };
            heartbeat();
            log.warn({ err, attempt: count, firstId }, 'chunk failed');
            if (count >= input.maxAttempts) {
              const quarantined = await patiently('quarantine', () =>
                quarantine(deps, input, lease, token, String(err)),
              );
              if (quarantined) {
                totals.ended = 'quarantined';
                totals.quarantined = quarantined;
                failures = undefined;
                break;
              }
            }
            await pause(backoffDelay(count - 1, RETRY, Math.random));
          }
        }
        totals.lag = await groupLag(redis, source, group).catch(() => null);
      } finally {
        deps.shutdown.removeEventListener('abort', onShutdown);
      }
      totals.ended ??= stopping ?? 'run-time';
      await reporter.stop();
      return totals;
    },
  };
}

/**
 * Records the consumer's uncommitted chunk as a failed batch and acknowledges it, in one
 * fenced commit; null when nothing was pending (another attempt dealt with it).
 */
async function quarantine(
  deps: ActivityDeps,
  input: StageRunInput,
  lease: string,
  token: string,
  error: string,
): Promise<{ batchId: string; error: string } | null> {
  const pk = deps.keys.partition(input.partition);
  const source = STAGE_PROCESSORS[input.stage].source(pk);
  const group = GROUPS[input.stage];
  const pending = (await deps.redis.xpending(
    source,
    group,
    '-',
    '+',
    deps.config.pipeline.batchSize,
    consumerName(input.stage, input.slot),
  )) as [string, string, number, number][];
  const ids = pending.map(([id]) => id);
  if (ids.length === 0) return null;
  const batch: FailedBatch = {
    batchId: batchId(input.stage, input.partition, ids[0]!),
    stage: input.stage,
    stream: source,
    ids,
    error: error.slice(0, 2000),
    attempts: input.maxAttempts,
    failedAt: deps.now(),
  };
  const result = await new BatchCommit(source, group, ids)
    .fencedBy(lease, token)
    .xadd(pk.failedBatches, encodeFailedBatch(batch))
    .hincrby(pk.pipelineStats, `${input.stage}:failed`, ids.length)
    .exec(deps.redis);
  if (result.fenced) return null;
  deps.metrics.batchesFailed.inc({ stage: input.stage });
  activityLogger(deps.logger, { stage: input.stage, batchId: batch.batchId }).error(
    { ids: ids.length, error: batch.error },
    'chunk failed every attempt; recorded for replay',
  );
  return { batchId: batch.batchId, error: batch.error };
}

/**
 * Signals the activity's counters to its workflow (the `status` query): every `statusMs`
 * while they change, and soon (at most once a second) after the stream runs dry, so a caught-up
 * pipeline shows exact totals; one signal at a time, in order. Failures are logged, never thrown.
 */
function progressReporter(
  ctx: Context,
  statusMs: number,
  now: () => number,
  snapshot: () => StageRunResult,
  log: ReturnType<typeof activityLogger>,
) {
  let dirty = false;
  let lastAt = now();
  let lastCount = 0;
  let sending: Promise<void> = Promise.resolve();
  const send = () => {
    dirty = false;
    const at = now();
    const seconds = (at - lastAt) / 1000;
    lastAt = at;
    const wf = ctx.info.workflowExecution;
    if (!wf) return sending;
    const snap = snapshot();
    const s: StageRunResult = {
      ...snap,
      eventsPerSecond: seconds > 0 ? Math.round((snap.count - lastCount) / seconds) : 0,
    };
    lastCount = snap.count;
    sending = sending.then(async () => {
      try {
        await ctx.client.workflow.getHandle(wf.workflowId, wf.runId).signal(stageProgressSignal, s);
      } catch (err) {
        log.debug({ err }, 'progress signal not delivered');
      }
    });
    return sending;
  };
  return {
    /** Counters changed since the last report. */
    get dirty() {
      return dirty;
    },
    /** The next change sends a report. */
    get due() {
      return now() - lastAt >= statusMs;
    },
    changed() {
      dirty = true;
      if (now() - lastAt >= statusMs) void send();
    },
    async idle() {
      if (dirty && now() - lastAt >= 1000) await send();
    },
    async stop() {
      if (dirty) await send();
      await sending;
    },
  };
}
