import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on `host:port` (port 0 picks a free one); resolves to the bound port. */
export async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Stops accepting connections and waits for in-flight requests; after `graceMs` the
 * connections still open are cut. Resolves at once for a server that is not listening.
 */
export async function closeGracefully(server: Server, graceMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve, reject) =>
    server.close((err) => (err ? reject(err) : resolve())),
  );
  // Keep-alive sockets would hold close() open until the client drops them.
  server.closeIdleConnections();
  const cutoff = setTimeout(() => server.closeAllConnections(), graceMs);
  cutoff.unref();
  try {
    await closed;
  } finally {
    clearTimeout(cutoff);
  }
}
