import { ConfigError, loadConfig } from '../../../lib/config';

describe('loadConfig', () => {
  it('gives documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.temporal).toMatchObject({
      address: '127.0.0.1:7233',
      namespace: 'default',
      uiPort: 8233,
    });
    expect(c.api.port).toBe(4000);
    expect(c.archive).toMatchObject({ cron: '0 2 * * *', timezone: 'UTC', dir: 'data/archive' });
  });

  it('treats blank values as unset and coerces numbers', () => {
    const c = loadConfig({ API_PORT: '  ', PIPELINE_BATCH_SIZE: '250' });
    expect(c.api.port).toBe(4000);
    expect(c.pipeline.batchSize).toBe(250);
  });

  it('stops with a message naming every bad key', () => {
    const bad = () =>
      loadConfig({ API_PORT: '70000', REDIS_URL: 'localhost:6379', TEMPORAL_ADDRESS: 'nope' });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toMatch(/API_PORT="70000"/);
      expect(msg).toMatch(/REDIS_URL="localhost:6379": must start with redis:\/\//);
      expect(msg).toMatch(/TEMPORAL_ADDRESS="nope": must be host:port/);
    }
  });
});

describe('loadConfig: anomaly', () => {
  const message = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('defaults to LULD tiers for jumps and a looser crypto', () => {
    expect(loadConfig({}).anomaly).toEqual({
      window: 50,
      zThreshold: 4,
      jumpPct: undefined,
      minSamples: 20,
      volumeZThreshold: 4,
      volumeMinSamples: 20,
      staleMs: 60_000,
      sectors: { Crypto: { jumpPct: 10, zThreshold: 5 } },
    });
  });

  it('reads thresholds and replaces the sector overrides as a whole', () => {
    const a = loadConfig({
      ANOMALY_JUMP_PCT: '7.5',
      ANOMALY_VOLUME_Z_THRESHOLD: '3',
      ANOMALY_VOLUME_MIN_SAMPLES: '10',
      ANOMALY_STALE_MS: '0',
      ANOMALY_SECTOR_OVERRIDES: '{"Energy":{"staleMs":5000,"volumeMinSamples":30}}',
    }).anomaly;
    expect(a).toMatchObject({
      jumpPct: 7.5,
      volumeZThreshold: 3,
      volumeMinSamples: 10,
      staleMs: 0,
      sectors: { Energy: { staleMs: 5000, volumeMinSamples: 30 } },
    });
  });

  it('names the key, and the sector field, of a bad override', () => {
    expect(message({ ANOMALY_SECTOR_OVERRIDES: '{nope' })).toMatch(
      /ANOMALY_SECTOR_OVERRIDES="\{nope": must be JSON/,
    );
    const bad = message({
      ANOMALY_SECTOR_OVERRIDES: '{"Crypto":{"zThreshold":0,"jump":3},"Energy":{"staleMs":1.5}}',
    });
    expect(bad).toMatch(/ANOMALY_SECTOR_OVERRIDES=".*": Crypto\.zThreshold: Too small/);
    expect(bad).toMatch(/ANOMALY_SECTOR_OVERRIDES=".*": Crypto: Unrecognized key: "jump"/);
    expect(bad).toMatch(/ANOMALY_SECTOR_OVERRIDES=".*": Energy\.staleMs: .*int/i);
    expect(message({ ANOMALY_SECTOR_OVERRIDES: '[1]' })).toMatch(
      /ANOMALY_SECTOR_OVERRIDES="\[1\]": value: /,
    );
    expect(message({ ANOMALY_STALE_MS: '-1', ANOMALY_JUMP_PCT: 'x' })).toMatch(
      /ANOMALY_STALE_MS="-1"[\s\S]*ANOMALY_JUMP_PCT="x"|ANOMALY_JUMP_PCT="x"[\s\S]*ANOMALY_STALE_MS="-1"/,
    );
  });

  it('rejects sample counts a window can never reach', () => {
    const msg = message({
      ANOMALY_WINDOW: '10',
      ANOMALY_MIN_SAMPLES: '10',
      ANOMALY_VOLUME_MIN_SAMPLES: '20',
      ANOMALY_SECTOR_OVERRIDES: '{"Crypto":{"minSamples":11}}',
    });
    expect(msg).toMatch(/ANOMALY_VOLUME_MIN_SAMPLES="20": must not exceed ANOMALY_WINDOW \(10\)/);
    expect(msg).toMatch(
      /ANOMALY_SECTOR_OVERRIDES\.Crypto\.minSamples="11": must not exceed ANOMALY_WINDOW \(10\)/,
    );
    expect(msg).not.toMatch(/ANOMALY_MIN_SAMPLES=/);
  });

  it('reads the archive settings, and refuses a bad sink or PostgreSQL URL', () => {
    expect(loadConfig({}).archive).toMatchObject({
      sink: 'parquet',
      pgUrl: undefined,
      retentionDays: 7,
      catchupDays: 1,
      checkpointEvents: 1_000_000,
      testDelayMs: 0,
    });
    const c = loadConfig({
      ARCHIVE_SINK: 'postgres',
      ARCHIVE_PG_URL: 'postgres://u@db:5432/archive',
      ARCHIVE_RETENTION_DAYS: '0',
    });
    expect(c.archive).toMatchObject({
      sink: 'postgres',
      pgUrl: 'postgres://u@db:5432/archive',
      retentionDays: 0,
    });
    const msg = message({
      ARCHIVE_SINK: 's3',
      ARCHIVE_PG_URL: 'mysql://x',
      ARCHIVE_CATCHUP_DAYS: '0',
    });
    expect(msg).toMatch(/ARCHIVE_SINK="s3"/);
    expect(msg).toMatch(/ARCHIVE_PG_URL="mysql:\/\/x": must start with postgres:\/\//);
    expect(msg).toMatch(/ARCHIVE_CATCHUP_DAYS="0"/);
  });
});
