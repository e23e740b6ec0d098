import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { spawnManaged, type ManagedProcess } from './child';
import { freePort, waitFor } from './ports';

/** Where Debian's packages put the server binaries (initdb and postgres are not on PATH there). */
const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

/**
 * The folder holding initdb and postgres: `pg_config --bindir` when on PATH, else the newest
 * Debian install under /usr/lib/postgresql. Throws with the command to run when neither exists.
 */
export function findPostgresBin(): string {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    // pg_config not on PATH: try Debian's layout.
  }
  if (existsSync(DEBIAN_PG_ROOT)) {
    const versions = execFileSync('ls', [DEBIAN_PG_ROOT], { encoding: 'utf8' })
      .split('\n')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = join(DEBIAN_PG_ROOT, v, 'bin');
      if (existsSync(join(dir, 'initdb'))) return dir;
    }
  }
  throw new Error('PostgreSQL server not found: run `npm run setup` (scripts/setup-tools.sh)');
}

export interface PostgresServerOptions {
  /** Cluster folder; created with initdb when empty. Omitted: a temp folder removed on stop. */
  readonly dataDir?: string;
  readonly host?: string;
  /** Omitted: a free port. */
  readonly port?: number;
  readonly logFile?: string;
  /** Throw-away clusters skip fsync: tests and benchmarks, never data that must survive. */
  readonly durable?: boolean;
  /** In a process group of its own (see SpawnOptions.detached). */
  readonly detached?: boolean;
}

export interface PostgresServer {
  readonly process: ManagedProcess;
  /** `postgres://postgres@host:port/postgres` (trust authentication, local only). */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` OS user
 * (Debian's package creates it) and its commands run through `runuser`.
 */
function asPgUser(bin: string, args: readonly string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ['runuser', ['-u', 'postgres', '--', bin, ...args]];
  return [bin, [...args]];
}

function chownToPg(path: string): void {
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(path, uid, gid);
}

/** Starts a local PostgreSQL cluster (initdb on first use) and waits until it answers. */
export async function startPostgresServer(
  opts: PostgresServerOptions = {},
): Promise<PostgresServer> {
  const bin = findPostgresBin();
  const temp = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'fin-line-pg-'));
  mkdirSync(dataDir, { recursive: true });
  chownToPg(dataDir);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const [cmd, args] = asPgUser(join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--no-sync',
    ]);
    execFileSync(cmd, args, { stdio: 'ignore' });
  }
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const serverArgs = ['-D', dataDir, '-h', host, '-p', String(port), '-k', dataDir];
  if (!opts.durable) {
    serverArgs.push('-c', 'fsync=off', '-c', 'synchronous_commit=off');
    serverArgs.push('-c', 'full_page_writes=off');
  }
  const [cmd, args] = asPgUser(join(bin, 'postgres'), serverArgs);
  const proc = spawnManaged('postgres', cmd, args, {
    logFile: opts.logFile,
    detached: opts.detached,
  });
  const url = `postgres://postgres@${host}:${port}/postgres`;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  await waitFor(
    `PostgreSQL at ${host}:${port}`,
    async () => {
      if (exited) throw new Error(`postgres exited early (see ${opts.logFile ?? 'its output'})`);
      return pgReady(url);
    },
    30_000,
    100,
  ).catch(async (err) => {
    await proc.stop(2000);
    throw err;
  });
  return {
    process: proc,
    url,
    async stop() {
      // SIGINT is PostgreSQL's "fast" shutdown (SIGTERM, "smart", waits for every client to
      // leave); runuser passes signals on.
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGINT');
      await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 5000))]);
      await proc.stop(5000);
      if (temp) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function pgReady(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
