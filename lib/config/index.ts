/**
 * The one place that reads the environment. Every process calls {@link loadConfig} once at
 * start-up and passes the typed result down; a bad value stops start-up with the key's name.
 *
 * Each key is declared once, in the file of its section (core, redis, temporal, api, graphql,
 * worker, simulator, ingest, normalize, pipeline, anomaly, archive, processes): its variable
 * name, zod schema and meaning. `Config` is derived from those declarations, and
 * docs/configuration.md is generated from them (`npm run docs:config`).
 */
export { loadConfig, type Env } from './load';
export { ConfigError, reportStartupError, type ConfigIssue } from './errors';
export type { Config } from './schema';
export {
  ANOMALY_KEYS,
  anomalySettingsText,
  parseAnomalySettings,
  withAssignments,
  type AnomalySettingsText,
} from './anomaly-settings';
