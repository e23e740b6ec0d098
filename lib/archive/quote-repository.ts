import type { Pool } from 'pg';
import { tickValues, type ArchivedTick } from './rows';

/** A row of archive_ticks as pg returns it (bigint and numeric as text). */
export interface TickRecord {
  partition: number;
  stream_ms: string;
  stream_seq: string;
  ticker: string;
  kind: string;
  price: string;
  size: string | null;
  bid: string | null;
  ask: string | null;
  ts_ms: string;
  sector: string;
  source: string;
  feed: string;
  seq: string;
  raw_id: string;
}

export const TICK_COLUMNS =
  'partition, stream_ms, stream_seq, ticker, kind, price, size, bid, ask, ts_ms, sector, source, feed, seq, raw_id';

export function tickOfRecord(r: TickRecord): ArchivedTick {
  return {
    id: `${r.stream_ms}-${r.stream_seq}`,
    ticker: r.ticker,
    kind: r.kind === 'quote' ? 'quote' : 'trade',
    price: r.price,
    ...(r.size !== null ? { size: r.size } : {}),
    ...(r.bid !== null ? { bid: r.bid } : {}),
    ...(r.ask !== null ? { ask: r.ask } : {}),
    ts: Number(r.ts_ms),
    sector: r.sector,
    source: r.source,
    feed: r.feed,
    seq: r.seq,
    rawId: r.raw_id,
    partition: r.partition,
  };
}

/**
 * Archived quotes and trades in PostgreSQL (the seed's QuoteRepository): save, query by ticker
 * and time range, latest. Bulk day copies go through COPY in the sink; `save` is for small
 * writes and is idempotent (a row, (partition, stream id), is stored once).
 */
export class QuoteRepository {
  constructor(private readonly pool: Pool) {}

  /** Inserts ticks; ones already stored (same partition and stream id) are left as they are. */
  async save(ticks: readonly ArchivedTick[]): Promise<number> {
    if (ticks.length === 0) return 0;
    const cols: unknown[][] = Array.from({ length: 15 }, () => []);
    for (const t of ticks) {
      const [ms = '0', seq = '0'] = t.id.split('-');
      const values = [t.partition, ms, seq, ...tickValues(t)];
      values.forEach((v, i) => cols[i]!.push(v));
    }
    const types = [
      'int',
      'bigint',
      'bigint',
      'text',
      'text',
      'numeric',
      'numeric',
      'numeric',
      'numeric',
      'bigint',
      'text',
      'text',
      'text',
      'text',
      'text',
    ];
    const res = await this.pool.query(
      `INSERT INTO archive_ticks (${TICK_COLUMNS})
       SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})
       ON CONFLICT (partition, stream_ms, stream_seq) DO NOTHING`,
      cols,
    );
    return res.rowCount ?? 0;
  }

  /**
   * Ticks of `ticker` with fromMs <= ts < toMs, ascending by (ts, stream id, partition), at most
   * `limit`.
   */
  async query(
    ticker: string,
    fromMs: number,
    toMs: number,
    limit: number,
  ): Promise<ArchivedTick[]> {
    const { rows } = await this.pool.query<TickRecord>(
      `SELECT ${TICK_COLUMNS} FROM archive_ticks
       WHERE ticker = $1 AND ts_ms >= $2 AND ts_ms < $3
       ORDER BY ts_ms, stream_ms, stream_seq, partition LIMIT $4`,
      [ticker, fromMs, toMs, limit],
    );
    return rows.map(tickOfRecord);
  }

  /** The newest archived tick of `ticker` (by event time, then stream id, then partition). */
  async latest(ticker: string): Promise<ArchivedTick | undefined> {
    const { rows } = await this.pool.query<TickRecord>(
      `SELECT ${TICK_COLUMNS} FROM archive_ticks WHERE ticker = $1
       ORDER BY ts_ms DESC, stream_ms DESC, stream_seq DESC, partition DESC LIMIT 1`,
      [ticker],
    );
    return rows[0] ? tickOfRecord(rows[0]) : undefined;
  }
}
