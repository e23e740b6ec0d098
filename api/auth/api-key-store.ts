import { timingSafeEqual } from 'node:crypto';
import type { Keys, Redis } from '../../lib/redis';
import { unauthenticated } from './errors';
import { generateApiKey, hashSecret, isApiKeyId, parseApiKey } from './api-key-format';
import { isRole, type Principal, type Role } from './principal';

/** What {@link ApiKeyStore.listApiKeys} shows of a key: never the secret nor its hash. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** ISO-8601. */
  readonly createdAt: string;
  /** ISO-8601; refreshed at most once per cache period per API process. */
  readonly lastUsedAt?: string;
  /** ISO-8601; a revoked key stays listed. */
  readonly revokedAt?: string;
}

export interface ApiKeyStore {
  /** Creates a key; `key` is the plaintext, returned this once and never stored. */
  createApiKey(input: { name: string; role: Role }): Promise<{ key: string; info: ApiKeyInfo }>;
  /** Every key, oldest first. */
  listApiKeys(): Promise<ApiKeyInfo[]>;
  /** Marks a key revoked (again: no change). Throws {@link ApiKeyNotFoundError}. */
  revokeApiKey(id: string): Promise<ApiKeyInfo>;
  /** The principal of a valid key; UNAUTHENTICATED "unknown key" / "key revoked" otherwise. */
  verifyApiKey(plaintext: string): Promise<Principal>;
}

export interface ApiKeyStoreOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  /**
   * How long a key's record is reused without reading Redis; a revocation elsewhere takes
   * effect after at most this long (at once in this process). 0 reads Redis every time.
   * @defaultValue 1000
   */
  readonly cacheMs?: number;
  /** @defaultValue 10000 */
  readonly cacheMaxEntries?: number;
  /** Called when refreshing `last_used_at` fails; that write is best effort. */
  readonly onTouchError?: (err: unknown) => void;
}

export class ApiKeyNotFoundError extends Error {
  override readonly name = 'ApiKeyNotFoundError';
  constructor(readonly id: string) {
    super(`no API key with id ${JSON.stringify(id)}`);
  }
}

const NAME = /^[\w.@:-]{1,64}$/;

interface KeyRecord {
  readonly info: ApiKeyInfo;
  readonly hash: Buffer;
}

/** API keys as one Redis hash each plus an index set (see lib/redis/keys.ts). */
export function createApiKeyStore(opts: ApiKeyStoreOptions): ApiKeyStore {
  const { redis, keys } = opts;
  const cacheMs = opts.cacheMs ?? 1000;
  const maxEntries = opts.cacheMaxEntries ?? 10_000;
  // By id: a promise, so concurrent requests with the same key share one read (negative
  // results too, so a flood of unknown keys costs one read per id per period).
  const cache = new Map<string, { expires: number; record: Promise<KeyRecord | undefined> }>();

  const load = async (id: string): Promise<KeyRecord | undefined> =>
    toRecord(await redis.hgetall(keys.apiKey(id)));

  const cached = (id: string): Promise<KeyRecord | undefined> => {
    if (cacheMs <= 0) return load(id);
    const now = Date.now();
    const hit = cache.get(id);
    if (hit && hit.expires > now) return hit.record;
    if (!hit && cache.size >= maxEntries) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    const record = load(id).then((r) => {
      if (r && !r.info.revokedAt) touch(id);
      return r;
    });
    // A failed read is not remembered: the next request tries again.
    record.catch(() => cache.delete(id));
    cache.set(id, { expires: now + cacheMs, record });
    return record;
  };

  const touch = (id: string): void => {
    redis.hset(keys.apiKey(id), 'last_used_at', new Date().toISOString()).catch((err: unknown) => {
      opts.onTouchError?.(err);
    });
  };

  return {
    async createApiKey({ name, role }) {
      if (!NAME.test(name)) {
        throw new Error('name must be 1-64 characters of letters, digits and _ . @ : -');
      }
      if (!isRole(role))
        throw new Error(`role must be viewer, operator or admin, not ${String(role)}`);
      for (;;) {
        const key = generateApiKey();
        const hashKey = keys.apiKey(key.id);
        // HSETNX claims the id: two creators drawing the same id cannot overwrite each other.
        if ((await redis.hsetnx(hashKey, 'id', key.id)) === 0) continue;
        const info: ApiKeyInfo = { id: key.id, name, role, createdAt: new Date().toISOString() };
        // Two keys in two slots of a Redis Cluster, so two writes: indexed first, then made
        // complete. A create cut in between leaves an incomplete hash, which no list shows and
        // no request accepts, and the key was never handed out.
        await redis.sadd(keys.apiKeys, key.id);
        await redis.hset(hashKey, {
          name,
          role,
          hash: hashSecret(key.secret).toString('hex'),
          created_at: info.createdAt,
        });
        return { key: key.plaintext, info };
      }
    },

    async listApiKeys() {
      const ids = await redis.smembers(keys.apiKeys);
      if (ids.length === 0) return [];
      // One read per key, all sent at once: each hash is in its own slot of a Redis Cluster.
      const hashes = await Promise.all(ids.map((id) => redis.hgetall(keys.apiKey(id))));
      const infos: ApiKeyInfo[] = [];
      for (const fields of hashes) {
        const record = toRecord(fields);
        if (record) infos.push(record.info);
      }
      return infos.sort(
        (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
      );
    },

    async revokeApiKey(id) {
      if (!isApiKeyId(id) || (await redis.hexists(keys.apiKey(id), 'hash')) === 0) {
        throw new ApiKeyNotFoundError(id);
      }
      await redis.hsetnx(keys.apiKey(id), 'revoked_at', new Date().toISOString());
      cache.delete(id);
      const record = await load(id);
      if (!record) throw new ApiKeyNotFoundError(id);
      return record.info;
    },

    async verifyApiKey(plaintext) {
      const parsed = parseApiKey(plaintext);
      if (!parsed) throw unauthenticated('malformed', 'malformed API key');
      const record = await cached(parsed.id);
      if (!record) throw unauthenticated('unknown_key', 'unknown key');
      // Compared before the revocation check, so "key revoked" needs the right secret.
      if (!timingSafeEqual(hashSecret(parsed.secret), record.hash)) {
        throw unauthenticated('unknown_key', 'unknown key');
      }
      if (record.info.revokedAt) throw unauthenticated('revoked', 'key revoked');
      return {
        subject: `api-key:${record.info.name}`,
        role: record.info.role,
        via: 'api-key',
        keyId: record.info.id,
      };
    },
  };
}

/** A stored hash as a record; undefined when absent or incomplete (a create in progress). */
function toRecord(fields: Record<string, string>): KeyRecord | undefined {
  const { id, name, role, hash, created_at, last_used_at, revoked_at } = fields;
  if (!id || !name || !isRole(role) || !hash || hash.length !== 64 || !created_at) return undefined;
  return {
    hash: Buffer.from(hash, 'hex'),
    info: {
      id,
      name,
      role,
      createdAt: created_at,
      ...(last_used_at && { lastUsedAt: last_used_at }),
      ...(revoked_at && { revokedAt: revoked_at }),
    },
  };
}
