import type { Counter } from 'prom-client';
import { WebSocket } from 'ws';
import type { Market } from './market';
import type { SimulatorMetrics } from './metrics';

/** One connected feed client and its subscription. */
export interface FeedClient {
  readonly ws: WebSocket;
  /** Tickers it subscribed to; null (the default) means every ticker. */
  filter: ReadonlySet<string> | null;
}

/** Limits of the emission loop. */
export interface EmitterLimits {
  /**
   * Most events in one frame; a bigger backlog goes out as several frames.
   * @defaultValue 500
   */
  readonly maxFrameEvents?: number;
  /**
   * Generation stops while any client has more than this many bytes queued.
   * @defaultValue 8 MiB
   */
  readonly highWaterBytes?: number;
}

/** Period of the loop when nothing more is due. */
const IDLE_MS = 10;
/** How often a stalled loop looks again at the clients' queues. */
const BACKPRESSURE_POLL_MS = 1;
/** Frames per turn before yielding to I/O (HTTP control requests, socket writes). */
const MAX_FRAMES_PER_TURN = 16;
/** The bucket holds at most this much time's worth of events, so a stall is not made up in one burst. */
const MAX_CATCH_UP_S = 0.1;

/**
 * The emission loop: a token bucket at `eventsPerSecond` decides how many events are due;
 * they are generated once and sent as one frame to every client (filtered per client).
 */
export class Emitter {
  readonly clients = new Set<FeedClient>();
  private rate: number;
  private isPaused = false;
  private running = false;
  private waiting = false;
  private tokens = 0;
  private lastRefill = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly maxFrameEvents: number;
  private readonly highWaterBytes: number;
  private readonly trades: Counter.Internal;
  private readonly quotes: Counter.Internal;
  private counted = { trades: 0, quotes: 0, spikes: 0 };

  constructor(
    private readonly market: Market,
    private readonly metrics: SimulatorMetrics,
    eventsPerSecond: number,
    limits: EmitterLimits = {},
  ) {
    this.rate = eventsPerSecond;
    this.maxFrameEvents = limits.maxFrameEvents ?? 500;
    this.highWaterBytes = limits.highWaterBytes ?? 8 * 1024 * 1024;
    this.trades = metrics.events.labels('trade');
    this.quotes = metrics.events.labels('quote');
    this.counted = { ...market.stats };
  }

  get eventsPerSecond(): number {
    return this.rate;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  setRate(eventsPerSecond: number): void {
    this.rate = eventsPerSecond;
    this.tokens = Math.min(this.tokens, this.bucketSize());
  }

  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastRefill = performance.now();
    this.later(IDLE_MS);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /** Sends `frame` as is to every open client; returns how many got it. */
  broadcast(frame: string): number {
    let sent = 0;
    for (const c of this.clients) {
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      c.ws.send(frame);
      sent++;
    }
    this.metrics.frames.inc(sent);
    return sent;
  }

  private readonly turn = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    if (!this.running) return;
    const t = performance.now();
    const elapsed = t - this.lastRefill;
    this.lastRefill = t;
    // Events are generated only while someone listens: otherwise sequence numbers would be
    // spent on events nobody sees, and a reconnecting client would find a gap it cannot explain.
    if (this.isPaused || this.clients.size === 0 || this.rate <= 0) {
      this.tokens = 0;
      return this.later(IDLE_MS);
    }
    this.tokens = Math.min(this.tokens + (elapsed * this.rate) / 1000, this.bucketSize());
    for (let frames = 0; this.tokens >= 1; frames++) {
      if (frames === MAX_FRAMES_PER_TURN) return this.soon();
      if (this.congested()) {
        if (!this.waiting) this.metrics.backpressureWaits.inc();
        this.waiting = true;
        return this.later(BACKPRESSURE_POLL_MS);
      }
      this.waiting = false;
      const n = Math.min(this.maxFrameEvents, Math.floor(this.tokens));
      this.tokens -= n;
      this.emit(n);
    }
    this.later(IDLE_MS);
  };

  private bucketSize(): number {
    return Math.max(1, this.rate * MAX_CATCH_UP_S);
  }

  private later(ms: number): void {
    this.timer = setTimeout(this.turn, ms);
  }

  private soon(): void {
    this.immediate = setImmediate(this.turn);
  }

  private congested(): boolean {
    for (const c of this.clients) {
      if (c.ws.bufferedAmount > this.highWaterBytes) return true;
    }
    return false;
  }

  private emit(n: number): void {
    const now = Date.now();
    const texts = new Array<string>(n);
    const tickers = new Array<string>(n);
    for (let k = 0; k < n; k++) {
      const e = this.market.next(now);
      texts[k] = e.text;
      tickers[k] = e.ticker;
    }
    // Encoded once and shared by every unfiltered client.
    let all: Buffer | undefined;
    let sent = 0;
    for (const c of this.clients) {
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      if (c.filter === null) {
        all ??= Buffer.from(`[${texts.join(',')}]`);
        c.ws.send(all, { binary: false });
        sent++;
        continue;
      }
      const picked: string[] = [];
      for (let k = 0; k < n; k++) {
        const text = texts[k];
        if (text !== undefined && c.filter.has(tickers[k] ?? '')) picked.push(text);
      }
      if (picked.length === 0) continue;
      c.ws.send(`[${picked.join(',')}]`);
      sent++;
    }
    this.metrics.frames.inc(sent);
    const stats = this.market.stats;
    this.trades.inc(stats.trades - this.counted.trades);
    this.quotes.inc(stats.quotes - this.counted.quotes);
    this.metrics.spikes.inc(stats.spikes - this.counted.spikes);
    this.counted = { ...stats };
  }
}
