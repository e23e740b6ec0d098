import type { WorkflowFn } from './definitions';
import { archiveDayWorkflow } from './archive';
import { backtestAnomaliesWorkflow } from './backtest';
import { ingestFeedWorkflow } from './feed';
import { pipelineWorkflow } from './pipeline';
import { redriveDeadLettersWorkflow } from './redrive';
import { replayBatchWorkflow } from './replay';

/** Every workflow type of fin-line, by its registered name. */
export const WORKFLOWS = {
  [ingestFeedWorkflow.name]: ingestFeedWorkflow,
  [pipelineWorkflow.name]: pipelineWorkflow,
  [replayBatchWorkflow.name]: replayBatchWorkflow,
  [archiveDayWorkflow.name]: archiveDayWorkflow,
  [redriveDeadLettersWorkflow.name]: redriveDeadLettersWorkflow,
  [backtestAnomaliesWorkflow.name]: backtestAnomaliesWorkflow,
} as const;

export type WorkflowName = keyof typeof WORKFLOWS;

/** What the worker's workflow module must export: each workflow under its name, with its signature. */
export type WorkflowImplementations = {
  readonly [N in WorkflowName]: WorkflowFn<(typeof WORKFLOWS)[N]>;
};
