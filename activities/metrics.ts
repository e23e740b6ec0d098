import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The worker's own metrics (Temporal's SDK metrics are separate). */
export interface WorkerMetrics {
  readonly ingestMessages: Counter<'feed'>;
  readonly ingestEvents: Counter<'feed'>;
  readonly ingestConnected: Gauge<'feed'>;
  readonly ingestReconnects: Counter<'feed'>;
  readonly ingestThrottled: Gauge<'feed'>;
  readonly batchEvents: Counter<'stage' | 'outcome'>;
  readonly batchDuration: Histogram<'stage'>;
  readonly batchesFailed: Counter<'stage'>;
  readonly anomalies: Counter<'type'>;
  readonly archiveEvents: Counter<'dataset' | 'sink'>;
  readonly archiveBytes: Counter<'dataset' | 'sink'>;
  readonly archiveStepDuration: Histogram<'step' | 'sink'>;
  readonly archiveTrimmed: Counter<'dataset'>;
}

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const registers = [registry];
  return {
    ingestMessages: new Counter({
      name: 'finline_ingest_messages_total',
      help: 'WebSocket frames / HTTP responses received per feed',
      labelNames: ['feed'],
      registers,
    }),
    ingestEvents: new Counter({
      name: 'finline_ingest_events_total',
      help: 'Raw events written to raw:events per feed',
      labelNames: ['feed'],
      registers,
    }),
    ingestConnected: new Gauge({
      name: 'finline_ingest_connected',
      help: '1 while the feed is connected',
      labelNames: ['feed'],
      registers,
    }),
    ingestReconnects: new Counter({
      name: 'finline_ingest_reconnects_total',
      help: 'Reconnects (WebSocket) or failed polling rounds (HTTP) per feed',
      labelNames: ['feed'],
      registers,
    }),
    ingestThrottled: new Gauge({
      name: 'finline_ingest_throttled',
      help: '1 while the feed is not read because the pipeline is behind (backpressure)',
      labelNames: ['feed'],
      registers,
    }),
    batchEvents: new Counter({
      name: 'finline_batch_events_total',
      help: 'Events processed by pipeline stage and outcome',
      labelNames: ['stage', 'outcome'],
      registers,
    }),
    batchDuration: new Histogram({
      name: 'finline_batch_duration_seconds',
      help: 'Batch activity time from read to commit',
      labelNames: ['stage'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    batchesFailed: new Counter({
      name: 'finline_batches_failed_total',
      help: 'Batches recorded as failed permanently',
      labelNames: ['stage'],
      registers,
    }),
    anomalies: new Counter({
      name: 'finline_anomalies_total',
      help: 'Anomalies detected by type',
      labelNames: ['type'],
      registers,
    }),
    archiveEvents: new Counter({
      name: 'finline_archive_events_total',
      help: 'Stream entries copied to the archive, by dataset (ticks, anomalies) and sink',
      labelNames: ['dataset', 'sink'],
      registers,
    }),
    archiveBytes: new Counter({
      name: 'finline_archive_bytes_total',
      help: 'Bytes of stream entry fields copied to the archive',
      labelNames: ['dataset', 'sink'],
      registers,
    }),
    archiveStepDuration: new Histogram({
      name: 'finline_archive_step_duration_seconds',
      help: 'Duration of archive steps (copy, verify, manifest, trim)',
      labelNames: ['step', 'sink'],
      buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers,
    }),
    archiveTrimmed: new Counter({
      name: 'finline_archive_trimmed_total',
      help: 'Stream entries removed from Redis by the retention trim',
      labelNames: ['dataset'],
      registers,
    }),
  };
}
