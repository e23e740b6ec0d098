/** The WebSocket server every fake provider shares: connections, recording, streaming, faults. */
import { createServer, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { Market } from './market';
import type {
  ConnectionInfo,
  FakeProvider,
  FakeProviderOptions,
  ProviderKind,
  SentFrame,
} from './types';

/** Streaming skips a client with more than this queued (emitFrames does not). */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;
/** Period of the streaming loop. */
const TICK_MS = 5;
/** At most this much time's worth of frames goes out in one tick after a stall. */
const MAX_CATCH_UP_MS = 100;

/** A rejected handshake: HTTP status and JSON body. */
export interface Rejection {
  readonly status: number;
  readonly body: string;
}

/** What a provider module supplies to the shared server. */
export interface ProviderSpec {
  readonly kind: ProviderKind;
  /** Appended to ws://127.0.0.1:<port> to make `url`. */
  readonly urlPath: string;
  /** Period of `Session.keepalive`, when the provider has one. */
  keepaliveMs?(opts: FakeProviderOptions): number | undefined;
  /** Checks a handshake before upgrading (path, token). */
  checkUpgrade?(req: IncomingMessage, opts: FakeProviderOptions): Rejection | undefined;
  createSession(ctx: SessionContext): Session;
}

/** What a session gets from its server. */
export interface SessionContext {
  readonly core: ProviderCore;
  readonly ws: WebSocket;
  readonly info: ConnectionInfo;
  readonly req: IncomingMessage;
}

/** One client connection, speaking one provider's protocol. */
export abstract class Session {
  readonly core: ProviderCore;
  readonly ws: WebSocket;
  readonly info: ConnectionInfo;
  /** Set once the client has had a subscription acknowledged (stays set after unsubscribing). */
  everSubscribed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(ctx: SessionContext) {
    this.core = ctx.core;
    this.ws = ctx.ws;
    this.info = ctx.info;
  }

  get market(): Market {
    return this.core.market;
  }

  get opts(): FakeProviderOptions {
    return this.core.opts;
  }

  /** Called once the socket is open. */
  onOpen(): void {}

  /** A text frame from the client (already recorded in `info.received`). */
  abstract onMessage(text: string): void;

  /** Whether `nextFrame` has anything to generate (authenticated, subscribed to a data channel). */
  abstract canStream(): boolean;

  /** Generates one data frame; only called when `canStream()`. */
  abstract nextFrame(): string;

  /** Periodic control message (ping, heartbeat), when the spec sets `keepaliveMs`. */
  keepalive(): void {}

  /** Sends a control frame (nothing while the server is silent). */
  control(value: unknown): void {
    this.core.send(this, typeof value === 'string' ? value : JSON.stringify(value), false, false);
  }

  /** Sends a data frame of the session's own (e.g. Coinbase `last_match`); nothing while silent. */
  data(text: string): void {
    this.core.send(this, text, true, false);
  }

  /** Records the current subscription (symbols as the provider writes them). */
  setSubscribed(symbols: Iterable<string>): void {
    this.info.subscribed = [...new Set(symbols)];
    if (this.info.subscribed.length > 0 && !this.everSubscribed) {
      this.everSubscribed = true;
      this.core.notify();
    }
  }

  /** Closes the socket from the server side. */
  close(code: number, reason = ''): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, reason);
    }
  }

  /** A timer cleared when the connection ends. */
  setTimer(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** Parses JSON, or undefined. */
export function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

interface Waiter {
  check(): boolean;
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** Server state shared by all sessions of one fake provider; implements FakeProvider. */
export class ProviderCore implements FakeProvider {
  readonly kind: ProviderKind;
  readonly market: Market;
  readonly connections: ConnectionInfo[] = [];
  readonly sent: SentFrame[] = [];
  url = '';
  private readonly sessions = new Set<Session>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly http: Server;
  private readonly framesPerSecond: number;
  private streamTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private due = 0;
  private silent = false;
  private rejecting: number | undefined;
  private closed = false;
  private nextId = 1;
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly spec: ProviderSpec,
    readonly opts: FakeProviderOptions,
  ) {
    this.kind = spec.kind;
    this.market = new Market(opts.seed ?? 1);
    this.framesPerSecond = opts.framesPerSecond ?? 200;
    this.http = createServer((_req, res) => {
      res.writeHead(426, { 'Content-Type': 'text/plain' }).end('Upgrade Required');
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(0, '127.0.0.1', () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const { port } = this.http.address() as AddressInfo;
    this.url = `ws://127.0.0.1:${port}${this.spec.urlPath}`;
    const keepaliveMs = this.spec.keepaliveMs?.(this.opts);
    if (keepaliveMs !== undefined) {
      this.keepaliveTimer = setInterval(() => {
        if (this.silent) return;
        for (const s of this.sessions) if (s.ws.readyState === WebSocket.OPEN) s.keepalive();
      }, keepaliveMs);
    }
    if (this.opts.autoStream ?? true) this.startStreaming();
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const rejection: Rejection | undefined = this.closed
      ? { status: 503, body: '{"error":"closed"}' }
      : this.rejecting !== undefined
        ? { status: this.rejecting, body: JSON.stringify({ error: STATUS_CODES[this.rejecting] }) }
        : this.spec.checkUpgrade?.(req, this.opts);
    if (rejection) {
      const reason = STATUS_CODES[rejection.status] ?? 'Error';
      socket.end(
        `HTTP/1.1 ${rejection.status} ${reason}\r\nConnection: close\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(rejection.body)}\r\n\r\n` +
          rejection.body,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const info: ConnectionInfo = {
      id: this.nextId++,
      openedAt: Date.now(),
      authenticated: false,
      subscribed: [],
      received: [],
    };
    this.connections.push(info);
    const session = this.spec.createSession({ core: this, ws, info, req });
    this.sessions.add(session);
    ws.on('error', () => {
      /* a reset socket also closes; nothing to do */
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.from(data).toString('utf8');
      info.received.push(text);
      session.onMessage(text);
    });
    ws.on('close', () => {
      info.closedAt = Date.now();
      session.clearTimers();
      this.sessions.delete(session);
      this.notify();
    });
    session.onOpen();
    this.notify();
  }

  /** Sends and records one frame; `force` ignores silence (explicit test commands). */
  send(session: Session, text: string, data: boolean, force: boolean): boolean {
    if ((this.silent && !force) || session.ws.readyState !== WebSocket.OPEN) return false;
    session.ws.send(text);
    this.sent.push({ connection: session.info.id, text, data });
    return true;
  }

  startStreaming(): void {
    if (this.streamTimer || this.closed) return;
    this.lastTick = Date.now();
    this.due = 0;
    this.streamTimer = setInterval(() => this.tick(), TICK_MS);
  }

  stopStreaming(): void {
    if (this.streamTimer) clearInterval(this.streamTimer);
    this.streamTimer = undefined;
  }

  private tick(): void {
    const now = Date.now();
    const elapsed = Math.min(now - this.lastTick, MAX_CATCH_UP_MS);
    this.lastTick = now;
    this.due += (elapsed * this.framesPerSecond) / 1000;
    const n = Math.floor(this.due);
    this.due -= n;
    if (this.silent) return;
    for (let i = 0; i < n; i++) {
      for (const s of this.sessions) {
        if (s.ws.readyState !== WebSocket.OPEN || s.ws.bufferedAmount > HIGH_WATER_BYTES) continue;
        if (s.canStream()) this.send(s, s.nextFrame(), true, false);
      }
    }
  }

  emitFrames(n: number): void {
    for (let i = 0; i < n; i++) {
      for (const s of this.sessions) {
        if (s.ws.readyState === WebSocket.OPEN && s.canStream()) {
          this.send(s, s.nextFrame(), true, true);
        }
      }
    }
  }

  sendRaw(text: string): void {
    for (const s of this.sessions) this.send(s, text, true, true);
  }

  disconnectAll(opts: { code?: number; abrupt?: boolean } = {}): void {
    for (const s of this.sessions) {
      if (opts.abrupt) s.ws.terminate();
      else s.close(opts.code ?? 1011, 'server disconnect');
    }
  }

  setSilent(silent: boolean): void {
    this.silent = silent;
  }

  setRejecting(status: number | undefined): void {
    this.rejecting = status;
  }

  waitForConnections(
    n: number,
    opts: { subscribed?: boolean; timeoutMs?: number } = {},
  ): Promise<void> {
    const count = () =>
      opts.subscribed
        ? this.connections.filter((c) => this.subscribedIds.has(c.id)).length
        : this.connections.length;
    return new Promise<void>((resolve, reject) => {
      if (count() >= n) return resolve();
      if (this.closed) return reject(new Error(`${this.kind} fake provider is closed`));
      const timeoutMs = opts.timeoutMs ?? 5000;
      const waiter: Waiter = {
        check: () => count() >= n,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          const what = opts.subscribed ? 'subscribed connections' : 'connections';
          reject(
            new Error(`${this.kind}: waited ${timeoutMs} ms for ${n} ${what}, have ${count()}`),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Ids of connections that have ever subscribed (open or closed). */
  private readonly subscribedIds = new Set<number>();

  /** Re-checks pending waiters after a connection, subscription or close. */
  notify(): void {
    for (const s of this.sessions) if (s.everSubscribed) this.subscribedIds.add(s.info.id);
    for (const w of this.waiters) {
      if (w.check()) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopStreaming();
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error(`${this.kind} fake provider closed`));
    }
    this.waiters.clear();
    for (const s of this.sessions) {
      s.clearTimers();
      s.ws.terminate();
    }
    await new Promise<void>((resolve) => {
      this.wss.close(() => resolve());
    });
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

/** Creates and starts a fake provider server from its spec. */
export async function startProvider(
  spec: ProviderSpec,
  opts: FakeProviderOptions = {},
): Promise<FakeProvider> {
  const core = new ProviderCore(spec, opts);
  await core.listen();
  return core;
}
