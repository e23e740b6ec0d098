import type { WorkflowExecutionDescription } from '@temporalio/client';
import { createWorkflowOps } from '../../api/services/workflow-ops';
import {
  ensureArchiveSchedule,
  startArchiveDay,
  startBacktest,
  startFeed,
  startPipeline,
  startRedrive,
} from '../../clients';
import {
  ARCHIVE_SCHEDULE_ID,
  PURPOSE_MEMO,
  batchId,
  pipelineWorkflowId,
  replayMetadata,
  type FeedInput,
} from '../../contract';
import { encodeRaw } from '../../lib/redis';
import {
  redisFixture,
  temporalFixture,
  testConfig,
  uniqueId,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';

/**
 * Every workflow fin-line starts tells an operator what it is for: the Temporal UI's "User
 * Metadata" (start options staticSummary / staticDetails, as the server records them in
 * `executionConfig.userMetadata`), checked on a real Temporal server for each starter.
 */
describe('workflow summaries (Temporal UI "User Metadata") on a real Temporal server', () => {
  const config = testConfig({ PIPELINE_PARTITIONS: '2', PIPELINE_NORMALIZE_SLOTS: '3' });
  let temporal: TemporalFixture;
  const started: string[] = [];

  beforeAll(async () => {
    temporal = await temporalFixture(config);
  });
  afterAll(async () => {
    // No worker polls this task queue: the runs never did anything; end them.
    for (const id of started) {
      await temporal.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
    }
    await temporal?.close();
  });

  async function describeStarted(workflowId: string): Promise<WorkflowExecutionDescription> {
    started.push(workflowId);
    return temporal.client.workflow.getHandle(workflowId).describe();
  }

  /** The summary as the server stores it, decoded (what the UI shows). */
  async function metadata(d: WorkflowExecutionDescription) {
    expect(d.raw.executionConfig?.userMetadata?.summary).toBeTruthy();
    return { summary: await d.staticSummary(), details: await d.staticDetails() };
  }

  it('a partition pipeline: its partition and stages, also in the memo continue-as-new keeps', async () => {
    const r = await startPipeline(temporal.client, config, 1);
    expect(r.started).toBe(true);
    const d = await describeStarted(pipelineWorkflowId(config.pipeline.workflowId, 1));
    const m = await metadata(d);
    expect(m.summary).toBe('pipeline of partition 1: normalize ×3, cachepub, anomaly');
    expect(m.details).toMatch(/runStage/);
    expect(d.memo?.[PURPOSE_MEMO]).toBe(m.summary);
  });

  it('a feed: its adapter and URL, without the URL query (a token may sit there)', async () => {
    const input: FeedInput = {
      name: uniqueId('feed'),
      adapter: 'finnhub',
      url: 'wss://ws.example.test/stream?token=secret',
      symbols: ['AAPL', 'MSFT'],
    };
    await startFeed(temporal.client, config, input);
    const d = await describeStarted(`feed-${input.name}`);
    const m = await metadata(d);
    expect(m.summary).toBe(`feed ${input.name}: finnhub adapter, wss://ws.example.test/stream`);
    expect(m.details).toMatch(/2 symbols \(AAPL, MSFT\)/);
    expect(JSON.stringify(m)).not.toMatch(/secret/);
    expect(d.memo?.[PURPOSE_MEMO]).toBe(m.summary);
  });

  it('a replay (through the API), an archive day and a redrive', async () => {
    const ops = createWorkflowOps(temporal.client, config);
    const id = batchId('anomaly', 1, `${Date.now()}-${Math.floor(Math.random() * 1e6)}`);
    const replay = await ops.replayBatch(id);
    const r = await metadata(await describeStarted(replay.workflowId));
    expect(r.summary).toBe(`replay of failed batch ${id} (stage anomaly, partition 1)`);
    expect(r).toEqual({ summary: replayMetadata(id).staticSummary, details: expect.any(String) });

    // A day far back: archive-<day> ids are the namespace's, not this test's.
    const day = '2001-02-03';
    await startArchiveDay(temporal.client, config, day);
    const a = await metadata(await describeStarted(`archive-${day}`));
    expect(a.summary).toBe('archive of 2001-02-03 (UTC): copy → verify → manifest → trim');

    const redrive = await startRedrive(temporal.client, config, {
      filter: { feed: 'sim', reasonContains: 'price' },
      dryRun: true,
    });
    const rd = await metadata(await describeStarted(redrive.workflowId));
    expect(rd.summary).toBe('dry-run redrive of dead letters, partitions 0, 1');
    expect(rd.details).toMatch(/feed sim; reason contains "price"/);

    // A backtest of days never archived here: it fails, but its purpose shows from the start.
    const backtest = await startBacktest(temporal.client, config, {
      from: '2001-02-04',
      to: '2001-02-05',
      set: ['ANOMALY_JUMP_PCT=2.5'],
    });
    const bt = await metadata(await describeStarted(backtest.workflowId));
    expect(bt.summary).toBe('backtest of anomaly settings over 2001-02-04..2001-02-05');
    expect(bt.details).toMatch(/^Candidate: ANOMALY_JUMP_PCT=2.5\./);
  });

  it("the archive Schedule's action", async () => {
    const handle = temporal.client.schedule.getHandle(ARCHIVE_SCHEDULE_ID);
    await handle.delete().catch(() => undefined);
    await ensureArchiveSchedule(temporal.client, config);
    try {
      const { action } = await handle.describe();
      expect(action.type).toBe('startWorkflow');
      if (action.type !== 'startWorkflow') return;
      expect(action.staticSummary).toBe(
        'nightly archive dispatch: archives the previous UTC day as archive-<day>',
      );
      expect(action.staticDetails).toMatch(/archive-nightly/);
    } finally {
      await handle.delete();
    }
  });
});

describe('current details of a running pipeline (User Metadata, every run)', () => {
  const config = testConfig({
    PIPELINE_PARTITIONS: '1',
    PIPELINE_BLOCK_MS: '100',
    PIPELINE_STATUS_MS: '500',
  });
  let fx: RedisFixture;
  let temporal: TemporalFixture;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  beforeAll(async () => {
    fx = redisFixture(config);
    temporal = await temporalFixture(config);
    worker = await startTestWorker(config, temporal);
  });
  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await fx?.close();
  });

  it('shows the summary and each stage, through the query the Temporal UI sends', async () => {
    // A stage activity reports once its counters change: give normalize an event.
    await fx.redis.xadd(
      fx.keys.partition(0).rawEvents,
      '*',
      ...encodeRaw({
        feed: 'sim',
        adapter: 'simulator',
        recvTs: Date.now(),
        sourceId: '1',
        payload: JSON.stringify({ T: 't', S: 'AAPL', p: 10, s: 1, t: Date.now(), i: 1 }),
      }),
    );
    await startPipeline(temporal.client, config, 0);
    const handle = temporal.client.workflow.getHandle(
      pipelineWorkflowId(config.pipeline.workflowId, 0),
    );
    try {
      const details = await eventually(
        async () => {
          // The built-in query the Temporal UI sends for User Metadata.
          const m = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
          // Once a stage activity has reported, its lag is known.
          return m.currentDetails && /normalize: .*lag \d/.test(m.currentDetails)
            ? m.currentDetails
            : undefined;
        },
        20_000,
        'current details with a reported lag',
      );
      expect(details.split('\n')).toEqual([
        `**pipeline of partition 0: normalize ×${config.pipeline.normalizeSlots}, cachepub, anomaly**`,
        expect.stringMatching(/^- normalize: \d+ ev\/s, lag \d+, 1 events, 0 failed batches$/),
        expect.stringMatching(/^- cachepub: /),
        expect.stringMatching(/^- anomaly: /),
      ]);
    } finally {
      await handle.terminate('test done');
    }
  });
});
