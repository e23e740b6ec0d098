import { z } from 'zod';
import { anomaly } from './anomaly';
import { api } from './api';
import { archive } from './archive';
import { core } from './core';
import { graphql } from './graphql';
import { ingest } from './ingest';
import { normalize } from './normalize';
import { pipeline } from './pipeline';
import { processes } from './processes';
import { redis } from './redis';
import { settingsOf, type ConfigOf, type Section } from './setting';
import { simulator } from './simulator';
import { temporal } from './temporal';
import { tracing } from './tracing';
import { worker } from './worker';

/** The sections in the order of docs/configuration.md. */
export const SECTIONS: readonly Section[] = [
  core,
  redis,
  temporal,
  api,
  graphql,
  worker,
  simulator,
  ingest,
  normalize,
  pipeline,
  anomaly,
  archive,
  processes,
  tracing,
];

/** Every setting by its field path in `Config`: the core fields at the top, then a section each. */
export const SETTINGS = {
  ...core.settings,
  redis: redis.settings,
  temporal: temporal.settings,
  api: api.settings,
  graphql: graphql.settings,
  worker: worker.settings,
  simulator: simulator.settings,
  ingest: ingest.settings,
  normalize: normalize.settings,
  pipeline: pipeline.settings,
  anomaly: anomaly.settings,
  archive: archive.settings,
  processes: processes.settings,
  tracing: tracing.settings,
};

/** The typed configuration every process builds once at start-up and passes down. */
export type Config = ConfigOf<typeof SETTINGS>;

const all = SECTIONS.flatMap((s) => settingsOf(s.settings));
for (const [i, s] of all.entries()) {
  if (all.findIndex((o) => o.env === s.env) !== i) throw new Error(`${s.env} declared twice`);
}

/** Environment variable names, in declaration order. */
export const ENV_KEYS: readonly string[] = all.map((s) => s.env);

/** Keys whose values never appear in a ConfigError. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(
  all.filter((s) => s.secret).map((s) => s.env),
);

/** The whole environment as one zod object, by variable name. */
export const envSchema = z.object(Object.fromEntries(all.map((s) => [s.env, s.schema])));
