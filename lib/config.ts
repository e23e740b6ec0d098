import { z } from 'zod';

/**
 * The one place that reads the environment. Every process calls {@link loadConfig} once at
 * start-up and passes the typed result down; a bad value stops start-up with the key's name.
 */

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);
const num = (def: number, min = -Infinity, max = Infinity) =>
  z.coerce.number().min(min).max(max).default(def);
const port = (def: number) => int(def, 0, 65535);
const credentialSet = z.strictObject({
  key: z.string().min(1).optional(),
  secret: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
});
/** `{"<name>": {"key","secret","token"}}`: feeds name a set; the secrets never enter a workflow history. */
const credentials = z
  .string()
  .default('{}')
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().min(1), credentialSet));
/** Environment variables, by name, with their defaults. The README's configuration table mirrors it. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('data'),
  REFERENCE_SECTORS_FILE: z.string().min(1).default('reference/sectors.json'),

  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default(''),

  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'must be host:port')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('fin-line'),
  TEMPORAL_UI_PORT: port(8233),

  /** GraphQL limits and the quote cache (the API_* keys of the HTTP listener follow). */
  GRAPHQL_MAX_PAGE_SIZE: int(500, 1, 10_000),
  GRAPHQL_MAX_DEPTH: int(8, 2, 100),
  GRAPHQL_MAX_COST: int(20_000, 1),
  GRAPHQL_MAX_ALIASES: int(15, 0, 1000),
  GRAPHQL_MAX_TOKENS: int(2000, 50),
  GRAPHQL_SCAN_LIMIT: int(20_000, 10),
  GRAPHQL_QUOTE_CACHE_MS: int(2000, 0, 60_000),
  GRAPHQL_HISTORY_LATENESS_MS: int(300_000, 0),
  GRAPHQL_MAX_SUBSCRIPTIONS: int(1000, 0),
  GRAPHQL_MAX_BODY_BYTES: int(1_048_576, 1024),

  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: port(4000),
  /** Unset: `dev` when NODE_ENV=development, else `required` (README: API authentication). */
  API_AUTH_MODE: z.enum(['dev', 'required']).optional(),
  API_DEV_ROLE: z.enum(['viewer', 'operator', 'admin']).default('admin'),
  API_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  API_JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  API_JWT_ISSUER: z.string().min(1).optional(),
  API_JWT_AUDIENCE: z.string().min(1).optional(),
  API_JWT_ROLE_CLAIM: z.string().min(1).default('role'),
  API_JWT_CLOCK_TOLERANCE_S: int(5, 0, 300),
  API_JWT_JWKS_TIMEOUT_MS: int(2000, 100, 60_000),
  API_KEY_CACHE_MS: int(1000, 0, 10_000),
  API_AUDIT_MAX_LEN: int(100_000, 100),
  API_RATE_LIMIT_PER_SECOND: num(100, 0, 1_000_000),
  API_RATE_LIMIT_BURST: int(200, 1, 10_000_000),
  API_RATE_LIMIT_MUTATION_COST: int(5, 1, 10_000_000),

  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_METRICS_PORT: port(9464),
  WORKER_SHUTDOWN_GRACE_MS: int(10_000, 0),
  WORKER_MAX_CONCURRENT_ACTIVITIES: int(32, 1),

  SIMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  SIMULATOR_PORT: port(8090),
  SIMULATOR_EVENTS_PER_SECOND: num(200, 0, 10_000_000),
  SIMULATOR_SPIKE_PROBABILITY: num(0.0005, 0, 1),
  SIMULATOR_SPIKE_PCT: num(8, 0.01, 1000),
  SIMULATOR_SEED: int(42, 0),

  INGEST_FLUSH_COUNT: int(512, 1),
  INGEST_FLUSH_MS: int(20, 1),
  INGEST_MAX_LEN: int(1_000_000, 1000),
  INGEST_HEARTBEAT_MS: int(1000, 100),
  INGEST_MAX_LAG: int(200_000, 1),
  INGEST_LAG_CHECK_MS: int(250, 10),
  INGEST_SILENCE_MS: int(30_000, 100),
  INGEST_RECONNECT_BASE_MS: int(500, 1),
  INGEST_RECONNECT_MAX_MS: int(30_000, 1),
  INGEST_STATUS_MS: int(10_000, 100),
  FEED_CREDENTIALS: credentials,

  PIPELINE_WORKFLOW_ID: z
    .string()
    .regex(/^[\w.-]{1,200}$/)
    .default('pipeline'),
  PIPELINE_BATCH_SIZE: int(1000, 1, 100_000),
  /** Safety cap of normalized:events and anomalies:events; the archive's retention trim is what normally bounds them. */
  PIPELINE_STREAM_MAX_LEN: int(25_000_000, 1000),
  PIPELINE_NORMALIZE_SLOTS: int(4, 1, 64),
  PIPELINE_BLOCK_MS: int(2000, 0, 30_000),
  PIPELINE_LINGER_MS: int(100, 0, 10_000),
  PIPELINE_MAX_ATTEMPTS: int(5, 1),
  PIPELINE_DEDUPE_WINDOW_MS: int(600_000, 0),
  PIPELINE_ACTIVITY_MAX_EVENTS: int(20_000, 1),
  PIPELINE_ACTIVITY_MAX_MS: int(2000, 1, 60_000),
  PIPELINE_CLAIM_IDLE_MS: int(300_000, 1000),

  ANOMALY_WINDOW: int(50, 5, 10_000),
  ANOMALY_Z_THRESHOLD: num(4, 0.1),
  /** Unset: LULD-style price tiers by the previous trade's price (lib/domain/anomaly.ts). */
  ANOMALY_JUMP_PCT: z.coerce.number().min(0.01).optional(),
  ANOMALY_MIN_SAMPLES: int(20, 2),
  ANOMALY_VOLUME_Z_THRESHOLD: num(4, 0.1),
  ANOMALY_VOLUME_MIN_SAMPLES: int(20, 2),
  ANOMALY_STALE_MS: int(60_000, 0),
  /** `{"<sector>": {zThreshold, jumpPct, minSamples, volumeZThreshold, volumeMinSamples, staleMs}}`, each optional. */
  ANOMALY_SECTOR_OVERRIDES: z
    .string()
    .default('{"Crypto":{"jumpPct":10,"zThreshold":5}}')
    .transform((text, ctx) => {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
      const overrides = z.record(
        z.string().min(1),
        z.strictObject({
          zThreshold: z.number().min(0.1).optional(),
          jumpPct: z.number().min(0.01).optional(),
          minSamples: z.number().int().min(2).optional(),
          volumeZThreshold: z.number().min(0.1).optional(),
          volumeMinSamples: z.number().int().min(2).optional(),
          staleMs: z.number().int().min(0).optional(),
        }),
      );
      const r = overrides.safeParse(json);
      if (r.success) return r.data;
      for (const i of r.error.issues) {
        ctx.addIssue({ code: 'custom', message: `${i.path.join('.') || 'value'}: ${i.message}` });
      }
      return z.NEVER;
    }),

  ARCHIVE_CRON: z.string().min(9).default('0 2 * * *'),
  ARCHIVE_TIMEZONE: z.string().min(1).default('UTC'),
  ARCHIVE_DIR: z.string().min(1).optional(),
  ARCHIVE_SINK: z.enum(['parquet', 'postgres']).default('parquet'),
  /** Unset with ARCHIVE_SINK=postgres: `npm start` launches a local cluster; workers refuse. */
  ARCHIVE_PG_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  ARCHIVE_RETENTION_DAYS: int(7, 0, 3650),
  ARCHIVE_CATCHUP_DAYS: int(1, 1, 365),
  ARCHIVE_PAGE_SIZE: int(5000, 100, 100_000),
  ARCHIVE_ROW_GROUP_SIZE: int(20_000, 100, 1_000_000),
  ARCHIVE_CHECKPOINT_EVENTS: int(1_000_000, 1000),
  ARCHIVE_TEST_DELAY_MS: int(0, 0, 600_000),
});

