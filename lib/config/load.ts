import { configError } from './errors';
import { crossKeyIssues } from './checks';
import { build } from './setting';
import { ENV_KEYS, envSchema, SECRET_KEYS, SETTINGS, type Config } from './schema';

/** An environment: variable name to value. */
export type Env = Record<string, string | undefined>;

/**
 * Parses and validates the environment once. Empty strings count as unset. Throws a
 * ConfigError naming every bad key: first those invalid on their own, else the rules between
 * keys that fail.
 */
export function loadConfig(env: Env = process.env): Config {
  const cleaned: Env = {};
  for (const key of ENV_KEYS) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') cleaned[key] = v.trim();
  }
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const key = i.path.join('.');
      return { key, value: cleaned[key], message: i.message };
    });
    throw configError(issues, SECRET_KEYS);
  }
  const config = build(SETTINGS, parsed.data) as Config;
  const issues = crossKeyIssues(config);
  if (issues.length > 0) throw configError(issues, SECRET_KEYS);
  return config;
}
