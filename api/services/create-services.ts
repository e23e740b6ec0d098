import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import type { Keys, Redis } from '../../lib/redis';
import type { ApiAuth } from '../auth';
import type { ApiServices, HistoryArchive } from '../context';
import { AnomalyTail } from './anomaly-tail';
import { QuoteHub } from './quote-hub';
import { SubscriptionRegistry } from './subscription-registry';
import { createWorkflowOps } from './workflow-ops';

/** What {@link createServices} needs; the caller owns the connections and closes them. */
export interface ServicesDeps {
  readonly config: Config;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly temporal: Client;
  readonly auth: ApiAuth;
  readonly archive: HistoryArchive | undefined;
}

/**
 * The API's process-wide services, built but not started: the quote cache and the anomaly
 * tail open their own connections on start (createApp starts and stops them).
 */
export function createServices(deps: ServicesDeps): ApiServices {
  const { config, redis, keys, logger } = deps;
  return {
    auth: deps.auth,
    archive: deps.archive,
    redis,
    keys,
    config,
    quotes: new QuoteHub({
      redis,
      redisTarget: config.redis,
      keys,
      logger: logger.child({ module: 'quotes' }),
      ttlMs: config.graphql.quoteCacheMs,
      connectionLogSummaryMs: config.processes.connectionLogSummaryMs,
    }),
    anomalyTail: new AnomalyTail({
      redis,
      redisTarget: config.redis,
      keys,
      logger: logger.child({ module: 'anomaly-tail' }),
      connectionLogSummaryMs: config.processes.connectionLogSummaryMs,
    }),
    workflows: createWorkflowOps(deps.temporal, config),
    subscriptions: new SubscriptionRegistry(deps.registry, config.graphql.maxSubscriptions),
  };
}
