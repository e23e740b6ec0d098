import type { Pool } from 'pg';

/**
 * The archive's PostgreSQL schema, applied in order at start-up (each worker and the CLI call
 * {@link migrate}; an advisory lock keeps concurrent starts from racing). Add a migration by
 * appending to the list: never edit one that has shipped.
 *
 * Stream ids are kept as (stream_ms, stream_seq); prices are `numeric`, which keeps the decimal
 * text exactly. A stream id is unique only within one pipeline partition's stream, so since
 * migration 2 the primary key is (partition, stream_ms, stream_seq): a row is stored once, and
 * a day's rows read back per partition in stream order.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE archive_ticks (
     stream_ms  bigint  NOT NULL,
     stream_seq bigint  NOT NULL,
     ticker     text    NOT NULL,
     kind       text    NOT NULL,
     price      numeric NOT NULL,
     size       numeric,
     bid        numeric,
     ask        numeric,
     ts_ms      bigint  NOT NULL,
     sector     text    NOT NULL,
     source     text    NOT NULL,
     feed       text    NOT NULL,
     seq        text    NOT NULL,
     raw_id     text    NOT NULL,
     PRIMARY KEY (stream_ms, stream_seq)
   );
   CREATE INDEX archive_ticks_ticker_ts ON archive_ticks (ticker, ts_ms, stream_ms, stream_seq);
   CREATE TABLE archive_anomalies (
     stream_ms   bigint  NOT NULL,
     stream_seq  bigint  NOT NULL,
     type        text    NOT NULL,
     severity    text    NOT NULL,
     ticker      text    NOT NULL,
     price       numeric NOT NULL,
     statistic   double precision NOT NULL,
     threshold   double precision NOT NULL,
     ts_ms       bigint  NOT NULL,
     source_ids  text    NOT NULL,
     detected_at bigint  NOT NULL,
     PRIMARY KEY (stream_ms, stream_seq)
   );
   CREATE TABLE archive_manifests (
     day        date  PRIMARY KEY,
     manifest   jsonb NOT NULL,
     written_at timestamptz NOT NULL DEFAULT now()
   );`,
  // Partitions: rows archived before are partition 0 (the constant default fills them without
  // rewriting the table); the keys are rebuilt once, under the migration's lock. Anomalies gain
  // the feed their window belongs to ('' before).
  `ALTER TABLE archive_ticks ADD COLUMN partition int NOT NULL DEFAULT 0;
   ALTER TABLE archive_ticks DROP CONSTRAINT archive_ticks_pkey,
     ADD PRIMARY KEY (partition, stream_ms, stream_seq);
   DROP INDEX archive_ticks_ticker_ts;
   CREATE INDEX archive_ticks_ticker_ts
     ON archive_ticks (ticker, ts_ms, stream_ms, stream_seq, partition);
   ALTER TABLE archive_anomalies ADD COLUMN partition int NOT NULL DEFAULT 0,
     ADD COLUMN feed text NOT NULL DEFAULT '';
   ALTER TABLE archive_anomalies DROP CONSTRAINT archive_anomalies_pkey,
     ADD PRIMARY KEY (partition, stream_ms, stream_seq);`,
];

/** The schema version {@link migrate} brings a database to. */
export const SCHEMA_VERSION = MIGRATIONS.length;

const LOCK_KEY = 7_310_420_611; // any constant: the archive's advisory lock

/**
 * Brings the schema up to date (or up to `target`, for tests of an older schema); returns how
 * many migrations it applied.
 */
export async function migrate(pool: Pool, target = SCHEMA_VERSION): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS archive_schema (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ v: number | null }>(
      'SELECT max(version) AS v FROM archive_schema',
    );
    const current = rows[0]?.v ?? 0;
    let applied = 0;
    for (let v = current + 1; v <= Math.min(target, MIGRATIONS.length); v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v - 1]!);
        await client.query('INSERT INTO archive_schema (version) VALUES ($1)', [v]);
        await client.query('COMMIT');
        applied++;
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
