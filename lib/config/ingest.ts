import { z } from 'zod';
import { int, json, section, setting } from './setting';

const credentialSet = z.strictObject({
  key: z.string().min(1).optional(),
  secret: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
});

/** Feed ingestion into raw:events. */
export const ingest = section('Ingest', {
  flushCount: setting(
    'INGEST_FLUSH_COUNT',
    int(512, 1),
    'raw events per `appendRaw` call of a feed',
  ),
  flushMs: setting('INGEST_FLUSH_MS', int(20, 1), 'longest wait before an `appendRaw` call'),
  maxLen: setting(
    'INGEST_MAX_LEN',
    int(1_000_000, 1000),
    'MAXLEN ~ cap of `raw:events`, the stream feeds write',
  ),
  heartbeatMs: setting(
    'INGEST_HEARTBEAT_MS',
    int(1000, 100),
    'ingestion activity heartbeat interval',
  ),
  maxLag: setting(
    'INGEST_MAX_LAG',
    int(200_000, 1),
    'backpressure: normalize-group lag on `raw:events` at which ingestion stops reading (it resumes at half); must be below `INGEST_MAX_LEN`',
  ),
  lagCheckMs: setting('INGEST_LAG_CHECK_MS', int(250, 10), 'how often that lag is read'),
  silenceMs: setting(
    'INGEST_SILENCE_MS',
    int(30_000, 100),
    'a feed that sends nothing for this long is taken for dead and reconnected',
  ),
  reconnectBaseMs: setting(
    'INGEST_RECONNECT_BASE_MS',
    int(500, 1),
    'reconnect backoff base: a random delay up to base × 2^failures (full jitter)',
  ),
  reconnectMaxMs: setting(
    'INGEST_RECONNECT_MAX_MS',
    int(30_000, 1),
    'ceiling of that reconnect backoff',
  ),
  statusMs: setting(
    'INGEST_STATUS_MS',
    int(10_000, 100),
    'how often a feed reports its counters to its workflow (the `status` query)',
  ),
  credentials: setting(
    'FEED_CREDENTIALS',
    json('{}', z.record(z.string().min(1), credentialSet)),
    'credential sets by name, `{"<name>":{"key","secret","token"}}` (each optional); a feed names one, so the secrets never enter a workflow history; never shown in errors',
    { secret: true },
  ),
});
