import type { Config } from '../config';
import { createParquetSink } from './parquet-sink';
import { createPgSink } from './pg-sink';
import type { ArchiveSink } from './sink';

/** The sink ARCHIVE_SINK selects. PostgreSQL needs ARCHIVE_PG_URL (npm start sets it for its own cluster). */
export async function createArchiveSink(
  config: Config,
  sectors: ReadonlyMap<string, string>,
): Promise<ArchiveSink> {
  const a = config.archive;
  if (a.sink === 'parquet') {
    return createParquetSink({ dir: a.dir, rowGroupSize: a.rowGroupSize, sectors });
  }
  if (!a.pgUrl) {
    throw new Error(
      'ARCHIVE_SINK=postgres needs ARCHIVE_PG_URL (`npm start` launches a local PostgreSQL and sets it)',
    );
  }
  return createPgSink({ url: a.pgUrl });
}