/** Keys whose values never appear in a ConfigError (it is logged). */
const SECRET_KEYS = new Set(['API_JWT_SECRET', 'FEED_CREDENTIALS']);

export type Env = Record<string, string | undefined>;

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly logLevel: string;
  readonly dataDir: string;
  readonly sectorsFile: string;
  readonly redis: { readonly url: string; readonly keyPrefix: string };
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
    readonly uiPort: number;
  };
  readonly api: {
    readonly host: string;
    readonly port: number;
    readonly auth: {
      /** `dev`: requests without credentials act as {@link devRole}; credentials sent are still checked. */
      readonly mode: 'dev' | 'required';
      readonly devRole: 'viewer' | 'operator' | 'admin';
      readonly jwt: {
        /** HS256 shared secret. */
        readonly secret: string | undefined;
        /** RS256 public keys, fetched on demand and cached. */
        readonly jwksUrl: string | undefined;
        readonly issuer: string | undefined;
        readonly audience: string | undefined;
        readonly roleClaim: string;
        readonly clockToleranceSec: number;
        readonly jwksTimeoutMs: number;
      };
      /** How long a verified API key is trusted without asking Redis: the revocation delay. */
      readonly apiKeyCacheMs: number;
      /** MAXLEN ~ of the audit stream. */
      readonly auditMaxLen: number;
    };
    readonly rateLimit: {
      /** Sustained requests per second per client; 0 turns rate limiting off. */
      readonly perSecond: number;
      /** Requests a client may send at once after being idle. */
      readonly burst: number;
      /** What a mutation or subscription costs, in requests. */
      readonly mutationCost: number;
    };
  };
  /** What one GraphQL request may ask for, and the latest-quote cache. */
  readonly graphql: {
    /** Largest `first` of any list. */
    readonly maxPageSize: number;
    readonly maxDepth: number;
    /** Estimated items a query may touch: each field 1, times the `first` of the lists above it. */
    readonly maxCost: number;
    readonly maxAliases: number;
    readonly maxTokens: number;
    /** Stream entries one filtered page may examine before it returns what it found with a cursor. */
    readonly scanLimit: number;
    /** How long a cached latest quote is served without a pub/sub message confirming it; 0 = off. */
    readonly quoteCacheMs: number;
    /** `history` scans stream ids (processing time) this far past `to` for late events. */
    readonly historyLatenessMs: number;
    /** Live subscriptions one API process serves at once; 0 = unlimited. */
    readonly maxSubscriptions: number;
    /** Largest request body accepted (413 above; bodies of unknown length get 411). */
    readonly maxBodyBytes: number;
  };
  readonly worker: {
    readonly metricsHost: string;
    readonly metricsPort: number;
    readonly shutdownGraceMs: number;
    readonly maxConcurrentActivities: number;
  };
  readonly simulator: {
    readonly host: string;
    readonly port: number;
    readonly eventsPerSecond: number;
    readonly spikeProbability: number;
    readonly spikePct: number;
    readonly seed: number;
  };
  readonly ingest: {
    readonly flushCount: number;
    readonly flushMs: number;
    readonly maxLen: number;
    readonly heartbeatMs: number;
    /** Normalize-group lag on raw:events at which ingestion stops reading; it resumes at half. */
    readonly maxLag: number;
    readonly lagCheckMs: number;
    /** A feed that sends nothing for this long is taken for dead and reconnected. */
    readonly silenceMs: number;
    readonly reconnectBaseMs: number;
    readonly reconnectMaxMs: number;
    /** How often a feed reports its counters to its workflow (the `status` query). */
    readonly statusMs: number;
    readonly credentials: Readonly<
      Record<string, { readonly key?: string; readonly secret?: string; readonly token?: string }>
    >;
  };
  readonly pipeline: {
    /** Id of the pipeline workflow (one per deployment). */
    readonly workflowId: string;
    /**
     * MAXLEN ~ of normalized:events and anomalies:events: a safety cap only. They must hold
     * more than a day (the nightly archive copies yesterday from them); the archive's
     * retention trim (XTRIM MINID after a verified copy) is what normally bounds them.
     */
    readonly streamMaxLen: number;
    readonly batchSize: number;
    readonly normalizeSlots: number;
    readonly blockMs: number;
    readonly lingerMs: number;
    readonly maxAttempts: number;
    /** Duplicates (same feed and provider id) are dropped when seen again within this; 0 = off. */
    readonly dedupeWindowMs: number;
    /** One batch activity commits chunks of batchSize until it has done this many events... */
    readonly activityMaxEvents: number;
    /** ...or has run this long, so Temporal's per-activity cost is spread over many chunks. */
    readonly activityMaxMs: number;
    /** Entries pending this long with another consumer are claimed (XAUTOCLAIM): left by a consumer that no longer runs. */
    readonly claimIdleMs: number;
  };
  readonly anomaly: {
    readonly window: number;
    readonly zThreshold: number;
    /** Unset: LULD-style price tiers by the previous trade's price. */
    readonly jumpPct: number | undefined;
    readonly minSamples: number;
    readonly volumeZThreshold: number;
    readonly volumeMinSamples: number;
    /** Event-time silence after which a ticker is reported stale; 0 turns it off. */
    readonly staleMs: number;
    /** Per-sector overrides of the thresholds above (ANOMALY_SECTOR_OVERRIDES). */
    readonly sectors: Readonly<
      Record<
        string,
        {
          readonly zThreshold?: number | undefined;
          readonly jumpPct?: number | undefined;
          readonly minSamples?: number | undefined;
          readonly volumeZThreshold?: number | undefined;
          readonly volumeMinSamples?: number | undefined;
          readonly staleMs?: number | undefined;
        }
      >
    >;
  };
  readonly archive: {
    readonly cron: string;
    readonly timezone: string;
    /** Parquet sink root (and the manifests of that sink). */
    readonly dir: string;
    readonly sink: 'parquet' | 'postgres';
    readonly pgUrl: string | undefined;
    /** Whole UTC days before today that Redis keeps even once archived (the hot window). */
    readonly retentionDays: number;
    /** How far back the Schedule still runs nights it missed (server down). */
    readonly catchupDays: number;
    /** Stream entries per XRANGE page of the copy. */
    readonly pageSize: number;
    /** Parquet rows per row group: memory per open partition file. */
    readonly rowGroupSize: number;
    /** The copy makes its output durable and heartbeats a resume point every this many events. */
    readonly checkpointEvents: number;
    /** Test hook: the copy sleeps this long after each page and before trimming (0 = off). */
    readonly testDelayMs: number;
  };
}

