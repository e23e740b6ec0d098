import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgresServer, type PostgresServer } from '../../lib/devstack/postgres';

/**
 * A throw-away PostgreSQL cluster for one test file (started lazily: most suites never need
 * one). Each call to `database()` creates a fresh database in it, so tests do not share rows.
 */
export interface PgFixture {
  readonly server: PostgresServer;
  /** A new empty database's URL. */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startPgFixture(label: string): Promise<PgFixture> {
  const server = await startPostgresServer({
    logFile: join(tmpdir(), `fin-line-test-pg-${label}-${process.pid}.log`),
  });
  const { Client } = await import('pg');
  return {
    server,
    async database(name: string) {
      const db = name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      const c = new Client({ connectionString: server.url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${db}`);
      } finally {
        await c.end();
      }
      return server.url.replace(/\/postgres$/, `/${db}`);
    },
    stop: () => server.stop(),
  };
}
