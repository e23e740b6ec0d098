import { WorkflowFailedError } from '@temporalio/client';
import { createWorkflowOps } from '../../api/services/workflow-ops';
import { BATCH_STATUS, FAILED_BATCH_IDS, STAGE, batchId } from '../../contract';
import {
  redisFixture,
  temporalFixture,
  testConfig,
  type RedisFixture,
  type TemporalFixture,
} from '../support/stack';
import { eventually, startTestWorker } from '../support/temporal';

/**
 * A replay that fails ends with a truthful `BatchStatus`: an operator filtering the Temporal
 * UI by `BatchStatus = "replaying"` must not find runs that have long failed.
 */
describe('replayBatch on a real Temporal server and Redis', () => {
  const config = testConfig();
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

  it('an unknown batch id fails the run, which ends with BatchStatus=replay-failed', async () => {
    // Well formed, but no failed batch was ever recorded under it.
    const id = batchId('normalize', 0, `${Date.now()}-0`);
    const ref = await createWorkflowOps(temporal.client, config).replayBatch(id);
    const handle = temporal.client.workflow.getHandle(ref.workflowId, ref.runId);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);

    const d = await handle.describe();
    expect(d.status.name).toBe('FAILED');
    expect(d.typedSearchAttributes.get(BATCH_STATUS)).toBe('replay-failed');
    expect(d.typedSearchAttributes.get(STAGE)).toBe('normalize');
    expect(d.typedSearchAttributes.get(FAILED_BATCH_IDS)).toEqual([id]);

    // And the Temporal UI's filter finds it as failed, not as replaying.
    const found = await eventually(
      async () => {
        const runs: string[] = [];
        for await (const w of temporal.client.workflow.list({
          query: `WorkflowId = "${ref.workflowId}" AND BatchStatus = "replay-failed"`,
        }))
          runs.push(w.runId);
        return runs.length > 0 ? runs : undefined;
      },
      10_000,
      'visibility of the failed replay',
    );
    expect(found).toEqual([ref.runId]);
  });
});
