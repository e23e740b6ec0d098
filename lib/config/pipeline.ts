import { z } from 'zod';
import { derived, int, section, setting } from './setting';

/** Normalize batches in flight over all partitions when PIPELINE_NORMALIZE_SLOTS is unset. */
const NORMALIZE_SLOTS_TOTAL = 4;

/** The pipeline workflow and its batch activities (normalize, cachepub, anomaly). */
export const pipeline = section('Pipeline', {
  workflowId: setting(
    'PIPELINE_WORKFLOW_ID',
    z
      .string()
      .regex(/^[\w.-]{1,200}$/)
      .default('pipeline'),
    "base of the pipeline workflows' ids: one workflow `<base>-p<N>` per partition",
  ),
  partitions: setting(
    'PIPELINE_PARTITIONS',
    int(4, 1, 1024),
    "partitions P: each has its own hash-tagged streams and keys (one Redis Cluster slot) and its own pipeline workflow; an instrument's partition is fixed by its ticker (see docs/pipeline.md); changing P needs a repartition",
  ),
  streamMaxLen: setting(
    'PIPELINE_STREAM_MAX_LEN',
    int(25_000_000, 1000),
    'MAXLEN ~ of `normalized:events` and `anomalies:events`: a safety cap only; they must hold more than a day (the nightly archive copies yesterday from them) and the archive retention trim is what normally bounds them',
  ),
  batchSize: setting('PIPELINE_BATCH_SIZE', int(1000, 1, 100_000), 'stream entries per batch'),
  normalizeSlots: derived(
    'PIPELINE_NORMALIZE_SLOTS',
    z.coerce.number().int().min(1).max(64).optional(),
    'normalize batches in flight per partition',
    {
      doc: `${NORMALIZE_SLOTS_TOTAL} / \`PIPELINE_PARTITIONS\`, at least 1`,
      of: (env) => Math.max(1, Math.ceil(NORMALIZE_SLOTS_TOTAL / Number(env.PIPELINE_PARTITIONS))),
    },
  ),
  blockMs: setting(
    'PIPELINE_BLOCK_MS',
    int(2000, 0, 30_000),
    'longest wait for new entries in one batch',
  ),
  lingerMs: setting(
    'PIPELINE_LINGER_MS',
    int(20, 0, 10_000),
    'a read that returns less than a batch waits this long once for more, so a trickle makes fewer, fuller chunks (adds up to this to freshness); `0` = off',
  ),
  maxAttempts: setting(
    'PIPELINE_MAX_ATTEMPTS',
    int(5, 1),
    'attempts of a chunk that fails on its content before it is recorded as failed (`batches:{pN}:failed`) and skipped; outages of Redis or Temporal never count',
  ),
  dedupeWindowMs: setting(
    'PIPELINE_DEDUPE_WINDOW_MS',
    int(600_000, 0),
    'duplicates (same feed and provider id) seen again within this are dropped; `0` = off',
  ),
  runMs: setting(
    'PIPELINE_RUN_MS',
    int(900_000, 1000, 86_400_000),
    "how long one stage activity works chunk after chunk (heartbeating) before the workflow starts the next: few, long activities keep Temporal's cost and history small",
  ),
  heartbeatTimeoutMs: setting(
    'PIPELINE_HEARTBEAT_TIMEOUT_MS',
    int(5000, 1000, 600_000),
    'a stage activity silent this long (its worker died) is run again on another worker, which takes over its uncommitted chunk',
  ),
  statusMs: setting(
    'PIPELINE_STATUS_MS',
    int(10_000, 100, 600_000),
    'how often a running stage activity reports its counters to its workflow (the `status` query); also soon after it catches up',
  ),
  claimIdleMs: setting(
    'PIPELINE_CLAIM_IDLE_MS',
    int(300_000, 1000),
    'entries pending this long with another consumer (one that no longer runs) are claimed (XAUTOCLAIM)',
  ),
});
