import { workflow } from './definitions';
import { FEED_NAME_PATTERN } from './patterns';

/** A Redis stream id. */
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/** The redriveDeadLetters workflow's contract. */

/**
 * Which dead letters to redrive. Every field narrows; none matches every letter. Times are
 * when the event was dead-lettered (the letter's stream id), ms since epoch.
 */
export interface DeadLetterFilter {
  /** Only letters of this feed. */
  readonly feed?: string;
  /** Only letters whose reason contains this text (case-sensitive). */
  readonly reasonContains?: string;
  /** Dead-lettered at or after this time. */
  readonly since?: number;
  /** Dead-lettered at or before this time. */
  readonly until?: number;
  /** Only these letters (stream ids in their partition's dead-letter stream; at most 1,000). */
  readonly ids?: readonly string[];
}

export interface RedriveInput {
  readonly filter: DeadLetterFilter;
  /** The partitions to look in (the starter fills in every partition when none are chosen). */
  readonly partitions: readonly number[];
  /** At most this many letters per partition (default REDRIVE_DEFAULTS.maxLetters). */
  readonly maxLetters?: number;
  /** Count what would be redriven, change nothing. */
  readonly dryRun?: boolean;
}

/**
 * What became of one letter. `normalized`: it now passes and its tick went on through the
 * pipeline; `duplicate`: it passes but its event was already seen (dropped, counted);
 * `dead-lettered`: it fails again (a new letter with the new reason); `already-redriven`: an
 * earlier redrive took it (nothing changed).
 */
export type RedriveOutcome = 'normalized' | 'duplicate' | 'dead-lettered' | 'already-redriven';

/** One letter's outcome, as recorded in its partition's outcome hash and returned (sampled). */
export interface LetterOutcome {
  readonly partition: number;
  /** The letter's id in its partition's dead-letter stream. */
  readonly letterId: string;
  readonly outcome: RedriveOutcome;
  /** `dead-lettered`: the new reason; `already-redriven`: the earlier outcome, when recorded. */
  readonly detail?: string;
}

/** Counts over letters; the workflow's result and the per-partition activity's. */
export interface RedriveCounts {
  /** Letters the filter selected. */
  matched: number;
  normalized: number;
  duplicate: number;
  deadLettered: number;
  alreadyRedriven: number;
}

export interface RedrivePartitionResult extends RedriveCounts {
  readonly partition: number;
  /** True when the partition had more matching letters than maxLetters (run again for more). */
  readonly truncated: boolean;
  /** The first outcomes (up to REDRIVE_DEFAULTS.sampleOutcomes); every one is in Redis. */
  readonly outcomes: LetterOutcome[];
}

export interface RedriveResult extends RedriveCounts {
  readonly dryRun: boolean;
  readonly partitions: RedrivePartitionResult[];
}

/** Heartbeat details of a partition's redrive: where a retry resumes, and the counts so far. */
export interface RedriveProgress extends RedriveCounts {
  readonly partition: number;
  /** The last letter id dealt with; the next attempt starts after it. */
  readonly lastId: string;
  /** The stream's last id when the redrive began: letters it writes itself are not re-read. */
  readonly endId: string;
}

export const REDRIVE_DEFAULTS = {
  /** Letters per partition a redrive takes unless told otherwise. */
  maxLetters: 10_000,
  /** Upper bound of `maxLetters`. */
  maxLettersLimit: 1_000_000,
  /** Letters read and committed per step (one heartbeat each). */
  chunk: 200,
  /** Per-letter outcomes carried in the result; the rest are in the outcome hash. */
  sampleOutcomes: 100,
  /** One partition's redrive activity; it heartbeats every chunk. */
  timeoutMs: 3_600_000,
  heartbeatTimeoutMs: 30_000,
  /** How long a letter is remembered as redriven (and its outcome kept). */
  markerTtlSeconds: 30 * 24 * 3600,
} as const;

/**
 * The id a redrive runs under: one per operator request (`redrive-<key>`); the key is the
 * caller's (the API and the CLI use the request time). Two redrives at once are safe: each
 * letter is taken by one of them only.
 */
export function redriveWorkflowId(key: string): string {
  return `redrive-${key}`;
}

/** Re-runs dead letters through the normalizer, each at most once, with the outcome per letter. */
export type RedriveDeadLettersWorkflow = (input: RedriveInput) => Promise<RedriveResult>;
export const redriveDeadLettersWorkflow =
  workflow<RedriveDeadLettersWorkflow>()('redriveDeadLetters');

/** The first problem of a redrive's input, by the field it is in, or undefined when it is fine. */
export function redriveInputIssue(
  input: RedriveInput,
  partitions: number,
): { field: string; message: string } | undefined {
  const f = input.filter;
  if (f.feed !== undefined && !FEED_NAME_PATTERN.test(f.feed))
    return { field: 'feed', message: 'must be a feed name (1-64 of a-z A-Z 0-9 . _ -)' };
  if (
    f.reasonContains !== undefined &&
    (f.reasonContains.length < 1 || f.reasonContains.length > 200)
  )
    return { field: 'reasonContains', message: 'must be 1-200 characters' };
  for (const [name, t] of [
    ['since', f.since],
    ['until', f.until],
  ] as const) {
    if (t !== undefined && !(Number.isSafeInteger(t) && t >= 0))
      return { field: name, message: 'must be a time (ms since epoch)' };
  }
  if (
    f.ids !== undefined &&
    (f.ids.length === 0 || f.ids.length > 1000 || !f.ids.every((id) => STREAM_ID.test(id)))
  )
    return {
      field: 'ids',
      message: 'must be 1-1000 dead letter ids (stream ids such as 1700000000000-0)',
    };
  if (f.since !== undefined && f.until !== undefined && f.since > f.until)
    return { field: 'until', message: 'must not be before since' };
  const bad = input.partitions.find((p) => !Number.isInteger(p) || p < 0 || p >= partitions);
  if (
    bad !== undefined ||
    input.partitions.length === 0 ||
    new Set(input.partitions).size !== input.partitions.length
  )
    return { field: 'partitions', message: `must be distinct partitions 0-${partitions - 1}` };
  const max = input.maxLetters;
  if (
    max !== undefined &&
    !(Number.isInteger(max) && max >= 1 && max <= REDRIVE_DEFAULTS.maxLettersLimit)
  )
    return { field: 'maxLetters', message: `must be 1-${REDRIVE_DEFAULTS.maxLettersLimit}` };
  return undefined;
}
