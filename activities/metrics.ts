import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * What a pipeline stage reports while it builds a chunk. Counted when the chunk is built, so
 * an attempt whose commit turns out to repeat an earlier one (a retry after a crash) counts
 * its chunk again: these are rates to watch, `pipeline:stats` holds the exact totals.
 */
export interface StageMetrics {
  /** A latest quote is written: the age of its tick (event time → now). */
  freshness(feed: string, eventTimeMs: number, nowMs: number): void;
  /** A raw event goes to the dead letters, for `reason` (free text; counted by category). */
  deadLetter(reason: string): void;
  /** An anomaly is detected. */
  anomaly(type: string, severity: string): void;
}

/** The worker's own metrics (Temporal's SDK metrics are merged into /metrics separately). */
export interface WorkerMetrics {
  readonly ingestMessages: Counter<'feed'>;
  readonly ingestEvents: Counter<'feed'>;
  readonly ingestConnected: Gauge<'feed'>;
  readonly ingestReconnects: Counter<'feed'>;
  readonly ingestThrottled: Gauge<'feed'>;
  readonly batchEvents: Counter<'stage' | 'outcome'>;
  readonly batchDuration: Histogram<'stage'>;
  readonly batchesFailed: Counter<'stage'>;
  readonly anomalies: Counter<'type' | 'severity'>;
  readonly deadLetters: Counter<'reason'>;
  readonly freshness: Histogram<'feed'>;
  readonly archiveEvents: Counter<'dataset' | 'sink'>;
  readonly archiveBytes: Counter<'dataset' | 'sink'>;
  readonly archiveStepDuration: Histogram<'step' | 'sink'>;
  readonly archiveTrimmed: Counter<'dataset'>;
  /** A frame (WebSocket) or response (HTTP) arrived from `feed` at `nowMs`. */
  feedMessage(feed: string, nowMs: number): void;
  /** The hooks the pipeline stages call. */
  readonly stages: StageMetrics;
}

/**
 * The category of a dead letter's reason: the reasons are free text (they quote the payload's
 * values), a label must have few values.
 */
export function deadLetterCategory(reason: string): string {
  if (reason.startsWith('unparseable frame')) return 'unparseable_frame';
  if (reason.startsWith('unknown adapter')) return 'unknown_adapter';
  if (/^(unknown|missing) message type/.test(reason)) return 'unknown_message_type';
  return 'invalid_event';
}

/** Freshness targets sit between 100 ms and a few seconds; the tail goes to 5 minutes. */
const FRESHNESS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const registers = [registry];
  const lastMessage = new Map<string, number>();
  const ingestMessages = new Counter({
    name: 'finline_ingest_messages_total',
    help: 'WebSocket frames / HTTP responses received per feed',
    labelNames: ['feed'],
    registers,
  });
  const ingestLastMessage = new Gauge({
    name: 'finline_ingest_last_message_timestamp_seconds',
    help: 'Unix time of the last frame or response received per feed (by this worker)',
    labelNames: ['feed'],
    registers,
  });
  new Gauge({
    name: 'finline_ingest_last_message_age_seconds',
    help: 'Seconds since the last frame or response received per feed (by this worker)',
    labelNames: ['feed'],
    registers,
    collect() {
      const now = Date.now();
      for (const [feed, at] of lastMessage) this.set({ feed }, Math.max(0, (now - at) / 1000));
    },
  });
  const deadLetters = new Counter({
    name: 'finline_dead_letters_total',
    help: 'Raw events sent to the dead letters, by reason category',
    labelNames: ['reason'],
    registers,
  });
  const anomalies = new Counter({
    name: 'finline_anomalies_total',
    help: 'Anomalies detected, by type and severity',
    labelNames: ['type', 'severity'],
    registers,
  });
  const freshness = new Histogram({
    name: 'finline_freshness_seconds',
    help: 'Age of a tick (its event time) when it is written as the latest quote (cachepub)',
    labelNames: ['feed'],
    buckets: FRESHNESS_BUCKETS,
    registers,
  });
  return {
    ingestMessages,
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
    anomalies,
    deadLetters,
    freshness,
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
    feedMessage(feed, nowMs) {
      ingestMessages.inc({ feed });
      ingestLastMessage.set({ feed }, nowMs / 1000);
      lastMessage.set(feed, nowMs);
    },
    stages: {
      freshness(feed, eventTimeMs, nowMs) {
        // A provider clock ahead of ours would give a negative age.
        freshness.observe({ feed }, Math.max(0, nowMs - eventTimeMs) / 1000);
      },
      deadLetter(reason) {
        deadLetters.inc({ reason: deadLetterCategory(reason) });
      },
      anomaly(type, severity) {
        anomalies.inc({ type, severity });
      },
    },
  };
}
