import { instrumentId } from '../../lib/domain';
import type { Logger } from '../../lib/logger';
import { logConnectionState } from '../../lib/connection-log';
import { closeRedis } from '../../lib/shutdown';
import {
  createRedis,
  decodeLatestQuote,
  decodeQuoteMessage,
  isCluster,
  type Keys,
  type LatestQuote,
  type Redis,
  type RedisTarget,
} from '../../lib/redis';
import { byText } from '../sort';
import { withQuoteMessageSpan } from './quote-trace';

/** Options of {@link QuoteHub}. */
export interface QuoteHubOptions {
  /** Shared command connection, for reads on a cache miss. */
  readonly redis: Redis;
  /** Where the hub's own subscriber connection goes (a subscribed connection runs no commands). */
  readonly redisTarget: RedisTarget;
  readonly keys: Keys;
  readonly logger: Logger;
  /**
   * How long a cached quote (or a cached "no such quote") is served without a pub/sub message
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

/** A quote to read: its cache key (ticker, or `<ticker>@<feed>`), hash and partition. */
interface Wanted {
  readonly cacheKey: string;
  readonly hash: string;
  readonly partition: number;
}

export type QuoteListener = (quote: LatestQuote) => void;

/**
 * The latest quotes, served from memory and kept fresh by the pipeline's pub/sub channels
 * (one sharded channel per partition). A ticker has a quote per venue (feed) and a default
 * quote, its newest over all venues (by event time, then ingest order: the `order` key).
 * Every venue write publishes the quote it wrote in the same Lua commit, so a message
 * replaces the venue's entry, and the ticker's default entry when it is at least as new, with
 * no Redis round trip. An entry not confirmed within `ttlMs` is read again (a safety net for
 * anything written without a message). While the subscriber is down nothing is served from
 * memory: messages may be missed then.
 *
 * It also fans the channels out to live `quoteUpdated` subscriptions over one connection.
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

  /** Subscribes to every partition's channel; resolves once subscribed. */
  async start(): Promise<void> {
    if (this.subscriber) return;
    const sub = createRedis(this.opts.redisTarget, { maxRetriesPerRequest: null });
    this.subscriber = sub;
    logConnectionState(sub, this.opts.logger, {
      name: 'quote subscriber',
      summaryMs: this.opts.connectionLogSummaryMs ?? 0,
    });
    // Messages sent while a subscriber connection was down are lost: forget everything and re-read.
    const down = () => {
      this.live = false;
      this.entries.clear();
    };
    if (isCluster(sub)) {
      // Each master's channels have their own connection (ioredis shardedSubscribers): one
      // lost is reported as '-node' with its node key (a command connection's has none), and
      // 'subscribersReady' follows once ioredis has subscribed again.
      sub.on('-node', (_node: unknown, nodeKey?: string) => {
        if (nodeKey !== undefined) down();
      });
      sub.on('subscribersReady', () => (this.live = true));
    } else {
      sub.on('close', down);
      // ioredis re-subscribes on reconnect before emitting ready.
      sub.on('ready', () => (this.live = true));
    }
    sub.on('smessage', (channel: string, message: string) => this.onMessage(message, channel));
    // One call per channel: each partition's channel hashes to its own slot.
    for (const k of this.opts.keys.all) await sub.ssubscribe(k.quotesChannel);
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

  /** Calls `listener` with every venue quote written from now on; returns the unsubscribe function. */
  listen(listener: QuoteListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The latest quote of an upper-case ticker: from one feed, or without `feed` its newest over
   * all feeds; undefined when there is none.
   */
  async get(ticker: string, feed?: string): Promise<LatestQuote | undefined> {
    const [quote] = await this.read([this.wanted(ticker, feed)]);
    return quote;
  }

  /** Several tickers' default quotes, in the order asked. */
  getMany(tickers: readonly string[]): Promise<(LatestQuote | undefined)[]> {
    return this.read(tickers.map((t) => this.wanted(t)));
  }

  /** The latest quote from each feed quoting the ticker, ordered by feed. */
  async venues(ticker: string): Promise<LatestQuote[]> {
    const keys = this.opts.keys.forTicker(ticker);
    const feeds = (await this.opts.redis.smembers(keys.quoteVenues(ticker))).sort(byText);
    const quotes = await this.read(feeds.map((f) => this.wanted(ticker, f)));
    return quotes.filter((q): q is LatestQuote => q !== undefined);
  }

  private wanted(ticker: string, feed?: string): Wanted {
    const keys = this.opts.keys.forTicker(ticker);
    return feed === undefined
      ? { cacheKey: ticker, hash: keys.latestQuote(ticker), partition: keys.partition }
      : {
          cacheKey: instrumentId(ticker, feed),
          hash: keys.venueQuote(ticker, feed),
          partition: keys.partition,
        };
  }

  /** Cached entries, and the misses read with one pipeline per partition (one slot each). */
  private async read(wanted: readonly Wanted[]): Promise<(LatestQuote | undefined)[]> {
    const out = new Array<LatestQuote | undefined>(wanted.length);
    const misses = new Map<number, number[]>();
    wanted.forEach((w, i) => {
      const c = this.cached(w.cacheKey);
      if (c) out[i] = c.quote;
      else {
        const list = misses.get(w.partition);
        if (list) list.push(i);
        else misses.set(w.partition, [i]);
      }
    });
    await Promise.all(
      [...misses.values()].map(async (indexes) => {
        const gens = indexes.map((i) => this.generation.get(wanted[i]!.cacheKey) ?? 0);
        const pipeline = this.opts.redis.pipeline();
        for (const i of indexes) pipeline.hgetall(wanted[i]!.hash);
        const replies = (await pipeline.exec()) ?? [];
        indexes.forEach((i, k) => {
          const [err, hash] = replies[k] ?? [new Error('no reply'), null];
          if (err) throw err;
          const quote = decodeLatestQuote(hash as Record<string, string>);
          this.store(wanted[i]!.cacheKey, quote, gens[k]!);
          out[i] = quote;
        });
      }),
    );
    return out;
  }

  private cached(key: string): Entry | undefined {
    if (!this.live || this.opts.ttlMs <= 0) return undefined;
    const e = this.entries.get(key);
    return e && this.now() - e.at < this.opts.ttlMs ? e : undefined;
  }

  private store(key: string, quote: LatestQuote | undefined, gen: number): void {
    // A message that arrived during the read is newer than what the read returned.
    if (!this.live || this.opts.ttlMs <= 0 || (this.generation.get(key) ?? 0) !== gen) return;
    this.entries.set(key, { quote, at: this.now() });
  }

  private bump(key: string): void {
    this.generation.set(key, (this.generation.get(key) ?? 0) + 1);
  }

  /** A message is one venue's write; the ticker's default follows it when it is as new. */
  private onMessage(message: string, channel: string): void {
    const quote = decodeQuoteMessage(message);
    if (!quote) {
      this.opts.logger.warn({ message: message.slice(0, 200) }, 'unreadable quote message');
      return;
    }
    const venueKey = instrumentId(quote.ticker, quote.feed);
    this.bump(venueKey);
    this.bump(quote.ticker);
    if (this.opts.ttlMs > 0) {
      const at = this.now();
      this.entries.set(venueKey, { quote, at });
      const current = this.entries.get(quote.ticker);
      // Not cached: left to the next read (the generation bump keeps a read in flight out).
      if (current && isAtLeastAsNew(quote, current.quote)) {
        this.entries.set(quote.ticker, { quote, at });
      }
    }
    withQuoteMessageSpan(channel, quote, () => {
      for (const listener of this.listeners) {
        try {
          listener(quote);
        } catch (err) {
          this.opts.logger.error({ err }, 'quote listener failed');
        }
      }
    });
  }
}

/**
 * The commit's rule for the ticker's default quote: the greater order key (event time, then
 * ingest order) wins, equal keys go to the later write. Quotes written before the key
 * existed compare by event time.
 */
function isAtLeastAsNew(q: LatestQuote, than: LatestQuote | undefined): boolean {
  if (!than) return true;
  if (q.order !== undefined && than.order !== undefined) return q.order >= than.order;
  return q.ts >= than.ts;
}
