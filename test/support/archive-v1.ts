import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParquetSchema, ParquetWriter } from '@dsnp/parquetjs';
import type { ParquetType } from '@dsnp/parquetjs/dist/lib/declare';
import { Pool } from 'pg';
import {
  anomalyValues,
  dayRange,
  layout,
  partitionValue,
  RowDigest,
  tickValues,
  type ArchivedAnomaly,
  type ArchivedTick,
  type ArchiveManifestV1,
} from '../../lib/archive';

/**
 * Days as the archive wrote them before partitions: Parquet files with that release's columns
 * (no `partition`, anomalies without `feed`), PostgreSQL rows written without those columns,
 * and a version-1 manifest whose digests are over that release's canonical lines.
 */

/** `n` ticks of one day from the single stream of that release: partition 0, unique ids. */
export function ticksBeforePartitions(day: string, n: number): ArchivedTick[] {
  const { start } = dayRange(day);
  const step = Math.floor(86_400_000 / (n + 1));
  const tickers = ['AAPL', 'JPM', 'XYZ'];
  const sectors = ['Technology', 'Financials', ''];
  return Array.from({ length: n }, (_, i) => {
    const ms = start + (i + 1) * step;
    return {
      id: `${ms}-${i % 2}`,
      ticker: tickers[i % 3]!,
      kind: 'trade',
      price: `${200 + i}.000000000000000000000001`,
      size: String(i + 1),
      ts: ms - 10,
      sector: sectors[i % 3]!,
      source: 'simulator',
      feed: 'sim',
      seq: String(i),
      rawId: `${ms - 1}-0`,
      partition: 0,
    } satisfies ArchivedTick;
  });
}

/** An anomaly for every 10th tick, as that release stored them (no feed). */
export function anomaliesBeforePartitions(ticks: readonly ArchivedTick[]): ArchivedAnomaly[] {
  return ticks
    .filter((_, i) => i % 10 === 0)
    .map((t) => ({
      id: t.id,
      type: 'price_jump',
      severity: 'high',
      ticker: t.ticker,
      feed: '',
      price: t.price,
      statistic: 9.25,
      threshold: 8,
      ts: t.ts,
      sourceIds: [t.id],
      detectedAt: t.ts + 2,
      partition: 0,
    }));
}

function digest(lines: string[]) {
  const d = new RowDigest();
  lines.forEach((l) => d.add(l));
  return d.state();
}

function manifestV1(
  sink: 'parquet' | 'postgres',
  day: string,
  ticks: readonly ArchivedTick[],
  anomalies: readonly ArchivedAnomaly[],
): ArchiveManifestV1 {
  const range = (rows: readonly { id: string }[]) => ({
    fromId: rows[0]?.id ?? '',
    toId: rows[rows.length - 1]?.id ?? '',
  });
  return {
    version: 1,
    day,
    sink,
    ticks: {
      stream: 'normalized:events',
      ...range(ticks),
      digest: digest(ticks.map((t) => JSON.stringify([t.id, ...tickValues(t)]))),
    },
    anomalies: {
      stream: 'anomalies:events',
      ...range(anomalies),
      digest: digest(anomalies.map((a) => JSON.stringify([a.id, ...anomalyValues(a)]))),
    },
    sourceComplete: true,
    verifiedAt: dayRange(day).end + 3_600_000,
  };
}

const col = (type: ParquetType, optional = false) =>
  ({ type, compression: 'SNAPPY', optional }) as const;

/** The tick columns before partitions. */
const TICK_SCHEMA_V1 = new ParquetSchema({
  id: col('UTF8'),
  ticker: col('UTF8'),
  kind: col('UTF8'),
  price: col('UTF8'),
  size: col('UTF8', true),
  bid: col('UTF8', true),
  ask: col('UTF8', true),
  ts: col('TIMESTAMP_MILLIS'),
  source: col('UTF8'),
  feed: col('UTF8'),
  seq: col('UTF8'),
  raw_id: col('UTF8'),
});

