import { z } from 'zod';
import { derived, int, section, setting, text } from './setting';

/** The nightly archive of yesterday's streams (docs/archive.md). */
export const archive = section('Archive', {
  cron: setting(
    'ARCHIVE_CRON',
    z.string().min(9).default('0 2 * * *'),
    'when the archive Schedule runs, cron (see [Archive](archive.md))',
  ),
  timezone: setting('ARCHIVE_TIMEZONE', text('UTC'), 'time zone of `ARCHIVE_CRON`'),
  dir: derived(
    'ARCHIVE_DIR',
    z.string().min(1).optional(),
    'Parquet sink root: datasets and the manifests of that sink',
    { doc: '`${DATA_DIR}/archive`', of: (env) => `${String(env.DATA_DIR)}/archive` },
  ),
  sink: setting(
    'ARCHIVE_SINK',
    z.enum(['parquet', 'postgres']).default('parquet'),
    'where the archive writes: Parquet files or PostgreSQL',
  ),
  pgUrl: setting(
    'ARCHIVE_PG_URL',
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
    'PostgreSQL of the `postgres` sink; unset: `npm start` runs a local cluster (and workers refuse the sink)',
  ),
  retentionDays: setting(
    'ARCHIVE_RETENTION_DAYS',
    int(7, 0, 3650),
    'whole UTC days before today that Redis keeps even once archived (the hot window); older archived days are trimmed',
  ),
  catchupDays: setting(
    'ARCHIVE_CATCHUP_DAYS',
    int(1, 1, 365),
    'how far back the Schedule still runs nights it missed (server down)',
  ),
  pageSize: setting(
    'ARCHIVE_PAGE_SIZE',
    int(5000, 100, 100_000),
    'stream entries per XRANGE page of the copy',
  ),
  rowGroupSize: setting(
    'ARCHIVE_ROW_GROUP_SIZE',
    int(20_000, 100, 1_000_000),
    'Parquet rows per row group: memory per open partition file',
  ),
  checkpointEvents: setting(
    'ARCHIVE_CHECKPOINT_EVENTS',
    int(1_000_000, 1000),
    'the copy makes its output durable (sink flush) and heartbeats a resume point every this many events',
  ),
  testDelayMs: setting(
    'ARCHIVE_TEST_DELAY_MS',
    int(0, 0, 600_000),
    'test hook: the copy sleeps this long after each page and before the trim; `0` = off',
  ),
});
