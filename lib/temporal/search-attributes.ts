import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, so the Temporal UI can list feeds by name and adapter and find
 * failed or replayed batches. The dev server registers them at start (`--search-attribute`),
 * docker-compose registers them with admin-tools.
 */
export const FEED_NAME = defineSearchAttributeKey('FeedName', SearchAttributeType.KEYWORD);
export const ADAPTER = defineSearchAttributeKey('Adapter', SearchAttributeType.KEYWORD);
/** A feed's state (running, paused, failed, stopped): `FeedState="paused"` in the UI. */
export const FEED_STATE = defineSearchAttributeKey('FeedState', SearchAttributeType.KEYWORD);
export const STAGE = defineSearchAttributeKey('Stage', SearchAttributeType.KEYWORD);
export const BATCH_STATUS = defineSearchAttributeKey('BatchStatus', SearchAttributeType.KEYWORD);

/** name=Type pairs for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_FLAGS = [FEED_NAME, ADAPTER, FEED_STATE, STAGE, BATCH_STATUS].map(
  (k) => `${k.name}=Keyword`,
);

/** Set by Temporal on scheduled runs: the time the schedule intended (backfills included). */
export const SCHEDULED_START_TIME = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);
