import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ParquetReader, ParquetWriter, type ParquetSchema } from '@dsnp/parquetjs';
import { materializeRecords } from '@dsnp/parquetjs/dist/lib/shred';
import { upgradeManifest, type ArchiveManifest, type StoredManifest } from './manifest';
import { layout, partitionValueOf, partNumber } from './parquet-layout';
import {
  ANOMALY_SCHEMA,
  anomalyOf,
  anomalyRow,
  ms,
  TICK_SCHEMA,
  tickOf,
  tickRow,
  type Row,
} from './parquet-rows';
import type { ArchivedAnomaly, ArchivedTick } from './rows';
import {
  byPartitionThenId,
  byTsThenId,
  type ArchiveSink,
  type DayWriter,
  type SinkPosition,
} from './sink';

/**
 * Parquet files on the local filesystem, written with @dsnp/parquetjs (pure JavaScript, row
 * groups written out as they fill, so memory stays bounded by open partitions × row group).
 * Prices, sizes, bids and asks are UTF8 columns holding the exact decimal text; times are
 * TIMESTAMP_MILLIS so DuckDB and pandas see timestamps.
 */

export interface ParquetSinkOptions {
  readonly dir: string;
  /** Rows per row group (per open partition file). */
  readonly rowGroupSize: number;
  /** Ticker → sector, to read only the ticker's partition in `history`. */
  readonly sectors: ReadonlyMap<string, string>;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Part files of a folder in write order. */
async function parts(dir: string): Promise<string[]> {
  const files = (await listDir(dir)).filter((f) => partNumber(f) !== undefined);
  return files.sort((a, b) => partNumber(a)! - partNumber(b)!).map((f) => join(dir, f));
}

/** Rows of part files in order, one at a time (one row group in memory). */
async function* readRows(files: readonly string[]): AsyncGenerator<Row> {
  for (const file of files) {
    const reader = await ParquetReader.openFile(file);
    try {
      const cursor = reader.getCursor();
      for (;;) {
        const row = (await cursor.next()) as Row | null;
        if (!row) break;
        yield row;
      }
    } finally {
      await reader.close();
    }
  }
}

/** A column's min and max in one row group (parquetjs decodes them when it opens a file). */
function stats(
  rowGroup: { columns: { meta_data?: { path_in_schema: string[]; statistics?: unknown } }[] },
  column: string,
): { min: unknown; max: unknown } | undefined {
  const chunk = rowGroup.columns.find((c) => c.meta_data?.path_in_schema.join('.') === column);
  const st = chunk?.meta_data?.statistics as
    { min_value?: unknown; max_value?: unknown } | undefined;
  if (st?.min_value == null || st.max_value == null) return undefined;
  return { min: st.min_value, max: st.max_value };
}

/**
 * Rows of the row groups whose statistics may hold `ticker` with fromMs <= ts < toMs: rows
 * are in arrival order, so each row group spans a short stretch of time and a narrow history
 * query decodes a few row groups instead of the whole file.
 */
async function* rowsInRange(
  files: readonly string[],
  ticker: string,
  fromMs: number,
  toMs: number,
): AsyncGenerator<Row> {
  for (const file of files) {
    const reader = await ParquetReader.openFile(file);
    try {
      const envelope = reader.envelopeReader;
      if (!envelope || !reader.metadata) continue;
      for (const rg of reader.metadata.row_groups) {
        const ts = stats(rg, 'ts');
        if (ts && (ms(ts.max) < fromMs || ms(ts.min) >= toMs)) continue;
        const tk = stats(rg, 'ticker');
        if (tk && (ticker < String(tk.min) || ticker > String(tk.max))) continue;
        const buffer = await envelope.readRowGroup(reader.schema, rg, []);
        yield* materializeRecords(reader.schema, buffer);
      }
    } finally {
      await reader.close();
    }
  }
}

/**
 * Merges the rows of several folders (each sector's part files, in the copy's order: by
 * pipeline partition, then stream id) into one sequence in that order, in batches.
 */
async function* mergeInCopyOrder<T extends { partition: number; id: string }>(
  sources: AsyncGenerator<T>[],
  batch: number,
): AsyncGenerator<T[]> {
  const heads: { gen: AsyncGenerator<T>; row: T }[] = [];
  for (const gen of sources) {
    const first = await gen.next();
    if (!first.done) heads.push({ gen, row: first.value });
  }
  let out: T[] = [];
  while (heads.length > 0) {
    let min = 0;
    for (let i = 1; i < heads.length; i++) {
      if (byPartitionThenId(heads[i]!.row, heads[min]!.row) < 0) min = i;
    }
    const head = heads[min]!;
    out.push(head.row);
    if (out.length >= batch) {
      yield out;
      out = [];
    }
    const next = await head.gen.next();
    if (next.done) heads.splice(min, 1);
    else head.row = next.value;
  }
  if (out.length > 0) yield out;
}

async function* mapRows<T>(rows: AsyncGenerator<Row>, f: (r: Row) => T): AsyncGenerator<T> {
  for await (const r of rows) yield f(r);
}

class ParquetDayWriter implements DayWriter {
  private readonly open = new Map<string, Promise<ParquetWriter>>();

  constructor(
    private readonly opts: ParquetSinkOptions,
    private readonly day: string,
    private part: number,
  ) {}

  private get staging(): string {
    return layout.staging(this.opts.dir, this.day);
  }

  private writer(subdir: string, schema: ParquetSchema): Promise<ParquetWriter> {
    let w = this.open.get(subdir);
    if (!w) {
      const dir = join(this.staging, subdir);
      w = mkdir(dir, { recursive: true }).then(() =>
        ParquetWriter.openFile(schema, join(dir, layout.part(this.part)), {
          rowGroupSize: this.opts.rowGroupSize,
        }),
      );
      this.open.set(subdir, w);
    }
    return w;
  }

