import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis, { type RedisOptions, type Result } from 'ioredis';

/** Lua scripts, registered once per connection with defineCommand (the bullmq way). */
const SCRIPTS = {
  commitBatch: { file: 'commit-batch.lua', numberOfKeys: undefined },
  appendRaw: { file: 'append-raw.lua', numberOfKeys: 1 },
  rateLimit: { file: 'rate-limit.lua', numberOfKeys: 1 },
} as const;

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

/** Opens a connection with fin-line's scripts defined. */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 20,
    enableAutoPipelining: false,
    ...options,
  });
  for (const [name, def] of Object.entries(SCRIPTS)) {
    // numberOfKeys undefined: the caller passes the key count first (variable key lists).
    redis.defineCommand(name, { lua: loadScript(def.file), numberOfKeys: def.numberOfKeys });
  }
  return redis;
}

export type { Redis };
