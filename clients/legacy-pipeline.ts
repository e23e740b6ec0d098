import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { pipelineWorkflow } from '../contract';
import type { Config } from '../lib/config';
import { workflowHandle } from './workflow-client';

/**
 * Terminates the pipeline workflow of releases before partitions (id PIPELINE_WORKFLOW_ID,
 * without a `-p<N>` suffix) if it still runs: it would read partition 0 under the new code,
 * beside `pipeline-p0`. Returns whether it ran.
 */
export async function stopLegacyPipeline(client: Client, config: Config): Promise<boolean> {
  const handle = workflowHandle(client, pipelineWorkflow, config.pipeline.workflowId);
  try {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return false;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
  await handle.terminate('replaced by one pipeline workflow per partition (pipeline-p<N>)');
  return true;
}
