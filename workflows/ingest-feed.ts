import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities, FeedInput, FeedProgress } from '../activities';
import { ADAPTER, FEED_NAME } from '../lib/temporal/search-attributes';

export type { FeedInput } from '../activities';

export interface FeedStatus {
  readonly name: string;
  readonly adapter: string;
  /** Completed activity runs across continue-as-new. */
  runs: number;
  lastProgress?: FeedProgress;
}

export const feedStatusQuery = defineQuery<FeedStatus>('status');

/** The ingestion workflow's id for a feed: one workflow per feed name. */
export function feedWorkflowId(name: string): string {
  return `feed-${name}`;
}

const { runFeed } = proxyActivities<Activities>({
  // The activity returns on its own after maxRunMs (1 h by default); this bounds a stuck one.
  startToCloseTimeout: '2h',
  // A worker that dies is noticed within this and the feed restarts on another.
  heartbeatTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    // Unlimited attempts: a feed retries until it is stopped, except for what retrying cannot fix.
    nonRetryableErrorTypes: ['FeedAuthError', 'InvalidFeedConfig'],
  },
});

/**
 * Supervises one feed: keeps its long-running, heartbeating `runFeed` activity going, and
 * continues-as-new after each run so the history stays a few events long.
 */
export async function ingestFeed(input: FeedInput, carried?: { runs: number }): Promise<void> {
  upsertSearchAttributes([
    { key: FEED_NAME, value: input.name },
    { key: ADAPTER, value: input.adapter },
  ]);
  const status: FeedStatus = { name: input.name, adapter: input.adapter, runs: carried?.runs ?? 0 };
  setHandler(feedStatusQuery, () => status);

  status.lastProgress = await runFeed(input);
  status.runs++;
  await condition(allHandlersFinished);
  await continueAsNew<typeof ingestFeed>(input, { runs: status.runs });
}
