import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../temporal/search-attributes';
import { waitFor } from './ports';

/** What a real Temporal server needs before fin-line's workflows can run on it. */
export interface NamespaceSetup {
  readonly address: string;
  readonly namespace: string;
  /** How long closed workflows stay visible. @defaultValue 3 */
  readonly retentionDays?: number;
}

/** gRPC status code of NOT_FOUND / ALREADY_EXISTS (errors from the connection carry `code`). */
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Registers the namespace (with a retention period) and fin-line's custom search attributes on
 * a real Temporal server, where the dev server does both from its flags. Idempotent: what exists
 * is left as it is. Resolves once the frontend serves the namespace (its namespace cache is
 * refreshed every few seconds, so a new namespace is not usable at once).
 */
export async function ensureNamespace(opts: NamespaceSetup): Promise<{ created: string[] }> {
  const created: string[] = [];
  const connection = await Connection.connect({ address: opts.address });
  try {
    const { namespace } = opts;
    try {
      await connection.workflowService.describeNamespace({ namespace });
    } catch (err) {
      if (grpcCode(err) !== NOT_FOUND) throw err;
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(`${opts.retentionDays ?? 3} days`),
        });
        created.push(`namespace ${namespace}`);
      } catch (e) {
        // Another starter won the race: the namespace is there, which is all we need.
        if (grpcCode(e) !== ALREADY_EXISTS) throw e;
      }
    }
    await waitFor(
      `namespace ${namespace} at ${opts.address}`,
      async () => {
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return true;
      },
      60_000,
      500,
    );
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace,
    });
    const missing = CUSTOM_SEARCH_ATTRIBUTES.filter((k) => !customAttributes?.[k.name]);
    if (missing.length > 0) {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type) ?? 0]),
        ),
      });
      created.push(...missing.map((k) => `search attribute ${k.name}`));
    }
    return { created };
  } finally {
    await connection.close();
  }
}
