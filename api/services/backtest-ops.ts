import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  backtestInput,
  BacktestRequestError,
  startBacktest,
  workflowHandle,
  type BacktestRequest,
} from '../../clients';
import {
  backtestAnomaliesWorkflow,
  backtestProgressQuery,
  type BacktestProgress,
  type BacktestReport,
} from '../../contract';
import type { Config } from '../../lib/config';
import { badUserInput } from '../errors';

/** A backtest as the API shows it: the workflow's state, its progress, its report when done. */
export interface BacktestView {
  readonly workflowId: string;
  readonly runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, ... */
  readonly workflowStatus: string;
  /** The `backtestProgress` query, or null when it did not answer in time. */
  readonly progress: BacktestProgress | null;
  /** The report, once the run completed. */
  readonly report: BacktestReport | null;
}

/** Checks a request (BAD_USER_INPUT naming the argument), then starts or joins its run. */
export async function startBacktestRun(
  client: Client,
  config: Config,
  request: BacktestRequest,
): Promise<{ workflowId: string; runId: string; started: boolean }> {
  try {
    backtestInput(config, request);
  } catch (err) {
    if (err instanceof BacktestRequestError) throw badUserInput(err.field, err.message);
    throw err;
  }
  const r = await startBacktest(client, config, request);
  const runId = r.runId ?? (await client.workflow.getHandle(r.workflowId).describe()).runId;
  return { workflowId: r.workflowId, runId, started: r.started };
}

/** A backtest of this deployment by workflow id, or undefined. */
export async function backtestView(
  client: Client,
  config: Config,
  workflowId: string,
  withTimeout: <T>(p: Promise<T>) => Promise<T | undefined>,
): Promise<BacktestView | undefined> {
  if (!workflowId.startsWith('backtest-')) return undefined;
  const h = workflowHandle(client, backtestAnomaliesWorkflow, workflowId);
  let d;
  try {
    d = await h.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  if (d.taskQueue !== config.temporal.taskQueue) return undefined;
  const status = d.status.name;
  const progress = await withTimeout(h.query(backtestProgressQuery)).catch(() => undefined);
  const report = status === 'COMPLETED' ? await h.result() : null;
  return { workflowId, runId: d.runId, workflowStatus: status, progress: progress ?? null, report };
}
