import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { z } from 'zod';
import { operationHash, type PersistedOperation } from '../console/operations';
import { ERROR_CODES, userError } from '../errors';

/** What {@link createPersistedOperations} needs (the `GRAPHQL_PERSISTED_*` settings). */
export interface PersistedOperationsOptions {
  /** `apq`: any document plus automatic persisted queries; `allowlist`: listed documents only. */
  readonly mode: 'apq' | 'allowlist';
  /** Listed operations (the console's): the allow-list, and always known to APQ. */
  readonly operations: readonly PersistedOperation[];
  /** A JSON file of hash → document added to the list. */
  readonly file?: string;
  /** How many documents APQ remembers. */
  readonly apqCacheSize: number;
}

/** Persisted operations for both transports. */
export interface PersistedOperations {
  /** Yoga plugins for HTTP and SSE (they run on the request's params). */
  readonly plugins: Plugin[];
  /**
   * The document a graphql-ws subscribe payload stands for (`query` may be empty when the
   * payload names a persisted hash), or the error that refuses it.
   */
  resolve(query: string, extensions: unknown): string | GraphQLError;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const manifestSchema = z.record(z.string().regex(HEX_SHA256), z.string().min(1));

/** The hash an APQ request names (`extensions.persistedQuery`, version 1), if any. */
function requestedHash(extensions: unknown): string | undefined {
  const pq = (extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | null)
    ?.persistedQuery;
  return pq && pq.version === 1 && typeof pq.sha256Hash === 'string' ? pq.sha256Hash : undefined;
}

/** A Map kept to its most recently used `max` entries. */
class Lru {
  private readonly map = new Map<string, string>();
  constructor(private readonly max: number) {}
  get(key: string): string | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: string): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

const mismatch = () =>
  userError(ERROR_CODES.PERSISTED_QUERY_HASH_MISMATCH, 'provided sha does not match query');
const notInList = () =>
  userError(
    ERROR_CODES.PERSISTED_QUERY_NOT_IN_LIST,
    'Only persisted operations are accepted (GRAPHQL_PERSISTED_OPERATIONS=allowlist)',
  );
// Apollo's clients look for this exact message to send the document along.
const NOT_FOUND = {
  message: 'PersistedQueryNotFound',
  extensions: { code: ERROR_CODES.PERSISTED_QUERY_NOT_FOUND },
};

/**
 * Persisted operations through `@graphql-yoga/plugin-persisted-operations`, which resolves a
 * hash-only request to its document. In `apq` mode a document sent with its hash is checked
 * and remembered (bounded LRU per process; a client whose hash is forgotten gets
 * `PersistedQueryNotFound` and sends the document again), and any document is still accepted.
 * In `allowlist` mode only listed documents run, named by hash or sent as their exact text.
 */
export function createPersistedOperations(opts: PersistedOperationsOptions): PersistedOperations {
  const listed = new Map(opts.operations.map((o) => [o.hash, o.query]));
  if (opts.file) {
    const parsed = manifestSchema.parse(JSON.parse(readFileSync(opts.file, 'utf8')));
    for (const [hash, query] of Object.entries(parsed)) {
      if (operationHash(query) !== hash) {
        throw new Error(`${opts.file}: ${hash} is not the SHA-256 of its document`);
      }
      listed.set(hash, query);
    }
  }
  const apq = new Lru(opts.apqCacheSize);
  const allowlist = opts.mode === 'allowlist';
  const lookup = (hash: string) => listed.get(hash) ?? (allowlist ? undefined : apq.get(hash));

  /** Checks a document sent as text (with or without its hash); an error refuses it. */
  function admitText(query: string, hash: string | undefined): GraphQLError | undefined {
    const actual = hash !== undefined || allowlist ? operationHash(query) : undefined;
    if (hash !== undefined && actual !== hash) return mismatch();
    if (allowlist) return listed.has(actual!) ? undefined : notInList();
    if (hash !== undefined) apq.set(hash, query);
    return undefined;
  }

  const register: Plugin = {
    onParams({ params }) {
      if (!params.query) return;
      const refused = admitText(params.query, requestedHash(params.extensions));
      if (refused) throw refused;
    },
  };

  return {
    plugins: [
      register,
      usePersistedOperations({
        // Documents sent as text were admitted (or refused) by `register` above.
        allowArbitraryOperations: true,
        getPersistedOperation: (hash) => lookup(hash) ?? null,
        customErrors: {
          notFound: allowlist
            ? { message: notInList().message, extensions: notInList().extensions }
            : NOT_FOUND,
          // Neither a document nor a hash: what graphql-yoga answers without this plugin.
          keyNotFound: {
            message: 'Must provide query string.',
            extensions: { http: { status: 400 } },
          },
        },
      }),
    ],
    resolve(query, extensions) {
      const hash = requestedHash(extensions);
      if (query) return admitText(query, hash) ?? query;
      if (hash === undefined) return userError(ERROR_CODES.BAD_USER_INPUT, 'Must provide query');
      return (
        lookup(hash) ??
        (allowlist ? notInList() : userError(NOT_FOUND.extensions.code, NOT_FOUND.message))
      );
    },
  };
}
