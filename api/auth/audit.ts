import type { Logger } from '../../lib/logger';
import type { Keys, Redis } from '../../lib/redis';
import type { AuthMetrics } from './metrics';
import type { Principal, Role } from './principal';

/** Who did it: a request's principal, or an operator at the key-management CLI. */
export interface AuditActor {
  readonly subject: string;
  readonly via: Principal['via'] | 'cli';
  readonly role?: Role;
  readonly keyId?: string | undefined;
}

/** What became of the action; workflow ids when it started or signalled one. */
export type AuditResult = (
  { readonly ok: true } | { readonly ok: false; readonly code: string; readonly message: string }
) & { readonly workflowId?: string | undefined; readonly runId?: string | undefined };

export interface AuditEntry {
  readonly actor: AuditActor;
  /** The mutation's field name (`startFeed`) or the CLI command (`api-keys.create`). */
  readonly action: string;
  /** The arguments; secrets are redacted (see {@link redactArgs}) before they are stored. */
  readonly args?: unknown;
  readonly result: AuditResult;
  readonly requestId?: string | undefined;
  /** ms since epoch. @defaultValue Date.now() */
  readonly ts?: number;
}

/** One stored audit entry, as {@link readAudit} returns it. */
export interface AuditRecord {
  /** Stream entry id. */
  readonly id: string;
  readonly ts: number;
  readonly subject: string;
  readonly via: string;
  readonly role?: string;
  readonly keyId?: string;
  readonly action: string;
  readonly args: unknown;
  readonly result: 'ok' | 'error';
  readonly code?: string;
  readonly message?: string;
  readonly workflowId?: string;
  readonly runId?: string;
  readonly requestId?: string;
}

export interface AuditDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  /** MAXLEN ~ of the stream (config API_AUDIT_MAX_LEN). */
  readonly maxLen: number;
}

const SECRET_ARG = /pass(word)?|secret|token|authorization|api[-_]?key|credential|pepper/i;
const MAX_ARGS_CHARS = 4096;
const MAX_MESSAGE_CHARS = 500;

/** A copy of `args` with every value under a secret-looking name replaced, depth-limited. */
export function redactArgs(args: unknown, depth = 0): unknown {
  if (depth > 8) return '[too deep]';
  if (Array.isArray(args)) return args.map((v) => redactArgs(v, depth + 1));
  if (typeof args !== 'object' || args === null) return args;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    out[k] = SECRET_ARG.test(k) ? '[redacted]' : redactArgs(v, depth + 1);
  }
  return out;
}

function argsJson(args: unknown): string {
  const json = JSON.stringify(redactArgs(args ?? {})) ?? '{}';
  // Capped so a huge argument cannot bloat a stream that is kept for a long time.
  return json.length <= MAX_ARGS_CHARS
    ? json
    : JSON.stringify({ truncated: true, preview: json.slice(0, MAX_ARGS_CHARS) });
}

/** Appends one entry to the audit stream; resolves to its stream id. */
export async function appendAudit(deps: AuditDeps, entry: AuditEntry): Promise<string> {
  const { actor, result } = entry;
  const fields: string[] = [
    'ts',
    String(entry.ts ?? Date.now()),
    'subject',
    actor.subject,
    'via',
    actor.via,
    'action',
    entry.action,
    'args',
    argsJson(entry.args),
    'result',
    result.ok ? 'ok' : 'error',
  ];
  const optional: [string, string | undefined][] = [
    ['role', actor.role],
    ['key_id', actor.keyId],
    ['code', result.ok ? undefined : result.code],
    ['message', result.ok ? undefined : result.message.slice(0, MAX_MESSAGE_CHARS)],
    ['workflow_id', result.workflowId],
    ['run_id', result.runId],
    ['request_id', entry.requestId],
  ];
  for (const [k, v] of optional) if (v !== undefined && v !== '') fields.push(k, v);
  const id = await deps.redis.xadd(
    deps.keys.auditEvents,
    'MAXLEN',
    '~',
    deps.maxLen,
    '*',
    ...fields,
  );
  if (id === null) throw new Error('XADD to the audit stream returned no id');
  return id;
}

