import type { WorkflowImplementations } from '../contract';
import type * as registered from '.';

/**
 * Compile-time only (never imported at run time): the worker's workflow module exports every
 * workflow of the contract under its contract name, with the contract's signature. Renaming a
 * workflow function, or changing its arguments or result, without changing the contract fails
 * type-checking here instead of failing a client at run time.
 */
export type ContractCheck = Implements<typeof registered>;
type Implements<T extends WorkflowImplementations> = T;
