import { anomalyThresholdsSchema as thresholds, sectorOverridesSchema } from '../domain/anomaly';
import { int, json, numberAs, section, setting } from './setting';

const { shape } = thresholds;

/** Anomaly detection: the default thresholds and their per-sector overrides (lib/domain/anomaly). */
export const anomaly = section('Anomaly detection', {
  window: setting(
    'ANOMALY_WINDOW',
    int(50, 5, 10_000),
    'values in each rolling window (log returns, log sizes); the same for every sector',
  ),
  zThreshold: setting(
    'ANOMALY_Z_THRESHOLD',
    numberAs(shape.zThreshold).default(4),
    "|z| of a trade's log return against the window that counts as a `return_zscore`",
  ),
  jumpPct: setting(
    'ANOMALY_JUMP_PCT',
    numberAs(shape.jumpPct.unwrap()).optional(),
    '|% move| from the previous trade that counts as a `price_jump`; unset: LULD-style tiers by the previous price, 5 % above $3, 10 % from $0.75 to $3, 20 % below $0.75',
  ),
  minSamples: setting(
    'ANOMALY_MIN_SAMPLES',
    numberAs(shape.minSamples).default(20),
    'returns needed in the window before return z-scores are trusted (at most `ANOMALY_WINDOW`)',
  ),
  volumeZThreshold: setting(
    'ANOMALY_VOLUME_Z_THRESHOLD',
    numberAs(shape.volumeZThreshold).default(4),
    "z of a trade's log size against the window that counts as a `volume_spike` (upper side only)",
  ),
  volumeMinSamples: setting(
    'ANOMALY_VOLUME_MIN_SAMPLES',
    numberAs(shape.volumeMinSamples).default(20),
    'sizes needed in the window before volume z-scores are trusted (at most `ANOMALY_WINDOW`)',
  ),
  staleMs: setting(
    'ANOMALY_STALE_MS',
    numberAs(shape.staleMs).default(60_000),
    'event-time silence after which a ticker is reported `stale` (once per silent episode); `0` = off',
  ),
  sectors: setting(
    'ANOMALY_SECTOR_OVERRIDES',
    json('{"Crypto":{"jumpPct":10,"zThreshold":5}}', sectorOverridesSchema),
    'per-sector thresholds over the ones above, `{"<sector>":{zThreshold, jumpPct, minSamples, volumeZThreshold, volumeMinSamples, staleMs}}` (each optional); the whole value replaces the default',
  ),
});
