/**
 * Anomaly detection over the normalized tick stream, one ticker window at a time. Pure: no I/O,
 * no clock; the anomaly stage reads every window from the `anomaly:state` hash once per batch
 * ({@link parseState}), feeds the batch's ticks through {@link detect}, calls
 * {@link detectStale} once with the batch's newest event time, and writes the windows it
 * changed back ({@link encodeState}).
 *
 * Detectors:
 * - `price_jump`: |% move from the previous trade| ≥ the jump threshold (see {@link jumpThresholdFor}).
 * - `return_zscore`: |z| of the trade's log return against the rolling window of log returns.
 * - `volume_spike`: z of the trade's log size against the rolling window of log sizes (upper side).
 * - `crossed_quote`: bid > ask (crossed, `high`) or bid = ask (locked, `medium`), compared exactly.
 * - `stale`: a ticker silent for longer than `staleMs` of event time, once per silent episode.
 *
 * Rolling windows are judged before the new value joins them, so a spike cannot dilute its own
 * z-score. Statistics are rounded to 4 decimals and compared with the threshold as reported.
 *
 * Files: thresholds (per-sector thresholds, their schema, severity), rolling (the windows),
 * state (per-ticker state and its stored codec), detect (per-tick detectors), stale.
 */
export {
  anomalyThresholdsSchema,
  jumpThresholdFor,
  luldJumpPct,
  sectorOverridesSchema,
  severityOf,
  thresholdsFor,
  type AnomalyParams,
  type AnomalyThresholds,
  type SectorOverrides,
} from './thresholds';
export { rollingStats, type Rolling } from './rolling';
export { encodeState, parseState, upgradeState, type WindowState } from './state';
export { detect } from './detect';
export { detectStale } from './stale';
