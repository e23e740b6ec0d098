import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, so the Temporal UI can list feeds by name and adapter and find
 * failed or replayed batches. The dev server registers them at start (`--search-attribute`),
 * docker-compose registers them with admin-tools, `npm run start:cluster` through the operator
 * service (lib/devstack/temporal-namespace.ts).
 */
export const FEED_NAME = defineSearchAttributeKey('FeedName', SearchAttributeType.KEYWORD);
export const ADAPTER = defineSearchAttributeKey('Adapter', SearchAttributeType.KEYWORD);
/** A feed's state (running, paused, failed, stopped): `FeedState="paused"` in the UI. */
export const FEED_STATE = defineSearchAttributeKey('FeedState', SearchAttributeType.KEYWORD);
export const STAGE = defineSearchAttributeKey('Stage', SearchAttributeType.KEYWORD);
/** A pipeline workflow's partition (or a replayed batch's): `Partition = 3` in the UI. */
export const PARTITION = defineSearchAttributeKey('Partition', SearchAttributeType.INT);
export const BATCH_STATUS = defineSearchAttributeKey('BatchStatus', SearchAttributeType.KEYWORD);
/**
 * Ids of failed batches: on the pipeline run that recorded them (its last 100) and on each
 * replayBatch run, so `FailedBatchIds="anomaly-1700000000000-0"` finds both in the UI.
 */
export const FAILED_BATCH_IDS = defineSearchAttributeKey(
  'FailedBatchIds',
  SearchAttributeType.KEYWORD_LIST,
);

const CLI_TYPES: Partial<Record<SearchAttributeType, string>> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
  [SearchAttributeType.INT]: 'Int',
};

/** Every custom search attribute: what a server must have registered before fin-line runs. */
export const CUSTOM_SEARCH_ATTRIBUTES = [
  FEED_NAME,
  ADAPTER,
  FEED_STATE,
  STAGE,
  PARTITION,
  BATCH_STATUS,
  FAILED_BATCH_IDS,
] as const;

/** name=Type pairs for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_FLAGS = CUSTOM_SEARCH_ATTRIBUTES.map(
  (k) => `${k.name}=${CLI_TYPES[k.type] ?? 'Keyword'}`,
);

/** Set by Temporal on scheduled runs: the time the schedule intended (backfills included). */
export const SCHEDULED_START_TIME = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);
