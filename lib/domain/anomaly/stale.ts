import type { Anomaly } from '../types';
import type { WindowState } from './state';
import { severityOf, thresholdsFor, type AnomalyParams } from './thresholds';

/**
 * Stale tickers of one feed at event time `now` (the stage passes the newest event time of the
 * feed in its batch, so a ticker counts as stale when its feed keeps flowing but it does not). A ticker is stale when
 * `now − newestTs > staleMs` for its sector (staleMs 0: never). Each silent episode is reported
 * once: the state is marked (`staleReported`, so write it back) until a newer tick of the ticker
 * arrives.
 *
 * Statistic: the silence in ms; threshold: staleMs; ts: `now`; price: the last event's price;
 * source: the last event's id. Severity by how far past the threshold at the time of reporting.
 */
export function detectStale(
  states: Iterable<readonly [string, WindowState]>,
  now: number,
  params: AnomalyParams,
  /** The feed these windows belong to (each window is one ticker of one feed). */
  feed = '',
): Anomaly[] {
  const found: Anomaly[] = [];
  for (const [ticker, s] of states) {
    if (s.staleReported) continue;
    const staleMs = thresholdsFor(params, s.sector).staleMs;
    const silence = now - s.newestTs;
    if (staleMs <= 0 || !(silence > staleMs)) continue;
    s.staleReported = true;
    found.push({
      type: 'stale',
      severity: severityOf(silence, staleMs),
      ticker,
      feed,
      price: s.newestPrice,
      statistic: silence,
      threshold: staleMs,
      ts: now,
      sourceIds: [s.newestId],
    });
  }
  return found;
}
