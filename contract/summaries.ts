import type { BacktestInput } from './backtest';
import type { Stage } from '../lib/redis/keys';
import { archiveWorkflowId } from './archive';
import type { FeedInput } from './feed';
import { PIPELINE_DEFAULTS, parseBatchId } from './pipeline';
import type { RedriveInput } from './redrive';

/**
 * What each workflow is for, as the Temporal UI shows it under "User Metadata" (the start
 * options `staticSummary` / `staticDetails`), written once here for every starter: the
 * clients, the API, the archive Schedule and the archive's dispatch run (a child).
 *
 * User metadata is not carried over continue-as-new (SDK 1.24 has no such option, and the
 * server does not copy it), so the long-lived workflows that continue as new (pipeline, feed)
 * also carry their summary in the memo {@link PURPOSE_MEMO}, which the server does copy, and
 * set it again as their current details.
 */
export interface WorkflowMetadata {
  /** One line (Temporal markdown). */
  readonly staticSummary: string;
  /** Several lines (Temporal markdown). */
  readonly staticDetails?: string;
}

/** Memo key holding a workflow's summary: kept by every run of a continue-as-new chain. */
export const PURPOSE_MEMO = 'purpose';

const ALL_STAGES: readonly Stage[] = ['normalize', 'cachepub', 'anomaly'];

/** The stages a pipeline run works, e.g. `normalize ×2, cachepub, anomaly`. */
function stageList(normalizeSlots: number, stages: readonly Stage[] = ALL_STAGES): string {
  return ALL_STAGES.filter((s) => stages.includes(s))
    .map((s) => (s === 'normalize' ? `normalize ×${Math.max(1, normalizeSlots)}` : s))
    .join(', ');
}

/** One partition's pipeline workflow (`pipeline-p<N>`). */
export function pipelineMetadata(input: {
  readonly partition?: number;
  readonly normalizeSlots?: number;
  readonly stages?: readonly Stage[];
}): WorkflowMetadata {
  const partition = input.partition ?? 0;
  const slots = input.normalizeSlots ?? PIPELINE_DEFAULTS.normalizeSlots;
  return {
    staticSummary: `pipeline of partition ${partition}: ${stageList(slots, input.stages)}`,
    staticDetails: [
      `Works partition ${partition}'s streams: each stage slot is a long-lived, heartbeating \`runStage\` activity;`,
      'continues as new when Temporal suggests it. Query `status` for totals, lag and rates;',
      'failed batches are listed by the search attribute `FailedBatchIds` and replayed with `replayBatch`.',
    ].join('\n'),
  };
}

/** Strips a URL's query and credentials (a provider token may sit in either). */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return url.replace(/[?#].*$/, '');
  }
}

/** A feed's ingestion workflow (`feed-<name>`). */
export function feedMetadata(input: FeedInput): WorkflowMetadata {
  const symbols = input.symbols?.length
    ? `${input.symbols.length} symbols (${input.symbols.slice(0, 5).join(', ')}${input.symbols.length > 5 ? ', …' : ''})`
    : "the provider's default symbols";
  return {
    staticSummary: `feed ${input.name}: ${input.adapter} adapter, ${safeUrl(input.url)}`,
    staticDetails: [
      `Ingests ${symbols} into the raw event streams through the long-lived \`runFeed\` activity.`,
      'Signals `pause`, `resume`, `stop`; update `setSymbols`; query `status`.',
      input.auth ? `Credentials: set \`${input.auth}\` of FEED_CREDENTIALS.` : 'No credentials.',
    ].join('\n'),
  };
}

/** A replay of one failed batch (`replay-<batch>`). */
export function replayMetadata(batchId: string): WorkflowMetadata {
  const b = parseBatchId(batchId);
  const where = b ? ` (stage ${b.stage}, partition ${b.partition})` : ' (not a batch id)';
  return {
    staticSummary: `replay of failed batch ${batchId}${where}`,
    staticDetails:
      'Re-runs the batch through its stage, committing at most once per batch id; the search attribute `BatchStatus` tells how it ended.',
  };
}

/** The archive of one UTC day (`archive-<day>`). */
export function archiveDayMetadata(day: string): WorkflowMetadata {
  return {
    staticSummary: `archive of ${day} (UTC): copy → verify → manifest → trim`,
    staticDetails:
      'Copies the day from Redis to the archive, verifies it against Redis, writes the manifest (the commit point), then trims Redis as the retention policy allows. A re-run only trims.',
  };
}

/** The nightly archive Schedule's runs: each starts the previous day's archive as a child. */
export function archiveScheduleMetadata(): WorkflowMetadata {
  return {
    staticSummary: `nightly archive dispatch: archives the previous UTC day as ${archiveWorkflowId('<day>')}`,
    staticDetails:
      'Started by the Schedule `archive-nightly`; the scheduled time decides the day, so backfills archive the right day.',
  };
}

/** A redrive of dead letters (`redrive-<time>-<random>`). */
export function redriveMetadata(input: RedriveInput): WorkflowMetadata {
  const f = input.filter;
  const filters = [
    f.feed !== undefined ? `feed ${f.feed}` : undefined,
    f.reasonContains !== undefined ? `reason contains "${f.reasonContains}"` : undefined,
    f.since !== undefined ? `since ${new Date(f.since).toISOString()}` : undefined,
    f.until !== undefined ? `until ${new Date(f.until).toISOString()}` : undefined,
  ].filter((s) => s !== undefined);
  return {
    staticSummary: `${input.dryRun ? 'dry-run ' : ''}redrive of dead letters, partitions ${input.partitions.join(', ')}`,
    staticDetails: [
      `Filter: ${filters.length ? filters.join('; ') : 'every letter'}.`,
      input.maxLetters !== undefined ? `At most ${input.maxLetters} letters per partition.` : '',
      'Each letter is normalized again once (a per-letter marker keeps two runs apart).',
    ]
      .filter(Boolean)
      .join('\n'),
  };
}

/** A backtest of detector settings over archived days (`backtest-<hash of the input>`). */
export function backtestMetadata(input: BacktestInput): WorkflowMetadata {
  const changed = Object.keys(input.candidate)
    .filter((k) => input.candidate[k] !== input.production[k])
    .sort()
    .map((k) => `${k}=${input.candidate[k]}`);
  const scope = [
    input.instruments?.length ? `instruments ${input.instruments.join(', ')}` : undefined,
    input.sectors?.length ? `sectors ${input.sectors.join(', ')}` : undefined,
  ].filter((x) => x !== undefined);
  return {
    staticSummary: `backtest of anomaly settings over ${input.from}..${input.to}`,
    staticDetails: [
      `Candidate: ${changed.length ? changed.join(' ') : 'the production settings'}.`,
      scope.length ? `Only ${scope.join('; ')}.` : '',
      'Replays the archived ticks through the production detectors under both settings and compares; writes under the archive root, never to the live streams.',
    ]
      .filter(Boolean)
      .join('\n'),
  };
}
