import type { Redis } from '../lib/redis';
import { closeRedis } from '../lib/shutdown';

/**
 * Connections for blocking reads (XREADGROUP BLOCK holds its connection for the wait), lent
 * one per in-flight batch so a waiting batch never stalls the shared command connection.
 */
export class BlockingPool {
  private readonly idle: Redis[] = [];
  private readonly all = new Set<Redis>();

  constructor(private readonly base: Redis) {}

  async use<T>(fn: (conn: Redis) => Promise<T>): Promise<T> {
    const conn = this.idle.pop() ?? this.open();
    try {
      return await fn(conn);
    } finally {
      this.idle.push(conn);
    }
  }

  private open(): Redis {
    const conn = this.base.duplicate();
    // The shared connection logs the state of the link to Redis (lib/connection-log.ts); one
    // line per retry of each of these would bury it. A failed command still reports its error.
    conn.on('error', () => undefined);
    this.all.add(conn);
    return conn;
  }

  /** Closes every connection, within a second even while Redis is unreachable. */
  async close(): Promise<void> {
    await Promise.all([...this.all].map((c) => closeRedis(c, 1000)));
    this.all.clear();
    this.idle.length = 0;
  }
}
