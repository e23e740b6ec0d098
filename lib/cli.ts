import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Command-line manners shared by every fin-line command: `--help` (or `-h`) prints the usage
 * on stdout and exits 0; a usage error prints the problem and the usage on stderr and exits 2;
 * any other failure prints its message on stderr and exits 1. Results go to stdout (as JSON
 * with `--json` where a script would read them), progress and notes to stderr.
 */

/** A mistake in the command line: exit 2 with the usage. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs yields for `O`, plus `help`. */
export type ParsedCli<O extends Options> = ReturnType<
  typeof parseArgs<{
    options: O & { help: { type: 'boolean' } };
    allowPositionals: true;
    strict: true;
  }>
>;

export interface CliSpec<O extends Options> {
  /** The command's name in messages (`archive: ...`). */
  readonly name: string;
  /** The usage text, first line `usage: ...`. */
  readonly usage: string;
  readonly options?: O;
  /** Whether the command takes positional arguments (else one is a usage error). */
  readonly positionals?: boolean;
  run(args: ParsedCli<O>): Promise<void> | void;
  /** The message for a failure (default: its message). */
  describeError?(err: unknown): string;
}

function isParseError(err: unknown): boolean {
  return (
    err instanceof TypeError &&
    'code' in err &&
    typeof err.code === 'string' &&
    err.code.startsWith('ERR_PARSE_ARGS')
  );
}

/** Parses `argv` for a spec; `--help` is answered here. Throws UsageError on a bad line. */
export function parseCli<O extends Options>(
  spec: Pick<CliSpec<O>, 'options' | 'positionals'>,
  argv: readonly string[],
): ParsedCli<O> | 'help' {
  let parsed: ParsedCli<O>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } } as unknown as O & {
        help: { type: 'boolean' };
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    if (isParseError(err)) throw new UsageError((err as Error).message);
    throw err;
  }
  if ((parsed.values as { help?: boolean }).help) return 'help';
  if (!spec.positionals && parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
  }
  return parsed;
}

/** Runs a command with these manners and exits the process with its code. */
export function runCli<O extends Options>(
  spec: CliSpec<O>,
  argv: readonly string[] = process.argv.slice(2),
): void {
  const usage = spec.usage.endsWith('\n') ? spec.usage : `${spec.usage}\n`;
  const fail = (err: unknown): never => {
    if (err instanceof UsageError) {
      if (err.message) process.stderr.write(`${spec.name}: ${err.message}\n`);
      process.stderr.write(usage);
      process.exit(2);
    }
    const message = spec.describeError
      ? spec.describeError(err)
      : err instanceof Error
        ? err.message
        : String(err);
    process.stderr.write(`${spec.name}: ${message}\n`);
    process.exit(1);
  };
  let parsed: ParsedCli<O> | 'help';
  try {
    parsed = parseCli(spec, argv);
  } catch (err) {
    return fail(err);
  }
  if (parsed === 'help') {
    process.stdout.write(usage);
    process.exit(0);
  }
  Promise.resolve()
    .then(() => spec.run(parsed))
    .then(
      () => process.exit(0),
      (err: unknown) => fail(err),
    );
}

/**
 * For long-running entry points (worker, API, simulator, npm start) that take no arguments:
 * answers `--help` (usage on stdout, exit 0) and refuses any other argument (exit 2), so a
 * typo is not silently ignored. Returns when there is nothing to answer.
 */
export function answerHelp(name: string, usage: string, argv = process.argv.slice(2)): void {
  runCliSync(name, usage, argv);
}

function runCliSync(name: string, usage: string, argv: readonly string[]): void {
  const text = usage.endsWith('\n') ? usage : `${usage}\n`;
  try {
    if (parseCli({}, argv) !== 'help') return;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${name}: ${err.message}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

/** Whether progress bars may draw: only on a terminal, never into a log or a pipe. */
export function progressAllowed(stream: NodeJS.WriteStream = process.stderr): boolean {
  return stream.isTTY === true;
}
