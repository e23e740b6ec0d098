/** Thrown for an invalid environment; its message names every bad key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** One bad key: its name (or a path inside its JSON value), the value as given, and why. */
export interface ConfigIssue {
  readonly key: string;
  readonly value: string | undefined;
  readonly message: string;
}

/**
 * The one formatter of configuration errors: `invalid configuration:` and a line per issue,
 * `  KEY="value": message`, the value of a secret key (or of a path inside it) `[redacted]`.
 */
export function configError(
  issues: readonly ConfigIssue[],
  secretKeys: ReadonlySet<string>,
): ConfigError {
  const lines = issues.map(({ key, value, message }) => {
    const secret = secretKeys.has(key.split('.')[0]!);
    return `  ${key}=${secret ? '[redacted]' : JSON.stringify(value ?? '')}: ${message}`;
  });
  return new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}
