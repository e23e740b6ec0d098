import type { Redis } from '../lib/redis';

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
    this.all.add(conn);
    return conn;
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((c) => c.quit().catch(() => c.disconnect())));
    this.all.clear();
    this.idle.length = 0;
  }
}
