import { Context } from '@temporalio/activity';
import {
  REDRIVE_DEFAULTS,
  type DeadLetterFilter,
  type LetterOutcome,
  type RedriveCounts,
  type RedriveOutcome,
  type RedrivePartitionResult,
  type RedriveProgress,
} from '../../contract';
import { normalizeRaw, type DeadLetter } from '../../lib/domain';
import {
  BatchCommit,
  TICK_FIELD,
  decodeDeadLetter,
  encodeDeadLetter,
  streamIdMs,
  tickJson,
  type PartitionKeys,
} from '../../lib/redis';
import { activityLogger, type ActivityDeps } from '../deps';
import { stageContext } from './batch-activities';
import type { StageContext } from './stages';
import { routed } from './stages/normalize';

/** One partition's share of a redrive: the activity's input. */
export interface RedrivePartitionInput {
  readonly partition: number;
  readonly filter: DeadLetterFilter;
  readonly maxLetters: number;
  readonly dryRun: boolean;
  /** The redrive's workflow id, recorded with each outcome. */
  readonly redriveId: string;
}

/** The outcome hash's value for a letter. */
interface StoredOutcome {
  readonly outcome: Exclude<RedriveOutcome, 'already-redriven'>;
  readonly redrive: string;
  readonly at: number;
  readonly detail?: string;
}

type Entry = [id: string, fields: string[]];

const EMPTY: RedriveCounts = {
  matched: 0,
  normalized: 0,
  duplicate: 0,
  deadLettered: 0,
  alreadyRedriven: 0,
};

function matches(id: string, d: DeadLetter, f: DeadLetterFilter): boolean {
  if (f.ids !== undefined && !f.ids.includes(id)) return false;
  if (f.feed !== undefined && d.feed !== f.feed) return false;
  if (f.reasonContains !== undefined && !d.reason.includes(f.reasonContains)) return false;
  const t = streamIdMs(id);
  return !(f.since !== undefined && t < f.since) && !(f.until !== undefined && t > f.until);
}

/**
 * Re-runs one partition's matching dead letters through the normalizer, in stream order, each
 * in its own commit guarded by the letter's marker (mode "once"): a letter is redriven at most
 * once, whatever is retried or run twice. Its outcome goes to the partition's outcome hash in
 * the same commit. Letters the redrive writes itself (a letter that fails again) come after
 * the stream's last id at the start and are not read again. Heartbeats every chunk with the
 * last letter dealt with; a retry resumes after it.
 */
