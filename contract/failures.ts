/**
 * Failure type names: activities throw `ApplicationFailure`s of these types, workflows name them
 * in `nonRetryableErrorTypes` or match them in a catch, and clients read them off a failed
 * workflow. Spelled here only.
 */
export const FAILURE = {
  /** A feed's provider refused its credentials: retrying with the same ones cannot help. */
  feedAuth: 'FeedAuthError',
  /** A feed's input cannot work (unknown adapter, missing credential set). */
  invalidFeedConfig: 'InvalidFeedConfig',
  /** The worker is shutting down: the feed moves to another worker (retryable). */
  workerShutdown: 'WorkerShutdown',
  /** The ingestFeed workflow itself failed (after a non-retryable activity failure). */
  feedFailed: 'FeedFailed',
  /** replayBatch: no failed batch with that id. */
  unknownBatch: 'UnknownBatch',
  /** replayBatch: the recorded batch names a stage this build does not have. */
  unknownStage: 'UnknownStage',
  /** archiveDay: the day is not YYYY-MM-DD. */
  badDay: 'BadDay',
  /** archiveDay: the day has not ended in UTC yet. */
  dayNotClosed: 'DayNotClosed',
  /** archiveDay: the archive's count or checksum differs from Redis's. */
  archiveMismatch: 'ArchiveMismatch',
  /** backtestAnomalies: a day of the range has no archive manifest. */
  notArchived: 'NotArchived',
  /** backtestAnomalies: the input's settings or filters are invalid. */
  badBacktest: 'BadBacktest',
} as const;

export type FailureType = (typeof FAILURE)[keyof typeof FAILURE];
