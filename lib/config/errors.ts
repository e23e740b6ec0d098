/** One bad key: its name (or a path inside its JSON value), the value as given, and why. */
export interface ConfigIssue {
  readonly key: string;
  readonly value: string | undefined;
  readonly message: string;
  /** Set when `value` is hidden (a secret key): it then reads `[redacted]`. */
  readonly redacted?: true;
}

/** Thrown for an invalid environment; its message names every bad key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    message: string,
    /** The bad keys, secret values already `[redacted]`. */
    readonly issues: readonly ConfigIssue[] = [],
  ) {
    super(message);
  }
}

const REDACTED = '[redacted]';

/**
 * The one formatter of configuration errors: `invalid configuration:` and a line per issue,
 * `  KEY="value": message`, the value of a secret key (or of a path inside it) `[redacted]`.
 */
export function configError(
  issues: readonly ConfigIssue[],
  secretKeys: ReadonlySet<string>,
): ConfigError {
  const shown = issues.map((i): ConfigIssue =>
    secretKeys.has(i.key.split('.')[0]!) ? { ...i, value: REDACTED, redacted: true } : i,
  );
  const lines = shown.map((i) => `  ${issueText(i)}`);
  return new ConfigError(`invalid configuration:\n${lines.join('\n')}`, shown);
}

/** `KEY="value": message`, or `KEY=[redacted]: message`. */
function issueText({ key, value, message, redacted }: ConfigIssue): string {
  return `${key}=${redacted ? REDACTED : JSON.stringify(value ?? '')}: ${message}`;
}

/** Where {@link reportStartupError} writes for a person: a stream that may be a terminal. */
export interface TerminalStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** The part of a pino logger {@link reportStartupError} uses. */
export interface FatalLogger {
  fatal(fields: object, message: string): void;
}

/**
 * Reports why a process could not start. A ConfigError on a terminal (`stream` a TTY) is
 * printed as the list of bad keys, one per line, with where the keys are described; anywhere
 * else (a log collector) it is one JSON log line with the issues as fields, without a stack
 * (the keys say everything). Other errors are logged with their stack, as before.
 */
export function reportStartupError(
  err: unknown,
  what: string,
  logger: FatalLogger,
  stream: TerminalStream = process.stderr,
): void {
  if (!(err instanceof ConfigError)) {
    logger.fatal({ err }, what);
    return;
  }
  if (stream.isTTY) {
    const lines = err.issues.map((i) => `  - ${issueText(i)}`);
    stream.write(
      `${what}: invalid configuration\n${lines.join('\n')}\n` +
        'Every variable, its default and meaning: docs/configuration.md\n',
    );
    return;
  }
  logger.fatal({ issues: err.issues }, `${what}: invalid configuration`);
}
