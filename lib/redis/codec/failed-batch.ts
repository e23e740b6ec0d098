import { fieldMap, type Fields } from './fields';

/** A failed batch as recorded in the failed-batches stream. */
export interface FailedBatch {
  readonly batchId: string;
  readonly stage: string;
  readonly stream: string;
  readonly ids: readonly string[];
  readonly error: string;
  readonly attempts: number;
  readonly failedAt: number;
}

export function encodeFailedBatch(b: FailedBatch): Fields {
  return [
    'batch_id',
    b.batchId,
    'stage',
    b.stage,
    'stream',
    b.stream,
    'ids',
    b.ids.join(','),
    'error',
    b.error,
    'attempts',
    String(b.attempts),
    'failed_at',
    String(b.failedAt),
  ];
}

export function decodeFailedBatch(fields: readonly string[]): FailedBatch {
  const m = fieldMap(fields);
  return {
    batchId: m.batch_id ?? '',
    stage: m.stage ?? '',
    stream: m.stream ?? '',
    ids: m.ids ? m.ids.split(',') : [],
    error: m.error ?? '',
    attempts: Number(m.attempts ?? 0),
    failedAt: Number(m.failed_at ?? 0),
  };
}
