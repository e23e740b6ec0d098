import { z } from 'zod';
import type { AnomalyParams } from '../domain/anomaly';
import { anomaly } from './anomaly';
import { anomalyIssues } from './checks';
import { configError, type ConfigIssue } from './errors';
import { build, settingsOf } from './setting';
import type { Config } from './schema';

/**
 * Anomaly settings outside the environment: a backtest's two sides are the ANOMALY_* keys as
 * text (what `--set KEY=VALUE` gives), parsed and checked by the same declarations and the
 * same rule between keys as the worker's own configuration.
 */

/** Anomaly settings as environment text, by variable name (ANOMALY_*). */
export type AnomalySettingsText = Readonly<Record<string, string>>;

const declared = settingsOf(anomaly.settings);

/** The ANOMALY_* variable names, in declaration order. */
export const ANOMALY_KEYS: readonly string[] = declared.map((s) => s.env);

const schema = z.object(Object.fromEntries(declared.map((s) => [s.env, s.schema])));

/**
 * Parses anomaly settings given as text. Empty values count as unset (the key's default), as
 * in the environment; a key that is not an ANOMALY_* key is an error. Throws a ConfigError
 * naming every bad key.
 */
export function parseAnomalySettings(text: AnomalySettingsText): AnomalyParams {
  const cleaned: Record<string, string> = {};
  const unknown: ConfigIssue[] = [];
  for (const [key, value] of Object.entries(text)) {
    if (!ANOMALY_KEYS.includes(key)) {
      unknown.push({ key, value, message: `not an anomaly setting (${ANOMALY_KEYS.join(', ')})` });
    } else if (value.trim() !== '') cleaned[key] = value.trim();
  }
  if (unknown.length > 0) throw configError(unknown, new Set());
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      return { key, value: cleaned[key], message: i.message };
    });
    throw configError(issues, new Set());
  }
  const params = build(anomaly.settings, parsed.data) as Config['anomaly'];
  const issues = anomalyIssues(params);
  if (issues.length > 0) throw configError(issues, new Set());
  return params;
}

/**
 * A parsed anomaly configuration as environment text: every key, in declaration order (an
 * unset ANOMALY_JUMP_PCT as ''), so that parsing it gives the same settings back.
 */
export function anomalySettingsText(a: Config['anomaly']): Record<string, string> {
  const s = anomaly.settings;
  return {
    [s.window.env]: String(a.window),
    [s.zThreshold.env]: String(a.zThreshold),
    [s.jumpPct.env]: a.jumpPct === undefined ? '' : String(a.jumpPct),
    [s.minSamples.env]: String(a.minSamples),
    [s.volumeZThreshold.env]: String(a.volumeZThreshold),
    [s.volumeMinSamples.env]: String(a.volumeMinSamples),
    [s.staleMs.env]: String(a.staleMs),
    [s.sectors.env]: JSON.stringify(a.sectors),
  };
}

/**
 * `KEY=VALUE` assignments (a CLI's `--set`) over base settings text; throws a ConfigError for an
 * assignment without `=`.
 */
export function withAssignments(
  base: AnomalySettingsText,
  assignments: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = { ...base };
  const bad: ConfigIssue[] = [];
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) bad.push({ key: a, value: undefined, message: 'expected KEY=VALUE' });
    else out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  if (bad.length > 0) throw configError(bad, new Set());
  return out;
}