/** The newest `count` entries (default 100), oldest first. */
export async function readAudit(
  deps: Pick<AuditDeps, 'redis' | 'keys'>,
  opts: { count?: number } = {},
): Promise<AuditRecord[]> {
  const entries = await deps.redis.xrevrange(
    deps.keys.auditEvents,
    '+',
    '-',
    'COUNT',
    opts.count ?? 100,
  );
  return entries.reverse().map(([id, flat]) => {
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i] as string] = flat[i + 1] as string;
    let args: unknown;
    try {
      args = JSON.parse(f.args ?? '{}');
    } catch {
      args = f.args;
    }
    return {
      id,
      ts: Number(f.ts),
      subject: f.subject ?? '',
      via: f.via ?? '',
      action: f.action ?? '',
      args,
      result: f.result === 'ok' ? 'ok' : 'error',
      ...(f.role !== undefined && { role: f.role }),
      ...(f.key_id !== undefined && { keyId: f.key_id }),
      ...(f.code !== undefined && { code: f.code }),
      ...(f.message !== undefined && { message: f.message }),
      ...(f.workflow_id !== undefined && { workflowId: f.workflow_id }),
      ...(f.run_id !== undefined && { runId: f.run_id }),
      ...(f.request_id !== undefined && { requestId: f.request_id }),
    };
  });
}

/** The audit stream with its failure handling, for resolvers. */
export interface AuditLog {
  append(entry: AuditEntry): Promise<string>;
  read(opts?: { count?: number }): Promise<AuditRecord[]>;
  /**
   * Runs a mutation and appends its outcome: ok (with the workflow ids `ids` picks from the
   * result) or error (its `extensions.code`, else INTERNAL_SERVER_ERROR, and message). The
   * mutation's result or error is returned unchanged. An audit write that fails is logged
   * and counted but does not fail the mutation: its effect has already happened, and an
   * error would make the client retry something that was done.
   */
  record<T>(
    who: { principal: Principal; requestId?: string | undefined },
    action: string,
    args: unknown,
    run: () => Promise<T>,
    ids?: (result: T) => { workflowId?: string; runId?: string },
  ): Promise<T>;
}

export function createAuditLog(
  deps: AuditDeps & { logger?: Logger; metrics?: AuthMetrics },
): AuditLog {
  const append = async (entry: AuditEntry): Promise<void> => {
    try {
      await appendAudit(deps, entry);
    } catch (err) {
      deps.metrics?.auditFailures.inc();
      deps.logger?.error(
        { err, action: entry.action, subject: entry.actor.subject },
        'audit append failed',
      );
    }
  };
  return {
    append: (entry) => appendAudit(deps, entry),
    read: (opts) => readAudit(deps, opts),
    async record<T>(
      who: { principal: Principal; requestId?: string | undefined },
      action: string,
      args: unknown,
      run: () => Promise<T>,
      ids?: (result: T) => { workflowId?: string; runId?: string },
    ): Promise<T> {
      const { principal, requestId } = who;
      const actor = auditActor(principal);
      let result: T;
      try {
        result = await run();
      } catch (err) {
        await append({ actor, action, args, requestId, result: errorResult(err) });
        throw err;
      }
      await append({ actor, action, args, requestId, result: { ok: true, ...ids?.(result) } });
      return result;
    },
  };
}

function errorResult(err: unknown): AuditResult {
  const ext = (err as { extensions?: { code?: unknown } } | null)?.extensions;
  return {
    ok: false,
    code: typeof ext?.code === 'string' ? ext.code : 'INTERNAL_SERVER_ERROR',
    message: err instanceof Error ? err.message : String(err),
  };
}

/** The audit actor of a request's principal. */
export function auditActor(principal: Principal): AuditActor {
  return {
    subject: principal.subject,
    via: principal.via,
    role: principal.role,
    keyId: principal.keyId,
  };
}
