import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

/** Where the Temporal server's two PostgreSQL databases are, and the tool that shapes them. */
export interface TemporalSchemaOptions {
  /** temporal-sql-tool (the server module's `cmd/tools/sql`). */
  readonly sqlTool: string;
  /** The module's `schema/postgresql` folder (v12/temporal/versioned, v12/visibility/versioned). */
  readonly schemaDir: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
}

/** The server's databases: its state, and its (SQL) visibility store. */
export const TEMPORAL_DATABASES = {
  temporal: 'v12/temporal/versioned',
  temporal_visibility: 'v12/visibility/versioned',
} as const;

/**
 * Creates the `temporal` and `temporal_visibility` databases and brings their schemas to the
 * newest version the tool's schema folder has, the way Temporal's own auto-setup does
 * (create-database, setup-schema -v 0.0, update-schema). Idempotent: an existing database is not
 * recreated and update-schema applies only the versions it lacks, so this runs at every start
 * and after an upgrade of the server.
 */
export async function setupTemporalSchema(opts: TemporalSchemaOptions): Promise<void> {
  const base = ['--plugin', 'postgres12', '--ep', opts.host, '-p', String(opts.port)];
  base.push('-u', opts.user, '--quiet');
  for (const [db, versioned] of Object.entries(TEMPORAL_DATABASES)) {
    const state = await databaseState(opts, db);
    const tool = (...args: string[]) => run(opts.sqlTool, [...base, '--db', db, ...args]);
    if (state === 'missing') await tool('create-database');
    if (state !== 'versioned') await tool('setup-schema', '-v', '0.0');
    await tool('update-schema', '-d', join(opts.schemaDir, versioned));
  }
}

/** Whether a database exists and holds Temporal's schema_version table. */
async function databaseState(
  opts: TemporalSchemaOptions,
  db: string,
): Promise<'missing' | 'empty' | 'versioned'> {
  const admin = new Client({
    host: opts.host,
    port: opts.port,
    user: opts.user,
    database: 'postgres',
  });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
    if (found.rowCount === 0) return 'missing';
  } finally {
    await admin.end();
  }
  const conn = new Client({ host: opts.host, port: opts.port, user: opts.user, database: db });
  await conn.connect();
  try {
    const r = await conn.query<{ t: string | null }>("SELECT to_regclass('schema_version') AS t");
    return r.rows[0]?.t ? 'versioned' : 'empty';
  } finally {
    await conn.end();
  }
}
