import {
  FAILURE,
  WORKFLOWS,
  archiveWorkflowId,
  batchId,
  feedNameOf,
  feedWorkflowId,
  parseBatchId,
  replayWorkflowId,
} from '../../contract';

describe('workflow and batch ids', () => {
  it('builds and parses feed workflow ids', () => {
    expect(feedWorkflowId('sim-2')).toBe('feed-sim-2');
    expect(feedNameOf(feedWorkflowId('sim-2'))).toBe('sim-2');
    expect(feedNameOf('pipeline')).toBeUndefined();
  });

  it('builds and parses batch ids', () => {
    const id = batchId('anomaly', 3, '1700000000000-0');
    expect(id).toBe('anomaly-p3-1700000000000-0');
    expect(parseBatchId(id)).toEqual({
      stage: 'anomaly',
      partition: 3,
      firstStreamId: '1700000000000-0',
    });
    // Recorded before partitions: partition 0.
    expect(parseBatchId('anomaly-1700000000000-0')).toEqual({
      stage: 'anomaly',
      partition: 0,
      firstStreamId: '1700000000000-0',
    });
    for (const bad of ['anomaly', 'anomaly-1', 'Anomaly-1-0', 'anomaly-1-0-0', '-1-0', 'a-p-1-0'])
      expect(parseBatchId(bad)).toBeUndefined();
  });

  it('names replays and archive days', () => {
    expect(replayWorkflowId('cachepub-5-0')).toBe('replay-cachepub-5-0');
    expect(archiveWorkflowId('2026-11-23')).toBe('archive-2026-11-23');
  });
});

describe('names recorded in workflow histories', () => {
  // Renaming any of these breaks running workflows and the recorded histories: never do it
  // without a migration.
  it('keeps the workflow type names', () => {
    expect(Object.keys(WORKFLOWS).sort()).toEqual([
      'archiveDay',
      'backtestAnomalies',
      'ingestFeed',
      'pipeline',
      'redriveDeadLetters',
      'replayBatch',
    ]);
    for (const [name, def] of Object.entries(WORKFLOWS)) expect(def.name).toBe(name);
  });

  it('keeps the failure type names', () => {
    expect(Object.values(FAILURE).sort()).toEqual([
      'ArchiveMismatch',
      'BadBacktest',
      'BadDay',
      'DayNotClosed',
      'FeedAuthError',
      'FeedFailed',
      'InvalidFeedConfig',
      'NotArchived',
      'UnknownBatch',
      'UnknownStage',
      'WorkerShutdown',
    ]);
  });
});
