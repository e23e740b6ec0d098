import Redis, { type RedisOptions } from 'ioredis';
import { scriptDefinitions, type ScriptName } from './scripts';

/** ioredis's options, with fin-line's scripts asked for by name. */
export type CreateRedisOptions = Omit<RedisOptions, 'scripts'> & {
  /**
   * The Lua scripts this connection calls (e.g. API_SCRIPTS, WORKER_SCRIPTS). None by
   * default: subscribers, readers and CLIs call none, and a role registers only its own.
   */
  readonly scripts?: readonly ScriptName[];
};

/** Opens a connection with the named scripts defined. */
export function createRedis(url: string, options: CreateRedisOptions = {}): Redis {
  const { scripts = [], ...rest } = options;
  return new Redis(url, {
    maxRetriesPerRequest: 20,
    enableAutoPipelining: false,
    ...rest,
    ...(scripts.length > 0 && { scripts: scriptDefinitions(scripts) }),
  });
}

export type { Redis };
