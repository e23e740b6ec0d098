import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { Workflow, WorkflowResultType } from '@temporalio/common';
import type { WorkflowDef } from '../contract';

/**
 * Typed calls of the contract's workflows: the definition gives the workflow type's name and
 * its signature, so arguments, results, signals and queries are checked at compile time
 * without importing workflow code into the calling process.
 */

/** Starts a workflow of the contract. */
export function startWorkflow<Fn extends Workflow>(
  client: Client,
  def: WorkflowDef<Fn>,
  options: WorkflowStartOptions<Fn>,
) {
  return client.workflow.start<Fn>(def.name, options);
}

/** Starts a workflow of the contract and waits for its result. */
export function executeWorkflow<Fn extends Workflow>(
  client: Client,
  def: WorkflowDef<Fn>,
  options: WorkflowStartOptions<Fn>,
): Promise<WorkflowResultType<Fn>> {
  return client.workflow.execute<Fn>(def.name, options);
}

/** A handle on a running (or closed) workflow of the contract: its signals, queries, result. */
export function workflowHandle<Fn extends Workflow>(
  client: Client,
  _def: WorkflowDef<Fn>,
  workflowId: string,
  runId?: string,
): WorkflowHandle<Fn> {
  return client.workflow.getHandle<Fn>(workflowId, runId);
}

/** What a start that tolerates a running workflow did. */
export interface Started {
  readonly workflowId: string;
  readonly runId?: string;
  /** False when it was already running (nothing was started). */
  readonly started: boolean;
}

/**
 * Starts a workflow unless one with its id is running. With the server's default id reuse
 * policy a closed workflow of the same id starts again.
 */
export async function startOnce<Fn extends Workflow>(
  client: Client,
  def: WorkflowDef<Fn>,
  options: WorkflowStartOptions<Fn>,
): Promise<Started> {
  try {
    const h = await startWorkflow(client, def, options);
    return { workflowId: h.workflowId, runId: h.firstExecutionRunId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { workflowId: options.workflowId, started: false };
    }
    throw err;
  }
}
