import { anomaly } from './anomaly';
import { api } from './api';
import type { ConfigIssue } from './errors';
import { ingest } from './ingest';
import type { Config } from './schema';

/** Rules between keys, run once every key is valid on its own. */
export function crossKeyIssues(c: Config): ConfigIssue[] {
  return [...ingestIssues(c), ...anomalyIssues(c.anomaly), ...apiIssues(c)];
}

/** A number as it would have been written in the environment. */
const shown = (n: number) => String(n);

// Unconsumed entries past MAXLEN would be trimmed away: backpressure must start well before.
function ingestIssues(c: Config): ConfigIssue[] {
  const { maxLag, maxLen } = ingest.settings;
  if (c.ingest.maxLag < c.ingest.maxLen) return [];
  return [
    {
      key: maxLag.env,
      value: shown(c.ingest.maxLag),
      message: `must be below ${maxLen.env} (${c.ingest.maxLen})`,
    },
  ];
}

/**
 * The anomaly keys' rule between keys (also run on a backtest's settings): a window holds at
 * most ANOMALY_WINDOW values, so more samples than that would never be met.
 */
export function anomalyIssues(a: Config['anomaly']): ConfigIssue[] {
  const { window, minSamples, volumeMinSamples, sectors } = anomaly.settings;
  const samples: [string, number | undefined][] = [
    [minSamples.env, a.minSamples],
    [volumeMinSamples.env, a.volumeMinSamples],
  ];
  for (const [sector, o] of Object.entries(a.sectors)) {
    samples.push([`${sectors.env}.${sector}.minSamples`, o.minSamples]);
    samples.push([`${sectors.env}.${sector}.volumeMinSamples`, o.volumeMinSamples]);
  }
  return samples
    .filter(([, n]) => n !== undefined && n > a.window)
    .map(([key, n]) => ({
      key,
      value: shown(n!),
      message: `must not exceed ${window.env} (${a.window})`,
    }));
}

// API keys alone are a valid setup, so no JWT is required.
function apiIssues(c: Config): ConfigIssue[] {
  const { jwt } = api.settings.auth;
  const { burst, mutationCost } = api.settings.rateLimit;
  const { auth, rateLimit } = c.api;
  const issues: ConfigIssue[] = [];
  const hasJwt = auth.jwt.secret !== undefined || auth.jwt.jwksUrl !== undefined;
  for (const field of ['issuer', 'audience'] as const) {
    const value = auth.jwt[field];
    if (value !== undefined && !hasJwt) {
      issues.push({
        key: jwt[field].env,
        value,
        message: `needs ${jwt.secret.env} or ${jwt.jwksUrl.env}`,
      });
    }
  }
  // Keys fetched over plain HTTP could be swapped in transit; loopback is fine (tests, sidecars).
  if (c.env === 'production' && auth.jwt.jwksUrl !== undefined) {
    const url = new URL(auth.jwt.jwksUrl);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !loopback) {
      issues.push({
        key: jwt.jwksUrl.env,
        value: auth.jwt.jwksUrl,
        message: 'must be https in production',
      });
    }
  }
  // A request costing more than the burst would be refused forever.
  if (rateLimit.perSecond > 0 && rateLimit.mutationCost > rateLimit.burst) {
    issues.push({
      key: mutationCost.env,
      value: shown(rateLimit.mutationCost),
      message: `must not exceed ${burst.env} (${rateLimit.burst})`,
    });
  }
  return issues;
}
