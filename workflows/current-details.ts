import type { FeedStatus, PipelineStatus } from '../contract';
import type { Stage } from '../lib/redis/keys';

/**
 * The "current details" the long-lived workflows show in the Temporal UI (User Metadata,
 * through the built-in `__temporal_workflow_metadata` query): what the workflow is for, then
 * how it is doing. Held in workflow memory only, never in the history, so they change nothing
 * on replay; and unlike the static summary they survive continue-as-new.
 */

const STAGES: readonly Stage[] = ['normalize', 'cachepub', 'anomaly'];

/** Temporal markdown: the summary, then one line per stage. */
export function pipelineCurrentDetails(summary: string, status: PipelineStatus): string {
  const lines = STAGES.map((stage) => {
    const t = status.stages[stage];
    const lag = t.lag === undefined || t.lag === null ? '?' : String(t.lag);
    return `- ${stage}: ${t.eventsPerSecond ?? 0} ev/s, lag ${lag}, ${t.events} events, ${t.failed} failed batches`;
  });
  const failure = status.lastFailure
    ? [`Last failure (${status.lastFailure.stage}): ${status.lastFailure.error}`]
    : [];
  return [`**${summary}**`, ...lines, ...failure].join('\n');
}

/** Temporal markdown: the summary, then the feed's state and rates. */
export function feedCurrentDetails(summary: string, s: FeedStatus): string {
  const link = s.connected ? 'connected' : 'not connected';
  return [
    `**${summary}**`,
    `- ${s.state}, ${link}${s.throttled ? ', throttled (pipeline behind)' : ''}`,
    `- ${s.messagesPerSecond} msg/s, ${s.eventsPerSecond} ev/s, lag ${s.lag ?? '?'}`,
    `- last message ${s.lastMessageAt ?? 'never'}, ${s.reconnectsTotal} reconnects, ${s.runs} runs`,
    ...(s.lastError ? [`- last error: ${s.lastError}`] : []),
  ].join('\n');
}
