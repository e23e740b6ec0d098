import { anomalyResolvers } from './anomalies';
import { quoteResolvers } from './quotes';

/**
 * Every resolver, by type. Each area owns one file; the Query (and later Mutation and
 * Subscription) fields are merged here so no area edits another's file.
 */
export const resolvers = {
  Query: { ...quoteResolvers.Query, ...anomalyResolvers.Query },
  Quote: quoteResolvers.Quote,
  Anomaly: anomalyResolvers.Anomaly,
};