export function createRedriveActivities(deps: ActivityDeps) {
  const { redis, keys } = deps;

  /** What the normalizer makes of a letter's payload now (with the adapter of this build). */
  function attempt(ctx: StageContext, d: DeadLetter) {
    // The raw entry's id was assigned when ingestion appended it: the receive time, near enough.
    const raw = {
      feed: d.feed,
      adapter: d.adapter,
      recvTs: streamIdMs(d.sourceStreamId),
      sourceId: '',
      payload: d.payload,
    };
    return routed(normalizeRaw(raw, { sectors: ctx.sectors, limits: ctx.limits }), ctx);
  }

  async function redriveLetter(
    ctx: StageContext,
    pk: PartitionKeys,
    id: string,
    d: DeadLetter,
    input: RedrivePartitionInput,
  ): Promise<LetterOutcome> {
    const r = attempt(ctx, d);
    const commit = new BatchCommit(pk.deadLetters, 'redrive', [], {
      kind: 'once',
      markerKey: pk.redriveMarker(id),
      ttlSeconds: REDRIVE_DEFAULTS.markerTtlSeconds,
    });
    const at = deps.now();
    const record = (outcome: StoredOutcome['outcome'], detail?: string) => [
      id,
      JSON.stringify({ outcome, redrive: input.redriveId, at, ...(detail ? { detail } : {}) }),
    ];
    commit.hincrby(pk.pipelineStats, 'redrive:in', 1);
    if (r.ok) {
      const { tick } = r;
      if (ctx.dedupeWindowMs > 0 && tick.seq !== '') {
        // Recorded first and overwritten below when the event is new: the guard skips the rest.
        commit.hset(pk.redriveOutcomes, record('duplicate'));
        commit.dedupe(
          pk.dedupe(tick.feed, Math.floor(tick.ts / ctx.dedupeWindowMs)),
          tick.seq,
          Math.ceil((2 * ctx.dedupeWindowMs) / 1000),
          { hash: pk.pipelineStats, field: 'redrive:duplicate' },
          3,
        );
      }
      commit
        .xadd(pk.normalizedEvents, [TICK_FIELD, tickJson(tick, d.sourceStreamId)], ctx.maxLen)
        .hset(pk.redriveOutcomes, record('normalized'))
        .hincrby(pk.pipelineStats, 'redrive:normalized', 1);
      const res = await commit.exec(redis);
      if (!res.applied) return earlierOutcome(pk, id, input.redriveId);
      const outcome = res.duplicates > 0 ? 'duplicate' : 'normalized';
      return { partition: pk.partition, letterId: id, outcome };
    }
    commit
      .xadd(
        pk.deadLetters,
        encodeDeadLetter({ ...d, reason: r.reason, redrivenFrom: id }),
        ctx.maxLen,
      )
      .hset(pk.redriveOutcomes, record('dead-lettered', r.reason))
      .hincrby(pk.pipelineStats, 'redrive:dead_letter', 1);
    const res = await commit.exec(redis);
    if (!res.applied) return earlierOutcome(pk, id, input.redriveId);
    return { partition: pk.partition, letterId: id, outcome: 'dead-lettered', detail: r.reason };
  }

  /** A dry run: what would become of the letter, changing nothing (duplicates are not foreseen). */
  async function foresee(
    ctx: StageContext,
    pk: PartitionKeys,
    id: string,
    d: DeadLetter,
  ): Promise<LetterOutcome> {
    if (await redis.exists(pk.redriveMarker(id))) return earlierOutcome(pk, id, undefined);
    const r = attempt(ctx, d);
    return r.ok
      ? { partition: pk.partition, letterId: id, outcome: 'normalized' }
      : { partition: pk.partition, letterId: id, outcome: 'dead-lettered', detail: r.reason };
  }

  /**
   * A letter whose marker was set before: taken by another redrive, or by this one in an
   * attempt that died after its commit (then its recorded outcome counts, as if never retried).
   */
  async function earlierOutcome(
    pk: PartitionKeys,
    id: string,
    redriveId: string | undefined,
  ): Promise<LetterOutcome> {
    const before = await redis.hget(pk.redriveOutcomes, id);
    const earlier = before ? (JSON.parse(before) as StoredOutcome) : undefined;
    const base = { partition: pk.partition, letterId: id };
    if (earlier && earlier.redrive === redriveId)
      return {
        ...base,
        outcome: earlier.outcome,
        ...(earlier.detail ? { detail: earlier.detail } : {}),
      };
    return {
      ...base,
      outcome: 'already-redriven',
      ...(earlier ? { detail: `${earlier.outcome} by ${earlier.redrive}` } : {}),
    };
  }

  /**
   * Whether a letter was written by this very redrive (its letter failed again): a retry that
   * lost its heartbeat reads past the first attempt's end and must not take its own output.
   */
  async function writtenBy(pk: PartitionKeys, d: DeadLetter, redriveId: string): Promise<boolean> {
    if (d.redrivenFrom === undefined) return false;
    const v = await redis.hget(pk.redriveOutcomes, d.redrivenFrom);
    return v !== null && (JSON.parse(v) as StoredOutcome).redrive === redriveId;
  }

  return {
    async redriveDeadLetterPartition(
      input: RedrivePartitionInput,
    ): Promise<RedrivePartitionResult> {
      let ctx: Context | undefined;
      try {
        ctx = Context.current();
      } catch {
        ctx = undefined; // called outside an activity (tests, scripts)
      }
      const pk = keys.partition(input.partition);
      // Once per run, not per letter: the limits, sectors and keys a letter is normalized with.
      const stage = stageContext(deps, input.partition);
      const log = activityLogger(deps.logger, { partition: input.partition });
      const resumed = ctx?.info.heartbeatDetails as RedriveProgress | undefined;
      const counts: RedriveCounts = { ...EMPTY, ...(resumed && pickCounts(resumed)) };
      let endId = resumed?.endId;
      if (endId === undefined) {
        const last = (await redis.xrevrange(pk.deadLetters, '+', '-', 'COUNT', 1)) as Entry[];
        endId = last[0]?.[0] ?? '0-0';
      }
      // Chosen letters: only the span of their times is read.
      const ids = input.filter.ids?.map(streamIdMs);
      const since = ids ? Math.max(input.filter.since ?? 0, Math.min(...ids)) : input.filter.since;
      const until = ids
        ? Math.min(input.filter.until ?? Infinity, Math.max(...ids))
        : input.filter.until;
      const end =
        until !== undefined && until < streamIdMs(endId) ? `${until}-18446744073709551615` : endId;
      let start = resumed ? `(${resumed.lastId}` : since !== undefined ? `${since}-0` : '-';
      const outcomes: LetterOutcome[] = [];
      let truncated = false;
      for (;;) {
        if (deps.shutdown.aborted) throw new Error('worker shutting down; the redrive resumes');
        const page = (await redis.xrange(
          pk.deadLetters,
          start,
          end,
          'COUNT',
          REDRIVE_DEFAULTS.chunk,
        )) as Entry[];
        let lastId: string | undefined;
        for (const [id, fields] of page) {
          const d = decodeDeadLetter(fields);
          if (!matches(id, d, input.filter) || (await writtenBy(pk, d, input.redriveId))) {
            lastId = id;
            continue;
          }
          if (counts.matched >= input.maxLetters) {
            truncated = true;
            break;
          }
          counts.matched++;
          const o = input.dryRun
            ? await foresee(stage, pk, id, d)
            : await redriveLetter(stage, pk, id, d, input);
          tally(counts, o.outcome);
          if (outcomes.length < REDRIVE_DEFAULTS.sampleOutcomes) outcomes.push(o);
          lastId = id;
        }
        if (lastId !== undefined) {
          const progress: RedriveProgress = {
            ...counts,
            partition: input.partition,
            lastId,
            endId,
          };
          ctx?.heartbeat(progress);
          start = `(${lastId}`;
        }
        if (truncated || page.length < REDRIVE_DEFAULTS.chunk) break;
      }
      log.info({ ...counts, truncated, dryRun: input.dryRun }, 'dead letters redriven');
      return { partition: input.partition, ...counts, truncated, outcomes };
    },
  };
}

function tally(c: RedriveCounts, o: RedriveOutcome): void {
  if (o === 'normalized') c.normalized++;
  else if (o === 'duplicate') c.duplicate++;
  else if (o === 'dead-lettered') c.deadLettered++;
  else c.alreadyRedriven++;
}

function pickCounts(p: RedriveProgress): RedriveCounts {
  return {
    matched: p.matched,
    normalized: p.normalized,
    duplicate: p.duplicate,
    deadLettered: p.deadLettered,
    alreadyRedriven: p.alreadyRedriven,
  };
}