/** The anomaly columns before partitions. */
const ANOMALY_SCHEMA_V1 = new ParquetSchema({
  id: col('UTF8'),
  type: col('UTF8'),
  severity: col('UTF8'),
  ticker: col('UTF8'),
  price: col('UTF8'),
  statistic: col('DOUBLE'),
  threshold: col('DOUBLE'),
  ts: col('TIMESTAMP_MILLIS'),
  source_ids: col('UTF8'),
  detected_at: col('TIMESTAMP_MILLIS'),
});

async function writeParquet(
  dir: string,
  day: string,
  ticks: readonly ArchivedTick[],
  anomalies: readonly ArchivedAnomaly[],
): Promise<void> {
  const bySector = new Map<string, ArchivedTick[]>();
  for (const t of ticks) bySector.set(t.sector, [...(bySector.get(t.sector) ?? []), t]);
  for (const [sector, rows] of bySector) {
    const d = join(layout.ticksDay(dir, day), `sector=${partitionValue(sector)}`);
    mkdirSync(d, { recursive: true });
    const w = await ParquetWriter.openFile(TICK_SCHEMA_V1, join(d, layout.part(0)));
    for (const t of rows) {
      await w.appendRow({
        id: t.id,
        ticker: t.ticker,
        kind: t.kind,
        price: t.price,
        size: t.size,
        bid: t.bid,
        ask: t.ask,
        ts: new Date(t.ts),
        source: t.source,
        feed: t.feed,
        seq: t.seq,
        raw_id: t.rawId,
      });
    }
    await w.close();
  }
  if (anomalies.length > 0) {
    const ad = layout.anomaliesDay(dir, day);
    mkdirSync(ad, { recursive: true });
    const w = await ParquetWriter.openFile(ANOMALY_SCHEMA_V1, join(ad, layout.part(0)));
    for (const a of anomalies) {
      await w.appendRow({
        id: a.id,
        type: a.type,
        severity: a.severity,
        ticker: a.ticker,
        price: a.price,
        statistic: a.statistic,
        threshold: a.threshold,
        ts: new Date(a.ts),
        source_ids: a.sourceIds.join(','),
        detected_at: new Date(a.detectedAt),
      });
    }
    await w.close();
  }
  const manifest = manifestV1('parquet', day, ticks, anomalies);
  mkdirSync(layout.manifests(dir), { recursive: true });
  writeFileSync(layout.manifest(dir, day), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Rows as that release's COPY wrote them: the columns of schema version 1 only. */
async function writePostgres(
  url: string,
  day: string,
  ticks: readonly ArchivedTick[],
  anomalies: readonly ArchivedAnomaly[],
): Promise<void> {
  const pool = new Pool({ connectionString: url });
  try {
    for (const t of ticks) {
      await pool.query(
        `INSERT INTO archive_ticks (stream_ms, stream_seq, ticker, kind, price, size, bid, ask,
           ts_ms, sector, source, feed, seq, raw_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [...t.id.split('-'), ...tickValues(t)],
      );
    }
    for (const a of anomalies) {
      await pool.query(
        `INSERT INTO archive_anomalies (stream_ms, stream_seq, type, severity, ticker, price,
           statistic, threshold, ts_ms, source_ids, detected_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [...a.id.split('-'), ...anomalyValues(a)],
      );
    }
    const manifest = manifestV1('postgres', day, ticks, anomalies);
    await pool.query('INSERT INTO archive_manifests (day, manifest) VALUES ($1, $2)', [
      day,
      JSON.stringify(manifest),
    ]);
  } finally {
    await pool.end();
  }
}

/** Where a day before partitions is written: a Parquet root, or a PostgreSQL database. */
export type ArchiveTarget =
  | { readonly sink: 'parquet'; readonly dir: string }
  | { readonly sink: 'postgres'; readonly url: string };

/**
 * Writes a day as the archive did before partitions (rows, then its version-1 manifest). For
 * PostgreSQL the database's schema must exist (any version: the rows leave the newer columns
 * to their defaults, as the migration does for rows it finds).
 */
export async function writeDayBeforePartitions(
  target: ArchiveTarget,
  day: string,
  ticks: readonly ArchivedTick[],
  anomalies: readonly ArchivedAnomaly[],
): Promise<void> {
  if (target.sink === 'parquet') await writeParquet(target.dir, day, ticks, anomalies);
  else await writePostgres(target.url, day, ticks, anomalies);
}