/** Thrown for an invalid environment; its message names every bad key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses and validates the environment once. Empty strings count as unset. */
export function loadConfig(env: Env = process.env): Config {
  const cleaned: Env = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') cleaned[key] = v.trim();
  }
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = i.path.join('.');
      const shown = SECRET_KEYS.has(key) ? '[redacted]' : JSON.stringify(cleaned[key] ?? '');
      return `  ${key}=${shown}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  // Unconsumed entries past MAXLEN would be trimmed away: backpressure must start well before.
  if (e.INGEST_MAX_LAG >= e.INGEST_MAX_LEN) {
    throw new ConfigError(
      `invalid configuration:\n  INGEST_MAX_LAG=${JSON.stringify(String(e.INGEST_MAX_LAG))}: must be below INGEST_MAX_LEN (${e.INGEST_MAX_LEN})`,
    );
  }
  // A window holds at most ANOMALY_WINDOW values, so more samples than that would never be met.
  const samples: [string, number | undefined][] = [
    ['ANOMALY_MIN_SAMPLES', e.ANOMALY_MIN_SAMPLES],
    ['ANOMALY_VOLUME_MIN_SAMPLES', e.ANOMALY_VOLUME_MIN_SAMPLES],
  ];
  for (const [sector, o] of Object.entries(e.ANOMALY_SECTOR_OVERRIDES)) {
    samples.push([`ANOMALY_SECTOR_OVERRIDES.${sector}.minSamples`, o.minSamples]);
    samples.push([`ANOMALY_SECTOR_OVERRIDES.${sector}.volumeMinSamples`, o.volumeMinSamples]);
  }
  const unreachable = samples.filter(([, n]) => n !== undefined && n > e.ANOMALY_WINDOW);
  if (unreachable.length > 0) {
    const lines = unreachable.map(
      ([key, n]) =>
        `  ${key}=${JSON.stringify(String(n))}: must not exceed ANOMALY_WINDOW (${e.ANOMALY_WINDOW})`,
    );
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  checkApi(e);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    sectorsFile: e.REFERENCE_SECTORS_FILE,
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiPort: e.TEMPORAL_UI_PORT,
    },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      auth: {
        mode: e.API_AUTH_MODE ?? (e.NODE_ENV === 'development' ? 'dev' : 'required'),
        devRole: e.API_DEV_ROLE,
        jwt: {
          secret: e.API_JWT_SECRET,
          jwksUrl: e.API_JWT_JWKS_URL,
          issuer: e.API_JWT_ISSUER,
          audience: e.API_JWT_AUDIENCE,
          roleClaim: e.API_JWT_ROLE_CLAIM,
          clockToleranceSec: e.API_JWT_CLOCK_TOLERANCE_S,
          jwksTimeoutMs: e.API_JWT_JWKS_TIMEOUT_MS,
        },
        apiKeyCacheMs: e.API_KEY_CACHE_MS,
        auditMaxLen: e.API_AUDIT_MAX_LEN,
      },
      rateLimit: {
        perSecond: e.API_RATE_LIMIT_PER_SECOND,
        burst: e.API_RATE_LIMIT_BURST,
        mutationCost: e.API_RATE_LIMIT_MUTATION_COST,
      },
    },
    graphql: {
      maxPageSize: e.GRAPHQL_MAX_PAGE_SIZE,
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxCost: e.GRAPHQL_MAX_COST,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      scanLimit: e.GRAPHQL_SCAN_LIMIT,
      quoteCacheMs: e.GRAPHQL_QUOTE_CACHE_MS,
      historyLatenessMs: e.GRAPHQL_HISTORY_LATENESS_MS,
      maxSubscriptions: e.GRAPHQL_MAX_SUBSCRIPTIONS,
      maxBodyBytes: e.GRAPHQL_MAX_BODY_BYTES,
    },
    worker: {
      metricsHost: e.METRICS_HOST,
      metricsPort: e.WORKER_METRICS_PORT,
      shutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_MS,
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
    },
    simulator: {
      host: e.SIMULATOR_HOST,
      port: e.SIMULATOR_PORT,
      eventsPerSecond: e.SIMULATOR_EVENTS_PER_SECOND,
      spikeProbability: e.SIMULATOR_SPIKE_PROBABILITY,
      spikePct: e.SIMULATOR_SPIKE_PCT,
      seed: e.SIMULATOR_SEED,
    },
    ingest: {
      flushCount: e.INGEST_FLUSH_COUNT,
      flushMs: e.INGEST_FLUSH_MS,
      maxLen: e.INGEST_MAX_LEN,
      heartbeatMs: e.INGEST_HEARTBEAT_MS,
      maxLag: e.INGEST_MAX_LAG,
      lagCheckMs: e.INGEST_LAG_CHECK_MS,
      silenceMs: e.INGEST_SILENCE_MS,
      reconnectBaseMs: e.INGEST_RECONNECT_BASE_MS,
      reconnectMaxMs: e.INGEST_RECONNECT_MAX_MS,
      statusMs: e.INGEST_STATUS_MS,
      credentials: e.FEED_CREDENTIALS,
    },
    pipeline: {
      workflowId: e.PIPELINE_WORKFLOW_ID,
      streamMaxLen: e.PIPELINE_STREAM_MAX_LEN,
      batchSize: e.PIPELINE_BATCH_SIZE,
      normalizeSlots: e.PIPELINE_NORMALIZE_SLOTS,
      blockMs: e.PIPELINE_BLOCK_MS,
      lingerMs: e.PIPELINE_LINGER_MS,
      maxAttempts: e.PIPELINE_MAX_ATTEMPTS,
      dedupeWindowMs: e.PIPELINE_DEDUPE_WINDOW_MS,
      activityMaxEvents: e.PIPELINE_ACTIVITY_MAX_EVENTS,
      activityMaxMs: e.PIPELINE_ACTIVITY_MAX_MS,
      claimIdleMs: e.PIPELINE_CLAIM_IDLE_MS,
    },
    anomaly: {
      window: e.ANOMALY_WINDOW,
      zThreshold: e.ANOMALY_Z_THRESHOLD,
      jumpPct: e.ANOMALY_JUMP_PCT,
      minSamples: e.ANOMALY_MIN_SAMPLES,
      volumeZThreshold: e.ANOMALY_VOLUME_Z_THRESHOLD,
      volumeMinSamples: e.ANOMALY_VOLUME_MIN_SAMPLES,
      staleMs: e.ANOMALY_STALE_MS,
      sectors: e.ANOMALY_SECTOR_OVERRIDES,
    },
    archive: {
      cron: e.ARCHIVE_CRON,
      timezone: e.ARCHIVE_TIMEZONE,
      dir: e.ARCHIVE_DIR ?? `${e.DATA_DIR}/archive`,
      sink: e.ARCHIVE_SINK,
      pgUrl: e.ARCHIVE_PG_URL,
      retentionDays: e.ARCHIVE_RETENTION_DAYS,
      catchupDays: e.ARCHIVE_CATCHUP_DAYS,
      pageSize: e.ARCHIVE_PAGE_SIZE,
      rowGroupSize: e.ARCHIVE_ROW_GROUP_SIZE,
      checkpointEvents: e.ARCHIVE_CHECKPOINT_EVENTS,
      testDelayMs: e.ARCHIVE_TEST_DELAY_MS,
    },
  };
}

/** Cross-key checks of the API_* block; API keys alone are a valid setup, so no JWT is required. */
function checkApi(e: z.infer<typeof envSchema>): void {
  const bad: string[] = [];
  const hasJwt = e.API_JWT_SECRET !== undefined || e.API_JWT_JWKS_URL !== undefined;
  for (const key of ['API_JWT_ISSUER', 'API_JWT_AUDIENCE'] as const) {
    if (e[key] !== undefined && !hasJwt) {
      bad.push(`  ${key}=${JSON.stringify(e[key])}: needs API_JWT_SECRET or API_JWT_JWKS_URL`);
    }
  }
  // Keys fetched over plain HTTP could be swapped in transit; loopback is fine (tests, sidecars).
  if (e.NODE_ENV === 'production' && e.API_JWT_JWKS_URL !== undefined) {
    const url = new URL(e.API_JWT_JWKS_URL);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !loopback) {
      bad.push(
        `  API_JWT_JWKS_URL=${JSON.stringify(e.API_JWT_JWKS_URL)}: must be https in production`,
      );
    }
  }
  // A request costing more than the burst would be refused forever.
  if (e.API_RATE_LIMIT_PER_SECOND > 0 && e.API_RATE_LIMIT_MUTATION_COST > e.API_RATE_LIMIT_BURST) {
    bad.push(
      `  API_RATE_LIMIT_MUTATION_COST=${JSON.stringify(String(e.API_RATE_LIMIT_MUTATION_COST))}: must not exceed API_RATE_LIMIT_BURST (${e.API_RATE_LIMIT_BURST})`,
    );
  }
  if (bad.length > 0) throw new ConfigError(`invalid configuration:\n${bad.join('\n')}`);
}

/** Documentation source for the README table: every key and its default. */
export const configKeys = Object.keys(envSchema.shape);
