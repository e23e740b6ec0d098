import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEphemeralStack, type EphemeralStack } from '../lib/devstack';

export type BenchStack = EphemeralStack;

/** A Redis and a Temporal dev server of the bench's own, on free ports, with no persistence. */
export function startBenchStack(): Promise<BenchStack> {
  return startEphemeralStack({
    pathEnv: process.env.PATH ?? '',
    logDir: join(tmpdir(), `fin-line-bench-${process.pid}`),
  });
}
