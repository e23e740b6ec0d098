import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startReady } from './supervised';
import type { ChildRun } from './supervisor';

/** The standalone Temporal Web UI (`github.com/temporalio/ui-server/v2`, the UI assets embedded). */
export interface TemporalUiServerOptions {
  /** tools/bin/ui-server. */
  readonly binary: string;
  /** Its root folder: the config goes to `<root>/config/fin-line.yaml`. */
  readonly root: string;
  /** The Temporal frontend it shows. */
  readonly temporalAddress: string;
  readonly host: string;
  readonly port: number;
  readonly defaultNamespace: string;
  readonly logFile?: string;
  /** In a process group of its own (see SpawnOptions.detached). */
  readonly detached?: boolean;
}

const ENV = 'fin-line';

/** Writes the UI server's config and starts it; resolves once its page answers. */
export function startTemporalUiServer(opts: TemporalUiServerOptions): Promise<ChildRun> {
  const origin = `http://${opts.host}:${opts.port}`;
  mkdirSync(join(opts.root, 'config'), { recursive: true });
  writeFileSync(
    join(opts.root, 'config', `${ENV}.yaml`),
    stringify({
      temporalGrpcAddress: opts.temporalAddress,
      host: opts.host,
      port: opts.port,
      enableUi: true,
      defaultNamespace: opts.defaultNamespace,
      cors: { allowOrigins: [origin] },
    }),
  );
  return startReady({
    name: 'temporal-ui',
    command: opts.binary,
    args: ['--root', opts.root, '--env', ENV, 'start'],
    logFile: opts.logFile,
    detached: opts.detached,
    readyUrl: `${origin}/`,
    readyTimeoutMs: 30_000,
  });
}
