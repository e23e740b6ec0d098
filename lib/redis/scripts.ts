import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisOptions, Result } from 'ioredis';

/**
 * fin-line's Lua scripts, one table for all of them (bullmq's `commands/` + script loader):
 * each role asks for the scripts it calls ({@link API_SCRIPTS}, {@link WORKER_SCRIPTS}) and
 * ioredis defines them on its connection (EVALSHA, EVAL on NOSCRIPT).
 */
const SCRIPTS = {
  /** numberOfKeys undefined: the caller passes the key count first (variable key lists). */
  commitBatch: { file: 'commit-batch.lua', numberOfKeys: undefined },
  appendRaw: { file: 'append-raw.lua', numberOfKeys: 1 },
  rateLimit: { file: 'rate-limit.lua', numberOfKeys: 1 },
} as const;

/** The name of one of fin-line's Lua scripts, as it appears on a connection (`redis.rateLimit`). */
export type ScriptName = keyof typeof SCRIPTS;

/** Every script, for a connection that stands in for any role (tests). */
export const ALL_SCRIPTS: readonly ScriptName[] = Object.keys(SCRIPTS) as ScriptName[];
/** The API's scripts: the per-client rate limit. */
export const API_SCRIPTS = ['rateLimit'] as const satisfies readonly ScriptName[];
/** The worker's scripts: a batch's commit and the feed's raw append. */
export const WORKER_SCRIPTS = ['commitBatch', 'appendRaw'] as const satisfies readonly ScriptName[];

// Typed here, defined only on connections that ask for them (see createRedis's `scripts`):
// calling one on another connection fails at once (see requireScripts).
declare module 'ioredis' {
  interface RedisCommander<Context> {
    /**
     * See scripts/commit-batch.lua: the key count, then keys and argv in one array (ioredis
     * flattens it; a spread of 100k arguments would overflow the call stack).
     */
    commitBatch(
      numKeys: number,
      args: (string | number)[],
    ): Result<[number, number, number, number, number], Context>;
    /** See scripts/append-raw.lua; build `events` with codec.ts's encodeRawBatch. */
    appendRaw(
      stream: string,
      maxLen: number,
      feed: string,
      adapter: string,
      events: string,
    ): Result<number, Context>;
    /** See scripts/rate-limit.lua (GCRA): [allowed 1|0, retryAfterMs, remaining]. */
    rateLimit(
      key: string,
      intervalUs: number,
      burst: number,
      cost: number,
    ): Result<[number, number, number], Context>;
  }
}

const scriptText = new Map<string, string>();
function loadScript(file: string): string {
  let text = scriptText.get(file);
  if (text === undefined) {
    text = readFileSync(join(__dirname, 'scripts', file), 'utf8');
    scriptText.set(file, text);
  }
  return text;
}

/**
 * The named scripts as ioredis's `scripts` option: a connection built with it (and its
 * `duplicate()`s) defines each as a command.
 */
export function scriptDefinitions(
  names: readonly ScriptName[],
): NonNullable<RedisOptions['scripts']> {
  const out: NonNullable<RedisOptions['scripts']> = {};
  for (const name of names) {
    const def = SCRIPTS[name];
    out[name] = { lua: loadScript(def.file), numberOfKeys: def.numberOfKeys };
  }
  return out;
}

/**
 * Throws unless `redis` has every named script defined. For code that would otherwise only
 * find out at the first call (the rate limiter fails open: a missing script would silently
 * turn limiting off).
 */
export function requireScripts(redis: object, names: readonly ScriptName[], who: string): void {
  const missing = names.filter((n) => typeof (redis as Record<string, unknown>)[n] !== 'function');
  if (missing.length > 0) {
    throw new Error(
      `${who} needs the Redis script(s) ${missing.join(', ')}: open the connection with createRedis(url, { scripts: [...] })`,
    );
  }
}
