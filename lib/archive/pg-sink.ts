import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Pool, type PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { dayRange } from './day';
import { upgradeManifest, type ArchiveManifest, type StoredManifest } from './manifest';
import { migrate } from './pg-schema';
import { QuoteRepository, TICK_COLUMNS, tickOfRecord, type TickRecord } from './quote-repository';
import { anomalyValues, tickValues, type ArchivedAnomaly, type ArchivedTick } from './rows';
import {
  START_POSITION,
  type ArchiveSink,
  type Dataset,
  type DayWriter,
  type SinkPosition,
  type StreamPosition,
} from './sink';

/**
 * PostgreSQL tables (lib/archive/pg-schema.ts), written with COPY FROM STDIN through
 * pg-copy-streams: one transaction per flush, so an interrupted copy resumes from its last
 * flush; the primary key (partition, stream id) makes a row impossible to store twice.
 */

const ANOMALY_COLUMNS =
  'partition, stream_ms, stream_seq, type, severity, ticker, price, statistic, threshold, ts_ms, source_ids, detected_at, feed';
const TABLE: Record<Dataset, string> = { ticks: 'archive_ticks', anomalies: 'archive_anomalies' };
const COLUMNS: Record<Dataset, string> = { ticks: TICK_COLUMNS, anomalies: ANOMALY_COLUMNS };

/** One value in COPY's text format. */
function copyText(v: string | number | null): string {
  if (v === null) return '\\N';
  const s = String(v);
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : s;
}

function idParts(id: string): [string, string] {
  const [ms = '0', seq = '0'] = id.split('-');
  return [ms, seq];
}

function tickLine(t: ArchivedTick): string {
  return `${[t.partition, ...idParts(t.id), ...tickValues(t)].map(copyText).join('\t')}\n`;
}

function anomalyLine(a: ArchivedAnomaly): string {
  const values = [a.partition, ...idParts(a.id), ...anomalyValues(a), a.feed];
  return `${values.map(copyText).join('\t')}\n`;
}

interface AnomalyRecord {
  partition: number;
  stream_ms: string;
  stream_seq: string;
  type: string;
  severity: string;
  ticker: string;
  price: string;
  statistic: number;
  threshold: number;
  ts_ms: string;
  source_ids: string;
  detected_at: string;
  feed: string;
}

function anomalyOfRecord(r: AnomalyRecord): ArchivedAnomaly {
  return {
    id: `${r.stream_ms}-${r.stream_seq}`,
    type: r.type as ArchivedAnomaly['type'],
    severity: r.severity as ArchivedAnomaly['severity'],
    ticker: r.ticker,
    feed: r.feed,
    price: r.price,
    statistic: r.statistic,
    threshold: r.threshold,
    ts: Number(r.ts_ms),
    sourceIds: r.source_ids ? r.source_ids.split(',') : [],
    detectedAt: Number(r.detected_at),
    partition: r.partition,
  };
}

type Query = Pick<Pool, 'query'> | PoolClient;

/**
 * The next partition above `above` holding rows of [start, end) in `table`, or undefined. Two
 * index probes per partition tried (the key leads with the partition): a day is found without
 * reading the other days of any partition.
 */
async function nextPartition(
  db: Query,
  table: string,
  above: number,
  start: number,
  end: number,
): Promise<number | undefined> {
  for (let p = above; ;) {
    const { rows } = await db.query<{ p: number | null }>(
      `SELECT min(partition) AS p FROM ${table} WHERE partition > $1`,
      [p],
    );
    const next = rows[0]?.p;
    if (next == null) return undefined;
    const hit = await db.query(
      `SELECT 1 FROM ${table} WHERE partition = $1 AND stream_ms >= $2 AND stream_ms < $3 LIMIT 1`,
      [next, start, end],
    );
    if ((hit.rowCount ?? 0) > 0) return next;
    p = next;
  }
}

class PgDayWriter implements DayWriter {
  private copy: { dataset: Dataset; stream: Writable } | undefined;
  private inTx = false;

  constructor(private readonly client: PoolClient) {}

  private async stream(dataset: Dataset): Promise<Writable> {
    if (this.copy?.dataset === dataset) return this.copy.stream;
    await this.endCopy();
    if (!this.inTx) {
      await this.client.query('BEGIN');
      this.inTx = true;
    }
    const stream = this.client.query(
      copyFrom(`COPY ${TABLE[dataset]} (${COLUMNS[dataset]}) FROM STDIN`),
    );
    this.copy = { dataset, stream };
    return stream;
  }

  private async endCopy(): Promise<void> {
    if (!this.copy) return;
    const { stream } = this.copy;
    this.copy = undefined;
    stream.end();
    await once(stream, 'finish');
  }

  private async write(dataset: Dataset, text: string): Promise<void> {
    const stream = await this.stream(dataset);
    if (!stream.write(text)) await once(stream, 'drain');
  }

  async appendTicks(rows: readonly ArchivedTick[]): Promise<void> {
    if (rows.length > 0) await this.write('ticks', rows.map(tickLine).join(''));
  }

  async appendAnomalies(rows: readonly ArchivedAnomaly[]): Promise<void> {
    if (rows.length > 0) await this.write('anomalies', rows.map(anomalyLine).join(''));
  }