  async appendTicks(rows: readonly ArchivedTick[]): Promise<void> {
    for (const t of rows) {
      const w = await this.writer(join('ticks', layout.sectorDir(t.sector)), TICK_SCHEMA);
      await w.appendRow(tickRow(t));
    }
  }

  async appendAnomalies(rows: readonly ArchivedAnomaly[]): Promise<void> {
    if (rows.length === 0) return;
    const w = await this.writer('anomalies', ANOMALY_SCHEMA);
    for (const a of rows) await w.appendRow(anomalyRow(a));
  }

  async flush(): Promise<{ part: number }> {
    if (this.open.size > 0) {
      const writers = await Promise.all(this.open.values());
      this.open.clear();
      for (const w of writers) await w.close();
      this.part++;
    }
    return { part: this.part };
  }

  async publish(): Promise<void> {
    await this.flush();
    const { dir } = this.opts;
    const trash = join(dir, '.trash', `date=${this.day}-${process.pid}-${Date.now()}`);
    await mkdir(trash, { recursive: true });
    for (const [name, final] of [
      ['ticks', layout.ticksDay(dir, this.day)],
      ['anomalies', layout.anomaliesDay(dir, this.day)],
    ] as const) {
      // Old copy aside, new copy in: two renames, so readers never see a half-written day.
      await rename(final, join(trash, name)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      const staged = join(this.staging, name);
      if ((await listDir(staged)).length > 0) {
        await mkdir(join(final, '..'), { recursive: true });
        await rename(staged, final);
      }
    }
    await rm(trash, { recursive: true, force: true });
    await rm(this.staging, { recursive: true, force: true });
  }

  async abort(): Promise<void> {
    const writers = await Promise.allSettled(this.open.values());
    this.open.clear();
    for (const w of writers)
      if (w.status === 'fulfilled') await w.value.close().catch(() => undefined);
  }
}

/** Removes part files numbered `from` or above anywhere under `dir` (an unfinished flush). */
async function dropPartsFrom(dir: string, from: number): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const n = entry.isFile() ? partNumber(entry.name) : undefined;
    if (n !== undefined && n >= from) await rm(join(entry.parentPath, entry.name));
  }
}

export function createParquetSink(opts: ParquetSinkOptions): ArchiveSink {
  const { dir } = opts;

  async function sectorDirs(day: string): Promise<string[]> {
    const base = layout.ticksDay(dir, day);
    return (await listDir(base)).filter((d) => d.startsWith('sector=')).map((d) => join(base, d));
  }

  return {
    kind: 'parquet',

    async openDay(day: string, resume?: SinkPosition): Promise<DayWriter> {
      const staging = layout.staging(dir, day);
      if (resume && (await listDir(staging)).length > 0) {
        await dropPartsFrom(staging, resume.part);
        return new ParquetDayWriter(opts, day, resume.part);
      }
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging, { recursive: true });
      return new ParquetDayWriter(opts, day, 0);
    },

    async *scanTicks(day: string): AsyncIterable<readonly ArchivedTick[]> {
      const sources: AsyncGenerator<ArchivedTick>[] = [];
      for (const d of await sectorDirs(day)) {
        const sector = partitionValueOf(d.slice(d.lastIndexOf('/') + 1));
        sources.push(mapRows(readRows(await parts(d)), (r) => tickOf(r, sector)));
      }
      yield* mergeInCopyOrder(sources, 1000);
    },

    async *scanAnomalies(day: string): AsyncIterable<readonly ArchivedAnomaly[]> {
      const rows = mapRows(readRows(await parts(layout.anomaliesDay(dir, day))), anomalyOf);
      yield* mergeInCopyOrder([rows], 1000);
    },

    async readManifest(day: string): Promise<ArchiveManifest | undefined> {
      try {
        const stored = JSON.parse(
          await readFile(layout.manifest(dir, day), 'utf8'),
        ) as StoredManifest;
        return upgradeManifest(stored);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },

    async writeManifest(manifest: ArchiveManifest): Promise<void> {
      const file = layout.manifest(dir, manifest.day);
      await mkdir(layout.manifests(dir), { recursive: true });
      await writeFile(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
      await rename(`${file}.tmp`, file);
    },

    async listDays(): Promise<string[]> {
      return (await listDir(layout.manifests(dir)))
        .map((f) => /^date=(\d{4}-\d{2}-\d{2})\.json$/.exec(f)?.[1])
        .filter((d): d is string => d !== undefined);
    },

    async history(ticker, fromMs, toMs, limit, days): Promise<ArchivedTick[]> {
      const found: ArchivedTick[] = [];
      const sector = opts.sectors.get(ticker.toUpperCase());
      let extraDays = -1;
      for (const day of days) {
        // Once `limit` rows are found, one more day: a tick can be archived under the day
        // after its event time (it reached Redis after midnight).
        if (extraDays === 0) break;
        if (extraDays > 0) extraDays--;
        const dirs = (await sectorDirs(day)).filter(
          (d) => sector === undefined || d.endsWith(`/${layout.sectorDir(sector)}`),
        );
        for (const d of dirs) {
          const s = partitionValueOf(d.slice(d.lastIndexOf('/') + 1));
          for await (const r of rowsInRange(await parts(d), ticker, fromMs, toMs)) {
            if (r.ticker !== ticker) continue;
            const ts = ms(r.ts);
            if (ts >= fromMs && ts < toMs) found.push(tickOf(r, s));
          }
        }
        if (extraDays < 0 && found.length >= limit) extraDays = 1;
      }
      return found.sort(byTsThenId).slice(0, limit);
    },

    async close(): Promise<void> {},
  };
}
