import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Pool, type PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { dayRange } from './day';
import type { ArchiveManifest } from './manifest';
import { migrate } from './pg-schema';
import { QuoteRepository, TICK_COLUMNS, tickOfRecord, type TickRecord } from './quote-repository';
import { anomalyValues, tickValues, type ArchivedAnomaly, type ArchivedTick } from './rows';
import type { ArchiveSink, Dataset, DayWriter, SinkPosition } from './sink';

/**
 * PostgreSQL tables (lib/archive/pg-schema.ts), written with COPY FROM STDIN through
 * pg-copy-streams: one transaction per flush, so an interrupted copy resumes from its last
 * flush; the primary key on the stream id makes a row impossible to store twice.
 */

const ANOMALY_COLUMNS =
  'stream_ms, stream_seq, type, severity, ticker, price, statistic, threshold, ts_ms, source_ids, detected_at';
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
  return `${[...idParts(t.id), ...tickValues(t)].map(copyText).join('\t')}\n`;
}

function anomalyLine(a: ArchivedAnomaly): string {
  return `${[...idParts(a.id), ...anomalyValues(a)].map(copyText).join('\t')}\n`;
}

interface AnomalyRecord {
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
}

function anomalyOfRecord(r: AnomalyRecord): ArchivedAnomaly {
  return {
    id: `${r.stream_ms}-${r.stream_seq}`,
    type: r.type as ArchivedAnomaly['type'],
    severity: r.severity as ArchivedAnomaly['severity'],
    ticker: r.ticker,
    price: r.price,
    statistic: r.statistic,
    threshold: r.threshold,
    ts: Number(r.ts_ms),
    sourceIds: r.source_ids ? r.source_ids.split(',') : [],
    detectedAt: Number(r.detected_at),
  };
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

  async function* scan<R, T>(
    dataset: Dataset,
    day: string,
    of: (r: R) => T,
  ): AsyncGenerator<readonly T[]> {
    const { start, end } = dayRange(day);
    let after: [string, string] = [String(start), '-1'];
    for (;;) {
      const { rows } = await pool.query<R & { stream_ms: string; stream_seq: string }>(
        `SELECT ${COLUMNS[dataset]} FROM ${TABLE[dataset]}
         WHERE (stream_ms, stream_seq) > ($1, $2) AND stream_ms < $3
         ORDER BY stream_ms, stream_seq LIMIT 5000`,
        [after[0], after[1], end],
      );
      if (rows.length === 0) return;
      yield rows.map(of);
      const last = rows[rows.length - 1]!;
      after = [last.stream_ms, last.stream_seq];
    }
  }

  return {
    kind: 'postgres',
    repository,
    pool,

    async openDay(day: string, resume?: SinkPosition): Promise<DayWriter> {
      const { start, end } = dayRange(day);
      const client = await pool.connect();
      try {
        // Drop what an unfinished copy wrote past its last flush (everything, without one).
        for (const [dataset, after] of [
          ['ticks', resume?.ticksAfter ?? ''],
          ['anomalies', resume?.anomaliesAfter ?? ''],
        ] as const) {
          const [ms, seq] = after ? idParts(after) : [String(start), '-1'];
          await client.query(
            `DELETE FROM ${TABLE[dataset]} WHERE (stream_ms, stream_seq) > ($1, $2) AND stream_ms < $3`,
            [ms, seq, end],
          );
        }
      } catch (err) {
        client.release();
        throw err;
      }
      return new PgDayWriter(client);
    },

    scanTicks: (day) => scan<TickRecord, ArchivedTick>('ticks', day, tickOfRecord),
    scanAnomalies: (day) => scan<AnomalyRecord, ArchivedAnomaly>('anomalies', day, anomalyOfRecord),

    async readManifest(day: string): Promise<ArchiveManifest | undefined> {
      const { rows } = await pool.query<{ manifest: ArchiveManifest }>(
        'SELECT manifest FROM archive_manifests WHERE day = $1',
        [day],
      );
      return rows[0]?.manifest;
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
