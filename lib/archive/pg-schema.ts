import type { Pool } from 'pg';

/**
 * The archive's PostgreSQL schema, applied in order at start-up (each worker and the CLI call
 * {@link migrate}; an advisory lock keeps concurrent starts from racing). Add a migration by
 * appending to the list: never edit one that has shipped.
 *
 * Stream ids are kept as (stream_ms, stream_seq): the primary key that makes a row unique and
 * orders rows as Redis did; prices are `numeric`, which keeps the decimal text exactly.
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
];

const LOCK_KEY = 7_310_420_611; // any constant: the archive's advisory lock

/** Brings the schema up to date; returns how many migrations it applied. */
export async function migrate(pool: Pool): Promise<number> {
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
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
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
