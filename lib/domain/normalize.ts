import { findAdapter, type NormalizeOutcome } from './adapters';
import { tickLimitIssue, type InputLimits } from './input-limits';
import { FEED_NAME_PATTERN } from './names';
import type { RawEvent } from './types';

export interface NormalizeDeps {
  readonly sectors: ReadonlyMap<string, string>;
  /** Bounds of prices, sizes and their digits (configuration's `NORMALIZE_*`). */
  readonly limits: InputLimits;
}

/**
 * Validates one raw event and maps it to a normalized tick, or says why it cannot be:
 * a frame the adapter could not parse, an unknown adapter, a payload that fails its
 * adapter's schema, or a tick outside the input limits. The reason goes with the original
 * payload to the dead-letter stream.
 */
export function normalizeRaw(raw: RawEvent, deps: NormalizeDeps): NormalizeOutcome {
  if (raw.parseError !== undefined)
    return { ok: false, reason: `unparseable frame: ${raw.parseError}` };
  // The feed name goes into de-duplication keys; the API checks it, a hand-started workflow may not.
  if (!FEED_NAME_PATTERN.test(raw.feed))
    return { ok: false, reason: `invalid feed name ${JSON.stringify(raw.feed.slice(0, 80))}` };
  const adapter = findAdapter(raw.adapter);
  if (!adapter) return { ok: false, reason: `unknown adapter ${JSON.stringify(raw.adapter)}` };
  const r = adapter.normalize(raw.payload, {
    feed: raw.feed,
    sectors: deps.sectors,
    recvTs: raw.recvTs,
  });
  if (!r.ok) return r;
  const issue = tickLimitIssue(r.tick, deps.limits);
  return issue === undefined ? r : { ok: false, reason: issue };
}
