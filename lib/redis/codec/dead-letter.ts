import type { DeadLetter } from '../../domain/types';
import { fieldMap, type Fields } from './fields';

/** Dead letters: why an event was refused, with its original payload. */
export function encodeDeadLetter(d: DeadLetter): Fields {
  const f = [
    'reason',
    d.reason,
    'feed',
    d.feed,
    'adapter',
    d.adapter,
    'source_stream_id',
    d.sourceStreamId,
    'payload',
    d.payload,
  ];
  if (d.redrivenFrom !== undefined) f.push('redriven_from', d.redrivenFrom);
  return f;
}

export function decodeDeadLetter(fields: readonly string[]): DeadLetter {
  const m = fieldMap(fields);
  return {
    reason: m.reason ?? '',
    feed: m.feed ?? '',
    adapter: m.adapter ?? '',
    sourceStreamId: m.source_stream_id ?? '',
    payload: m.payload ?? '',
    ...(m.redriven_from !== undefined ? { redrivenFrom: m.redriven_from } : {}),
  };
}
