import {
  ApiKeyNotFoundError,
  readAudit,
  type ApiKeyInfo,
  type AuditRecord,
  type Role,
} from '../auth';
import type { Resolver } from '../context';
import { ERROR_CODES, badUserInput, userError } from '../errors';
import { parseFirst } from '../validation';
import { auditedMutation } from './mutations';

const apiKeys: Resolver<unknown, Record<string, never>, ApiKeyInfo[]> = (_p, _a, ctx) => {
  ctx.authorize('admin', 'apiKeys');
  return ctx.auth.apiKeys.listApiKeys();
};

const auditLog: Resolver<unknown, { first?: number | null }, AuditRecord[]> = (_p, args, ctx) => {
  ctx.authorize('admin', 'auditLog');
  const count = parseFirst(args.first, ctx.config.graphql.maxPageSize, 50);
  return readAudit({ redis: ctx.redis, keys: ctx.keys }, { count });
};

export const adminResolvers = {
  Query: { apiKeys, auditLog },
  Mutation: {
    createApiKey: auditedMutation<{ name: string; role: Role }, { key: string; info: ApiKeyInfo }>(
      'admin',
      'createApiKey',
      async (a, ctx) => {
        try {
          return await ctx.auth.apiKeys.createApiKey({ name: a.name, role: a.role });
        } catch (err) {
          // The store's only refusal is the name's format.
          throw badUserInput('name', err instanceof Error ? err.message : String(err));
        }
      },
    ),
    revokeApiKey: auditedMutation<{ id: string }, ApiKeyInfo>(
      'admin',
      'revokeApiKey',
      async (a, ctx) => {
        try {
          return await ctx.auth.apiKeys.revokeApiKey(a.id);
        } catch (err) {
          if (err instanceof ApiKeyNotFoundError) {
            throw userError(ERROR_CODES.BAD_USER_INPUT, `No API key with id "${a.id}"`, {
              argumentName: 'id',
            });
          }
          throw err;
        }
      },
    ),
  },
  AuditEntry: {
    time: (r: AuditRecord) => r.ts,
    args: (r: AuditRecord) => JSON.stringify(r.args ?? {}),
  },
};