  async flush(): Promise<{ part: number }> {
    await this.endCopy();
    if (this.inTx) {
      await this.client.query('COMMIT');
      this.inTx = false;
    }
    return { part: 0 };
  }

  async publish(): Promise<void> {
    await this.flush();
    this.client.release();
  }

  abort(): Promise<void> {
    // A COPY cut short leaves the connection unusable: destroy it rather than reuse it (the
    // open COPY then fails, as it should, with nobody left to hear it).
    this.copy?.stream.on('error', () => undefined);
    this.copy = undefined;
    this.client.release(true);
    return Promise.resolve();
  }
}

export interface PgSinkOptions {
  readonly url: string;
  readonly poolSize?: number;
}

/** The PostgreSQL sink; runs the migrations before it returns. */
export async function createPgSink(
  opts: PgSinkOptions,
): Promise<ArchiveSink & { repository: QuoteRepository; pool: Pool }> {
  const pool = new Pool({ connectionString: opts.url, max: opts.poolSize ?? 4 });
  pool.on('error', () => undefined); // an idle client's error surfaces on its next use
  await migrate(pool);
  const repository = new QuoteRepository(pool);

  /** A day of one dataset by partition, then stream id; keyset pages of 5,000 rows. */
  async function* scan<R, T>(
    dataset: Dataset,
    day: string,
    of: (r: R) => T,
  ): AsyncGenerator<readonly T[]> {
    const { start, end } = dayRange(day);
    const table = TABLE[dataset];
    for (
      let p = await nextPartition(pool, table, -1, start, end);
      p !== undefined;
      p = await nextPartition(pool, table, p, start, end)
    ) {
      let after: [string, string] = [String(start), '-1'];
      for (;;) {
        const { rows } = await pool.query<R & { stream_ms: string; stream_seq: string }>(
          `SELECT ${COLUMNS[dataset]} FROM ${table}
           WHERE partition = $1 AND (stream_ms, stream_seq) > ($2, $3) AND stream_ms < $4
           ORDER BY stream_ms, stream_seq LIMIT 5000`,
          [p, after[0], after[1], end],
        );
        if (rows.length > 0) yield rows.map(of);
        if (rows.length < 5000) break;
        const last = rows[rows.length - 1]!;
        after = [last.stream_ms, last.stream_seq];
      }
    }
  }

  /** Deletes the day's rows of `dataset` after `pos` (all of them from the start position). */
  async function dropAfter(
    client: PoolClient,
    dataset: Dataset,
    day: string,
    pos: StreamPosition,
  ): Promise<void> {
    const { start, end } = dayRange(day);
    const table = TABLE[dataset];
    const [ms, seq] = pos.after ? idParts(pos.after) : [String(start), '-1'];
    await client.query(
      `DELETE FROM ${table}
       WHERE partition = $1 AND (stream_ms, stream_seq) > ($2, $3) AND stream_ms < $4`,
      [pos.partition, ms, seq, end],
    );
    for (
      let p = await nextPartition(client, table, pos.partition, start, end);
      p !== undefined;
      p = await nextPartition(client, table, p, start, end)
    ) {
      await client.query(
        `DELETE FROM ${table} WHERE partition = $1 AND stream_ms >= $2 AND stream_ms < $3`,
        [p, start, end],
      );
    }
  }

  return {
    kind: 'postgres',
    repository,
    pool,

    async openDay(day: string, resume?: SinkPosition): Promise<DayWriter> {
      const from = resume ?? START_POSITION;
      const client = await pool.connect();
      try {
        // Drop what an unfinished copy wrote past its last flush (everything, without one).
        await dropAfter(client, 'ticks', day, from.ticks);
        await dropAfter(client, 'anomalies', day, from.anomalies);
      } catch (err) {
        client.release();
        throw err;
      }
      return new PgDayWriter(client);
    },

    scanTicks: (day) => scan<TickRecord, ArchivedTick>('ticks', day, tickOfRecord),
    scanAnomalies: (day) => scan<AnomalyRecord, ArchivedAnomaly>('anomalies', day, anomalyOfRecord),

    async readManifest(day: string): Promise<ArchiveManifest | undefined> {
      const { rows } = await pool.query<{ manifest: StoredManifest }>(
        'SELECT manifest FROM archive_manifests WHERE day = $1',
        [day],
      );
      return rows[0] ? upgradeManifest(rows[0].manifest) : undefined;
    },

    async writeManifest(manifest: ArchiveManifest): Promise<void> {
      await pool.query(
        `INSERT INTO archive_manifests (day, manifest) VALUES ($1, $2)
         ON CONFLICT (day) DO UPDATE SET manifest = EXCLUDED.manifest, written_at = now()`,
        [manifest.day, JSON.stringify(manifest)],
      );
    },

    async listDays(): Promise<string[]> {
      const { rows } = await pool.query<{ day: string }>(
        "SELECT to_char(day, 'YYYY-MM-DD') AS day FROM archive_manifests ORDER BY day",
      );
      return rows.map((r) => r.day);
    },

    history: (ticker, fromMs, toMs, limit) => repository.query(ticker, fromMs, toMs, limit),

    async close(): Promise<void> {
      await pool.end();
    },
  };
}
