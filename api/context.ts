import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import type { StoredTick } from '../lib/domain/types';
import type { Keys, Redis } from '../lib/redis';
import type { AnomalyTail } from './services/anomaly-tail';
import type { QuoteHub } from './services/quote-hub';
import type { SubscriptionRegistry, Transport } from './services/subscription-registry';
import type { WorkflowOps } from './services/workflow-ops';

import type { ApiAuth, MutationAudit, Principal, Role } from './auth';

export type { MutationAudit, Role } from './auth';
/** Who is asking, as authentication established it. */
export type Caller = Principal;

/**
 * The archive's read side as `history` needs it (lib/archive's ArchiveReader fits): ticks of
 * `ticker` with `fromMs <= ts < toMs`, ascending by ts then stream id, at most `limit`.
 */
export interface HistoryArchive {
  history(ticker: string, fromMs: number, toMs: number, limit: number): Promise<StoredTick[]>;
  /** The archived (manifested) UTC days, ascending; for the console's archive view. */
  coverage?(): Promise<{ readonly archivedDays: readonly string[] }>;
}

/** Process-wide services, built once by createServices. */
export interface ApiServices {
  /** Shared connection owned by the process, not by the request. */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly config: Config;
  readonly quotes: QuoteHub;
  readonly anomalyTail: AnomalyTail;
  readonly workflows: WorkflowOps;
  readonly subscriptions: SubscriptionRegistry;
  /** API keys and the audit log (for the admin fields). */
  readonly auth: ApiAuth;
  /** Archived ticks, for history beyond what Redis holds; undefined when there is none. */
  readonly archive: HistoryArchive | undefined;
}

/**
 * What every resolver receives. Built once per request (per operation over WebSocket); the
 * logger is that request's child logger, so resolver log lines carry the request id.
 */
export interface ApiContext extends ApiServices {
  readonly logger: Logger;
  readonly requestId: string;
  readonly caller: Caller;
  /** How the operation arrived: a plain HTTP request, server-sent events or graphql-ws. */
  readonly transport: Transport;
  /** Throws FORBIDDEN unless the caller has at least `role`. */
  authorize(role: Role, action: string): void;
  /** Appends to the audit stream; never throws (a failed audit write is logged). */
  audit(record: MutationAudit): Promise<void>;
}

/**
 * A field resolver with its parent, arguments and result typed; the schema has no codegen,
 * so these signatures are the contract between the .graphql files and the resolver files.
 */
export type Resolver<TParent, TArgs, TResult> = (
  parent: TParent,
  args: TArgs,
  context: ApiContext,
) => TResult | Promise<TResult>;
