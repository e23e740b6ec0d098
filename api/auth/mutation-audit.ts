import { auditActor, type AuditEntry } from './audit';
import type { Principal } from './principal';

/** One mutation's audit record, minus who and when (the request context adds those). */
export interface MutationAudit {
  readonly action: string;
  readonly args: Record<string, unknown>;
  readonly result: 'ok' | 'error';
  readonly workflowId?: string;
  readonly runId?: string;
  readonly errorCode?: string;
  readonly error?: string;
}

/**
 * The audit-log entry of a mutation `caller` ran in request `requestId`: workflow ids when it
 * succeeded, its error code (INTERNAL when it had none) and message when it failed.
 */
export function mutationAuditEntry(
  record: MutationAudit,
  caller: Principal,
  requestId: string,
): AuditEntry {
  return {
    actor: auditActor(caller),
    action: record.action,
    args: record.args,
    requestId,
    result:
      record.result === 'ok'
        ? { ok: true, workflowId: record.workflowId, runId: record.runId }
        : { ok: false, code: record.errorCode ?? 'INTERNAL', message: record.error ?? '' },
  };
}
