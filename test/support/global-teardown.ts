import type { ManagedProcess } from '../../lib/devstack';

export default async function globalTeardown(): Promise<void> {
  const procs = (globalThis as { __finLineStack?: readonly ManagedProcess[] }).__finLineStack ?? [];
  await Promise.all(procs.map((p) => p.stop(10_000)));
}
