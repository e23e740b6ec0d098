import type { Logger } from '../lib/logger';
import type { Keys, Redis } from '../lib/redis';

/**
 * What every resolver receives. Built once per request; the logger is that request's child
 * logger, so resolver log lines carry the request id.
 */
export interface ApiContext {
  /** Shared connection owned by the process, not by the request. */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
}

/**
 * A field resolver with its parent, arguments and result typed; the schema has no codegen
 * yet, so these signatures are the contract between schema.graphql and the resolver files.
 */
export type Resolver<TParent, TArgs, TResult> = (
  parent: TParent,
  args: TArgs,
  context: ApiContext,
) => TResult | Promise<TResult>;
