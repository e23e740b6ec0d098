/** Public types of the fake market-data providers used by tests. */

export type ProviderKind = 'binance' | 'coinbase' | 'finnhub' | 'alpaca' | 'polygon';

export interface FakeProviderOptions {
  /**
   * What the server accepts (alpaca key+secret, polygon key, finnhub token). An unset one
   * accepts any non-empty value; an empty or missing value always fails.
   */
  credentials?: { key?: string; secret?: string; token?: string };
  /** Data frames per second while streaming (each frame may hold several events). @defaultValue 200 */
  framesPerSecond?: number;
  /** Start streaming to subscribed clients at once. @defaultValue true */
  autoStream?: boolean;
  /** Seed of the generated prices, sizes and ids. @defaultValue 1 */
  seed?: number;
  /**
   * Coinbase: the server closes a connection that has not subscribed within this long (code
   * 1008, after an `error` message), like the real one does after 5 s. @defaultValue 5000
   */
  subscribeDeadlineMs?: number;
  /**
   * Period of Coinbase `heartbeat` messages (heartbeat channel) and Finnhub `{"type":"ping"}`.
   * @defaultValue 1000 (coinbase), 2000 (finnhub)
   */
  keepaliveMs?: number;
}

export interface SentFrame {
  connection: number;
  text: string;
  /** false for control frames (acks, status, pings, heartbeats, errors). */
  data: boolean;
}

export interface ConnectionInfo {
  id: number;
  openedAt: number;
  closedAt?: number;
  authenticated: boolean;
  /** Symbols subscribed to, as the provider writes them (`BTCUSDT`, `BTC-USD`, `AAPL`, `BINANCE:BTCUSDT`). */
  subscribed: string[];
  /** Every text frame the client sent, in order. */
  received: string[];
}

export interface FakeProvider {
  readonly kind: ProviderKind;
  /** Base ws://127.0.0.1:<port> (binance: ws://127.0.0.1:<port>/ws; use /stream for combined frames). */
  readonly url: string;
  readonly connections: readonly ConnectionInfo[];
  /** Every frame sent, in order, with its connection id; data=false for control frames. */
  readonly sent: readonly SentFrame[];
  startStreaming(): void;
  stopStreaming(): void;
  /** Sends exactly n data frames now to every subscribed client (works while streaming is stopped, and while silent). */
  emitFrames(n: number): void;
  /** Sends this raw text (e.g. malformed JSON) to every open client (also while silent); recorded with data=true. */
  sendRaw(text: string): void;
  /** Closes every client socket from the server side (code 1011 by default, or terminate() when abrupt is set). */
  disconnectAll(opts?: { code?: number; abrupt?: boolean }): void;
  /** While silent the server sends nothing of its own (no data, acks, pings or heartbeats) but keeps sockets open. */
  setSilent(silent: boolean): void;
  /** Refuses new WebSocket handshakes with this HTTP status (e.g. 503, 429) until set back to undefined. */
  setRejecting(status: number | undefined): void;
  /** Resolves when at least n connections have been opened (and, if subscribed is set, have subscribed). @defaultValue timeoutMs 5000 */
  waitForConnections(n: number, opts?: { subscribed?: boolean; timeoutMs?: number }): Promise<void>;
  /** Terminates every socket and timer. */
  close(): Promise<void>;
}

export interface FakeRest {
  readonly url: string;
  /** Every request, in order; path includes the query string. */
  readonly requests: readonly { path: string; at: number }[];
  /** Answers every request with this HTTP status (and the provider's error body) until undefined. */
  setFailing(status: number | undefined): void;
  close(): Promise<void>;
}

export interface FakeRestOptions {
  /** @defaultValue 1 */
  seed?: number;
  /**
   * Symbols that exist: Binance symbols (`BTCUSDT`) and Coinbase products (`BTC-USD`, with a dash).
   * @defaultValue BTCUSDT, ETHUSDT, SOLUSDT, BNBUSDT, BTC-USD, ETH-USD, SOL-USD
   */
  symbols?: string[];
}
