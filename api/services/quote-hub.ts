import type { Logger } from '../../lib/logger';
import { logConnectionState } from '../../lib/connection-log';
import { closeRedis } from '../../lib/shutdown';
import {
  createRedis,
  decodeLatestQuote,
  decodeQuoteMessage,
  type Keys,
  type LatestQuote,
  type Redis,
} from '../../lib/redis';

/** Options of {@link QuoteHub}. */
export interface QuoteHubOptions {
  /** Shared command connection, for reads on a cache miss. */
  readonly redis: Redis;
  /** URL for the hub's own subscriber connection (a subscribed connection runs no commands). */
  readonly redisUrl: string;
  readonly keys: Keys;
  readonly logger: Logger;
  /**
   * How long a cached quote (or a cached "no such ticker") is served without a pub/sub message
   * confirming it; 0 turns the cache off (every read goes to Redis).
   */
  readonly ttlMs: number;
  readonly now?: () => number;
  /**
   * Period of its connection's "still disconnected" log line (CONNECTION_LOG_SUMMARY_MS).
   * @defaultValue 0 (state changes only)
   */
  readonly connectionLogSummaryMs?: number;
}

interface Entry {
  readonly quote: LatestQuote | undefined;
  readonly at: number;
}

export type QuoteListener = (quote: LatestQuote) => void;

/**
 * The latest quotes, served from memory and kept fresh by the pipeline's pub/sub channel:
 * every latest-quote write publishes the quote it wrote (the same Lua commit), so a message
 * replaces the entry and a read needs no Redis round trip. An entry not confirmed within
 * `ttlMs` is read again (a safety net for anything written without a message). While the
 * subscriber is down nothing is served from memory: messages may be missed then.
 *
 * It also fans the channel out to live `quoteUpdated` subscriptions over one connection.
 */
export class QuoteHub {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every message; a read that started before a bump does not overwrite it. */
  private readonly generation = new Map<string, number>();
  private readonly listeners = new Set<QuoteListener>();
  private subscriber: Redis | undefined;
  private live = false;
  private readonly now: () => number;

  constructor(private readonly opts: QuoteHubOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Subscribes to the channel; resolves once subscribed. */
  async start(): Promise<void> {
    if (this.subscriber) return;
    const sub = createRedis(this.opts.redisUrl, { maxRetriesPerRequest: null });
    this.subscriber = sub;
    logConnectionState(sub, this.opts.logger, {
      name: 'quote subscriber',
      summaryMs: this.opts.connectionLogSummaryMs ?? 0,
    });
    // Messages sent while the connection was down are lost: forget everything and re-read.
    sub.on('close', () => {
      this.live = false;
      this.entries.clear();
    });
    sub.on('ready', () => {
      // ioredis re-subscribes on reconnect before emitting ready.
      this.live = true;
    });
    sub.on('message', (_channel: string, message: string) => this.onMessage(message));
    await sub.subscribe(this.opts.keys.quotesPubsub);
    this.live = true;
  }

  async stop(): Promise<void> {
    const sub = this.subscriber;
    this.subscriber = undefined;
    this.live = false;
    this.entries.clear();
    this.listeners.clear();
    // Bounded: a QUIT while Redis is unreachable would wait for it forever.
    if (sub) await closeRedis(sub, 1000);
  }

  /** Number of live quote subscriptions. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Calls `listener` with every quote written from now on; returns the unsubscribe function. */
  listen(listener: QuoteListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The latest quote of an upper-case ticker, or undefined when it has none. */
  async get(ticker: string): Promise<LatestQuote | undefined> {
    const cached = this.cached(ticker);
    if (cached) return cached.quote;
    return this.read(ticker);
  }

  /** Several quotes, in the order asked; one pipelined read for all the misses. */
  async getMany(tickers: readonly string[]): Promise<(LatestQuote | undefined)[]> {
    const out: (LatestQuote | undefined)[] = new Array<LatestQuote | undefined>(tickers.length);
    const misses: number[] = [];
    tickers.forEach((t, i) => {
      const c = this.cached(t);
      if (c) out[i] = c.quote;
      else misses.push(i);
    });
    if (misses.length === 0) return out;
    const gens = misses.map((i) => this.generation.get(tickers[i]!) ?? 0);
    const pipeline = this.opts.redis.pipeline();
    for (const i of misses) pipeline.hgetall(this.opts.keys.latestQuote(tickers[i]!));
    const replies = (await pipeline.exec()) ?? [];
    misses.forEach((i, k) => {
      const [err, hash] = replies[k] ?? [new Error('no reply'), null];
      if (err) throw err;
      const quote = decodeLatestQuote(hash as Record<string, string>);
      this.store(tickers[i]!, quote, gens[k]!);
      out[i] = quote;
    });
    return out;
  }

  private cached(ticker: string): Entry | undefined {
    if (!this.live || this.opts.ttlMs <= 0) return undefined;
    const e = this.entries.get(ticker);
    return e && this.now() - e.at < this.opts.ttlMs ? e : undefined;
  }

  private async read(ticker: string): Promise<LatestQuote | undefined> {
    const gen = this.generation.get(ticker) ?? 0;
    const quote = decodeLatestQuote(
      await this.opts.redis.hgetall(this.opts.keys.latestQuote(ticker)),
    );
    this.store(ticker, quote, gen);
    return quote;
  }

  private store(ticker: string, quote: LatestQuote | undefined, gen: number): void {
    // A message that arrived during the read is newer than what the read returned.
    if (!this.live || this.opts.ttlMs <= 0 || (this.generation.get(ticker) ?? 0) !== gen) return;
    this.entries.set(ticker, { quote, at: this.now() });
  }

  private onMessage(message: string): void {
    const quote = decodeQuoteMessage(message);
    if (!quote) {
      this.opts.logger.warn({ message: message.slice(0, 200) }, 'unreadable quote message');
      return;
    }
    this.generation.set(quote.ticker, (this.generation.get(quote.ticker) ?? 0) + 1);
    if (this.opts.ttlMs > 0) this.entries.set(quote.ticker, { quote, at: this.now() });
    for (const listener of this.listeners) {
      try {
        listener(quote);
      } catch (err) {
        this.opts.logger.error({ err }, 'quote listener failed');
      }
    }
  }
}
