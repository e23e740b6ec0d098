import { z } from 'zod';
import type { Severity } from '../types';

/**
 * The thresholds that may differ per sector, with their bounds: the one definition behind
 * {@link AnomalyThresholds}, the per-sector overrides of {@link AnomalyParams} and the
 * configuration's ANOMALY_* keys and ANOMALY_SECTOR_OVERRIDES.
 */
export const anomalyThresholdsSchema = z.strictObject({
  /** |z| of a trade's log return against the window that counts as an anomaly. */
  zThreshold: z.number().min(0.1),
  /**
   * |% move| from the previous trade that counts as a jump. Unset: the LULD-style price tiers
   * of {@link luldJumpPct}, by the previous trade's price.
   */
  jumpPct: z.number().min(0.01).optional(),
  /** Returns needed in the window before return z-scores are trusted. */
  minSamples: z.number().int().min(2),
  /** z of a trade's log size against the window of log sizes that counts as a volume spike. */
  volumeZThreshold: z.number().min(0.1),
  /** Sizes needed in the window before volume z-scores are trusted. */
  volumeMinSamples: z.number().int().min(2),
  /** Event-time silence (ms) after which a ticker is stale; 0 turns stale detection off. */
  staleMs: z.number().int().min(0),
});

/** Thresholds that may differ per sector. */
export type AnomalyThresholds = Readonly<z.infer<typeof anomalyThresholdsSchema>>;

/** Overrides by sector name (`{"<sector>": {zThreshold?, jumpPct?, ...}}`): each field optional. */
export const sectorOverridesSchema = z.record(z.string().min(1), anomalyThresholdsSchema.partial());

/** Per-sector overrides of {@link AnomalyThresholds}, by sector name. */
export type SectorOverrides = Readonly<Record<string, Partial<AnomalyThresholds>>>;

/**
 * Detection parameters: defaults for every sector plus optional per-sector overrides.
 *
 * How a sector's thresholds are found: each field of `sectors[tick.sector]` that is set wins;
 * the rest come from the defaults. For the jump threshold that means: the sector's `jumpPct`,
 * else the global `jumpPct` (ANOMALY_JUMP_PCT), else the LULD tiers ({@link luldJumpPct}). So with
 * no jump threshold configured, equities get the tiers, and a looser sector such as crypto gets
 * its own flat `jumpPct` through its override (the default ANOMALY_SECTOR_OVERRIDES does that).
 */
export interface AnomalyParams extends AnomalyThresholds {
  /** Values (returns, sizes) in each rolling window; the same for every sector. */
  readonly window: number;
  /** Overrides by sector name, as in normalized ticks (e.g. "Crypto"). */
  readonly sectors?: SectorOverrides | undefined;
}

/** Maps how far a statistic is past its threshold to a severity. */
export function severityOf(statistic: number, threshold: number): Severity {
  const ratio = Math.abs(statistic) / threshold;
  if (ratio >= 3) return 'critical';
  if (ratio >= 2) return 'high';
  if (ratio >= 1.5) return 'medium';
  return 'low';
}

/**
 * Default jump threshold in %, by reference (previous trade) price, modelled on the US
 * Limit Up-Limit Down bands: 5% above $3.00, 10% from $0.75 to $3.00, 20% below $0.75.
 * (Real LULD uses a 5-minute average reference and other bands for small prices; this is the
 * simplified per-trade form.)
 */
export function luldJumpPct(reference: number): number {
  if (reference > 3) return 5;
  if (reference >= 0.75) return 10;
  return 20;
}

/** The jump threshold (%) for a trade after one at `reference`, given the resolved thresholds. */
export function jumpThresholdFor(t: AnomalyThresholds, reference: number): number {
  return t.jumpPct ?? luldJumpPct(reference);
}

interface Compiled {
  readonly base: AnomalyThresholds;
  readonly bySector: ReadonlyMap<string, AnomalyThresholds>;
}

// Resolved once per params object, so a tick costs two map look-ups and no allocation.
const compiledParams = new WeakMap<AnomalyParams, Compiled>();

function compile(params: AnomalyParams): Compiled {
  let c = compiledParams.get(params);
  if (c) return c;
  const base: AnomalyThresholds = {
    zThreshold: params.zThreshold,
    jumpPct: params.jumpPct,
    minSamples: params.minSamples,
    volumeZThreshold: params.volumeZThreshold,
    volumeMinSamples: params.volumeMinSamples,
    staleMs: params.staleMs,
  };
  const bySector = new Map<string, AnomalyThresholds>();
  for (const [sector, o] of Object.entries(params.sectors ?? {})) {
    bySector.set(sector, {
      zThreshold: o.zThreshold ?? base.zThreshold,
      jumpPct: o.jumpPct ?? base.jumpPct,
      minSamples: o.minSamples ?? base.minSamples,
      volumeZThreshold: o.volumeZThreshold ?? base.volumeZThreshold,
      volumeMinSamples: o.volumeMinSamples ?? base.volumeMinSamples,
      staleMs: o.staleMs ?? base.staleMs,
    });
  }
  c = { base, bySector };
  compiledParams.set(params, c);
  return c;
}

/** The thresholds that apply to a sector: its overrides over the defaults. */
export function thresholdsFor(params: AnomalyParams, sector: string): AnomalyThresholds {
  const c = compile(params);
  return c.bySector.get(sector) ?? c.base;
}
