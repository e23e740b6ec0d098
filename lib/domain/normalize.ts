import { findAdapter, type NormalizeOutcome } from './adapters';
import type { RawEvent } from './types';

export interface NormalizeDeps {
  readonly sectors: ReadonlyMap<string, string>;
}

/**
 * Validates one raw event and maps it to a normalized tick, or says why it cannot be:
 * a frame the adapter could not parse, an unknown adapter, or a payload that fails its
 * adapter's schema. The reason goes with the original payload to the dead-letter stream.
 */
export function normalizeRaw(raw: RawEvent, deps: NormalizeDeps): NormalizeOutcome {
  if (raw.parseError !== undefined)
    return { ok: false, reason: `unparseable frame: ${raw.parseError}` };
  const adapter = findAdapter(raw.adapter);
  if (!adapter) return { ok: false, reason: `unknown adapter ${JSON.stringify(raw.adapter)}` };
  return adapter.normalize(raw.payload, {
    feed: raw.feed,
    sectors: deps.sectors,
    recvTs: raw.recvTs,
  });
}
