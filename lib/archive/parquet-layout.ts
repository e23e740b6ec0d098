import { join } from 'node:path';

/**
 * Where the Parquet sink puts things (hive-style partitions, readable as one dataset by
 * DuckDB `read_parquet('<dir>/ticks/**\/*.parquet', hive_partitioning = true)` and by pandas
 * `read_parquet('<dir>/ticks')`):
 *
 *   <dir>/ticks/date=YYYY-MM-DD/sector=<sector>/part-N.parquet
 *   <dir>/anomalies/date=YYYY-MM-DD/part-N.parquet
 *   <dir>/manifests/date=YYYY-MM-DD.json
 *   <dir>/.staging/date=YYYY-MM-DD/...   (a copy in progress; moved into place when verified)
 *
 * Partition values are not repeated inside the files (the hive convention).
 */
export const DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

/** A sector as a partition value: kept readable, only path-hostile characters %-escaped. */
export function partitionValue(value: string): string {
  if (value === '') return DEFAULT_PARTITION;
  return value.replace(/[^A-Za-z0-9 _.,&()+-]/g, (c) =>
    [...Buffer.from(c, 'utf8')]
      .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}

export function partitionValueOf(dirName: string): string {
  const value = dirName.slice(dirName.indexOf('=') + 1);
  return value === DEFAULT_PARTITION ? '' : decodeURIComponent(value);
}

export const layout = {
  ticksDay: (dir: string, day: string) => join(dir, 'ticks', `date=${day}`),
  anomaliesDay: (dir: string, day: string) => join(dir, 'anomalies', `date=${day}`),
  manifests: (dir: string) => join(dir, 'manifests'),
  manifest: (dir: string, day: string) => join(dir, 'manifests', `date=${day}.json`),
  staging: (dir: string, day: string) => join(dir, '.staging', `date=${day}`),
  sectorDir: (sector: string) => `sector=${partitionValue(sector)}`,
  part: (n: number) => `part-${String(n).padStart(5, '0')}.parquet`,
};

/** The part number of a part file name, or undefined. */
export function partNumber(file: string): number | undefined {
  const m = /^part-(\d+)\.parquet$/.exec(file);
  return m ? Number(m[1]) : undefined;
}
