/** The archive: day copies of the streams into Parquet or PostgreSQL, and reading them back. */
export * from './day';
export * from './rows';
export * from './manifest';
export * from './sink';
export * from './parquet-layout';
export { createParquetSink, type ParquetSinkOptions } from './parquet-sink';
export { createPgSink, type PgSinkOptions } from './pg-sink';
export { migrate, SCHEMA_VERSION } from './pg-schema';
export { QuoteRepository } from './quote-repository';
export { createArchiveSink } from './create-sink';
export {
  createArchiveReader,
  readerOver,
  type ArchiveCoverage,
  type ArchiveReader,
} from './reader';
export { trimBoundMs } from './retention';
export { lazyArchiveSink, type LazyArchiveSink } from './lazy-sink';
export {
  restoreDay,
  RestoreError,
  type RestoredPartition,
  type RestoreOptions,
  type RestoreResult,
} from './restore';
