import { adminResolvers } from './admin';
import { anomalyResolvers } from './anomalies';
import { backtestResolvers } from './backtest';
import { consoleResolvers } from './console';
import { historyResolvers } from './history';
import { mutationResolvers } from './mutations';
import { operationResolvers } from './operations';
import { pipelineResolvers } from './pipeline';
import { quoteResolvers } from './quotes';
import { DateTime } from './scalars';
import { subscriptionResolvers } from './subscriptions';

/**
 * Every resolver, by type. Each area owns one file; the root fields are merged here so no
 * area edits another's file.
 */
export const resolvers = {
  DateTime,
  Query: {
    ping: () => true,
    ...quoteResolvers.Query,
    ...anomalyResolvers.Query,
    ...historyResolvers.Query,
    ...operationResolvers.Query,
    ...pipelineResolvers.Query,
    ...adminResolvers.Query,
    ...consoleResolvers.Query,
    ...backtestResolvers.Query,
  },
  Mutation: {
    ...mutationResolvers.Mutation,
    ...adminResolvers.Mutation,
    ...backtestResolvers.Mutation,
  },
  Subscription: subscriptionResolvers.Subscription,
  Quote: quoteResolvers.Quote,
  Anomaly: anomalyResolvers.Anomaly,
  Tick: historyResolvers.Tick,
  Feed: operationResolvers.Feed,
  FailedBatch: { ...operationResolvers.FailedBatch, ...consoleResolvers.FailedBatch },
  FailedBatchConnection: consoleResolvers.FailedBatchConnection,
  DeadLetterConnection: consoleResolvers.DeadLetterConnection,
  DeadLetter: operationResolvers.DeadLetter,
  AuditEntry: adminResolvers.AuditEntry,
};
