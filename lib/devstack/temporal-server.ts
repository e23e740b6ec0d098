import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_FLAGS } from '../temporal/search-attributes';
import { spawnManaged, type ManagedProcess } from './child';
import { waitFor } from './ports';

export interface TemporalServerOptions {
  readonly binary: string;
  readonly host: string;
  readonly port: number;
  readonly uiPort?: number;
  /** SQLite file for state that survives restarts; omitted: in memory. */
  readonly dbFile?: string;
  readonly namespace: string;
  readonly headless?: boolean;
  readonly logFile?: string;
  /** Extra `--dynamic-config-value KEY=JSON` pairs. */
  readonly dynamicConfig?: Readonly<Record<string, unknown>>;
  /** In a process group of its own (see SpawnOptions.detached). */
  readonly detached?: boolean;
}

/** Starts `temporal server start-dev` and waits until its frontend answers. */
export async function startTemporalServer(opts: TemporalServerOptions): Promise<ManagedProcess> {
  const args = ['server', 'start-dev', '--ip', opts.host, '--port', String(opts.port)];
  args.push('--namespace', opts.namespace, '--log-level', 'warn');
  if (opts.headless) args.push('--headless');
  else if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  // WAL without fsync per write: the dev server's SQLite is its bottleneck on a small machine.
  args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  for (const sa of SEARCH_ATTRIBUTE_FLAGS) args.push('--search-attribute', sa);
  for (const [k, v] of Object.entries(opts.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  }
  const proc = spawnManaged('temporal', opts.binary, args, {
    logFile: opts.logFile,
    detached: opts.detached,
  });
  const address = `${opts.host}:${opts.port}`;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  await waitFor(
    `Temporal dev server at ${address}`,
    async () => {
      if (exited)
        throw new Error(`temporal server exited early (see ${opts.logFile ?? 'its output'})`);
      return isTemporalReady(address, opts.namespace);
    },
    60_000,
    250,
  ).catch(async (err) => {
    await proc.stop(2000);
    throw err;
  });
  return proc;
}

/** True when the frontend at `address` serves `namespace`. */
export async function isTemporalReady(address: string, namespace: string): Promise<boolean> {
  let conn: Connection | undefined;
  try {
    conn = await Connection.connect({ address, connectTimeout: 1000 });
    await conn.workflowService.describeNamespace({ namespace });
    return true;
  } catch {
    return false;
  } finally {
    await conn?.close();
  }
}
