import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ApiKeyNotFoundError, appendAudit, createApiKeyStore, isRole } from '../api/auth';
import type { ApiKeyInfo, AuditDeps, AuditResult } from '../api/auth';
import { loadConfig } from '../lib/config';
import { keysOf, createRedis } from '../lib/redis';

const USAGE = `usage: npm run api-keys -- <command>
  create --name <name> --role <viewer|operator|admin> [--json]
      prints the key on stdout (shown only this once) and its id on stderr
  list [--json]     every key, without secrets
  revoke <id> [--json]
      refuses the key from now on (within API_KEY_CACHE_MS in running APIs)
--json prints one JSON value on stdout (create: the key's id, name, role and the key itself).
Exit codes: 0 done, 1 failed, 2 usage error.`;

/** A mistake in the command line: usage on stderr, exit 2. */
class UsageError extends Error {}

/**
 * Creates, lists and revokes API keys in the Redis of the environment's configuration. Each
 * change is also written to the audit stream, by the operating-system user.
 */
async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (command !== 'create' && command !== 'list' && command !== 'revoke') {
    throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : 'no command');
  }

  const config = loadConfig();
  // Fail fast when Redis is away instead of retrying for a minute like a server would.
  const redis = createRedis(config.redis, {
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => (times > 3 ? null : 200),
  });
  redis.on('error', () => undefined); // the failing command reports it
  const keys = keysOf(config);
  const store = createApiKeyStore({ redis, keys, cacheMs: 0 });
  const audit: AuditDeps = { redis, keys, maxLen: config.api.auth.auditMaxLen };
  const actor = { subject: `cli:${userInfo().username}`, via: 'cli' as const };
  const record = (action: string, args: unknown, result: AuditResult) =>
    appendAudit(audit, { actor, action: `api-keys.${action}`, args, result });

  try {
    switch (command) {
      case 'create': {
        const { name, role } = values;
        if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
        if (!name) throw new UsageError('create needs --name');
        if (!isRole(role)) throw new UsageError('create needs --role viewer, operator or admin');
        const { key, info } = await store.createApiKey({ name, role });
        await record('create', { id: info.id, name, role }, { ok: true });
        if (values.json) {
          console.log(JSON.stringify({ ...info, key }));
        } else {
          console.log(key);
          console.error(
            `created API key ${info.id} (name ${name}, role ${role}); the key is shown only once`,
          );
        }
        return;
      }
      case 'list': {
        if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
        const list = await store.listApiKeys();
        console.log(values.json ? JSON.stringify(list) : table(list));
        return;
      }
      case 'revoke': {
        const [id, extra] = rest;
        if (!id || extra !== undefined) throw new UsageError('revoke needs exactly one key id');
        try {
          const info = await store.revokeApiKey(id);
          await record('revoke', { id }, { ok: true });
          console.log(
            values.json
              ? JSON.stringify(info)
              : `revoked ${info.id} (name ${info.name}) at ${info.revokedAt ?? '?'}`,
          );
        } catch (err) {
          if (err instanceof ApiKeyNotFoundError) {
            await record('revoke', { id }, { ok: false, code: 'NOT_FOUND', message: err.message });
          }
          throw err;
        }
        return;
      }
    }
  } catch (err) {
    if (redis.status === 'ready' || err instanceof UsageError) throw err;
    const url = new URL(config.redis.url);
    url.username = '';
    url.password = '';
    throw new Error(`cannot reach Redis at ${url.toString()}: ${String(err)}`);
  } finally {
    redis.disconnect();
  }
}

function table(list: readonly ApiKeyInfo[]): string {
  if (list.length === 0) return 'no API keys';
  const rows = [
    ['ID', 'NAME', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'],
    ...list.map((k) => [
      k.id,
      k.name,
      k.role,
      k.createdAt,
      k.lastUsedAt ?? '-',
      k.revokedAt ?? '-',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const code = err instanceof Error && 'code' in err ? String(err.code) : '';
  const usage = err instanceof UsageError || code.startsWith('ERR_PARSE_ARGS');
  console.error(`api-keys: ${err instanceof Error ? err.message : String(err)}`);
  if (usage) console.error(USAGE);
  process.exit(usage ? 2 : 1);
});
