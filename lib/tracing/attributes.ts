/**
 * Attribute names of fin-line's spans: OpenTelemetry semantic conventions where one exists
 * (messaging, database, GraphQL, HTTP), `fin_line.*` for what is the pipeline's own.
 */
export const ATTR = {
  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingDestination: 'messaging.destination.name',
  messagingConsumerGroup: 'messaging.consumer.group.name',
  messagingBatchCount: 'messaging.batch.message_count',
  messagingMessageId: 'messaging.message.id',
  dbSystem: 'db.system',
  dbOperation: 'db.operation.name',
  graphqlOperationName: 'graphql.operation.name',
  graphqlOperationType: 'graphql.operation.type',
  httpMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpStatus: 'http.response.status_code',
  urlPath: 'url.path',
  feed: 'fin_line.feed',
  adapter: 'fin_line.adapter',
  partition: 'fin_line.partition',
  stage: 'fin_line.stage',
  batchId: 'fin_line.batch.id',
  anomalyType: 'fin_line.anomaly.type',
  anomalySeverity: 'fin_line.anomaly.severity',
  ticker: 'fin_line.ticker',
} as const;

/** `messaging.system` of the pipeline's Redis streams and pub/sub channels (not a listed value). */
export const REDIS_MESSAGING = 'redis';
