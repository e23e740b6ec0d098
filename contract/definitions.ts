import type {
  QueryDefinition,
  SignalDefinition,
  UpdateDefinition,
  Workflow,
} from '@temporalio/common';

/**
 * Builders of message and workflow definitions. They make the same plain objects as
 * `defineSignal` / `defineQuery` / `defineUpdate` of `@temporalio/workflow` (`{ type, name }`),
 * typed by `@temporalio/common`, so that clients (the API, scripts) and activities can import
 * the contract without loading the workflow runtime package.
 */

/** A signal: `setHandler(def, fn)` in the workflow, `handle.signal(def, ...args)` in a client. */
export function signal<Args extends unknown[] = [], Name extends string = string>(
  name: Name,
): SignalDefinition<Args, Name> {
  return { type: 'signal', name } as SignalDefinition<Args, Name>;
}

/** A query: `handle.query(def, ...args)` returns `Ret`. */
export function query<Ret, Args extends unknown[] = [], Name extends string = string>(
  name: Name,
): QueryDefinition<Ret, Args, Name> {
  return { type: 'query', name } as QueryDefinition<Ret, Args, Name>;
}

/** An update: `handle.executeUpdate(def, { args })` returns `Ret`. */
export function update<Ret, Args extends unknown[] = [], Name extends string = string>(
  name: Name,
): UpdateDefinition<Ret, Args, Name> {
  return { type: 'update', name } as UpdateDefinition<Ret, Args, Name>;
}

declare const fnBrand: unique symbol;

/**
 * A workflow type: its registered name and, at the type level only, its signature. Clients
 * start workflows through these (clients/workflow-client.ts), so a workflow's arguments and
 * result are checked at compile time without importing workflow code; workflows/contract-check.ts
 * checks that the worker exports each one under its name with that signature.
 */
export interface WorkflowDef<Fn extends Workflow, Name extends string = string> {
  readonly name: Name;
  /** Type-level only: the workflow function's signature. */
  readonly [fnBrand]?: Fn;
}

/** The workflow function type a definition stands for. */
export type WorkflowFn<D> = D extends WorkflowDef<infer Fn, string> ? Fn : never;

/** A workflow definition: `workflow<typeof-signature>()('name')` keeps the name's literal type. */
export function workflow<Fn extends Workflow>() {
  return <Name extends string>(name: Name): WorkflowDef<Fn, Name> => ({ name });
}
