import { WebSocket } from 'ws';
import {
  startFakeProvider,
  startFakeRest,
  type FakeProvider,
  type FakeProviderOptions,
  type FakeRest,
  type ProviderKind,
} from '../support/providers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const RFC3339_US = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const RFC3339_NS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;
const DEC8 = /^\d+\.\d{8}$/;

/** Message shapes, loosely typed (the assertions check them). */
interface BinanceMsg {
  e?: string;
  E?: number;
  s?: string;
  t?: number;
  p?: string;
  q?: string;
  T?: number;
  m?: boolean;
  M?: boolean;
  u?: number;
  b?: string;
  B?: string;
  a?: string;
  A?: string;
  result?: unknown;
  id?: number | null;
  stream?: string;
  data?: BinanceMsg;
  error?: { code: number; msg: string };
}
interface CoinbaseMsg {
  type: string;
  sequence?: number;
  product_id?: string;
  price?: string;
  trade_id?: number;
  last_trade_id?: number;
  time?: string;
  best_bid?: string;
  best_ask?: string;
  maker_order_id?: string;
  size?: string;
  reason?: string;
}
interface FinnhubTrade {
  c?: string[] | null;
  p: number;
  s: string;
  t: number;
  v: number;
}
interface FinnhubMsg {
  type: string;
  data?: FinnhubTrade[];
}
interface AlpacaMsg {
  T: string;
  msg?: string;
  code?: number;
  i?: number;
  S?: string;
  p?: number;
  t?: string;
  bp?: number;
  ap?: number;
}
interface PolygonMsg {
  ev: string;
  status?: string;
  message?: string;
  sym?: string;
  i?: string | number[];
  p?: number;
  t?: number;
  q?: number;
}

/** A real feed client recording every text frame. */
class Client {
  readonly frames: string[] = [];
  closed: { code: number; reason: string } | undefined;
  private cursor = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push((data as Buffer).toString('utf8')));
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static async connect(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    const client = new Client(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return client;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** The next frame after the last one taken, parsed. */
  async next<T>(timeoutMs = 3000): Promise<T> {
    await until('a frame', () => this.frames.length > this.cursor, timeoutMs);
    return JSON.parse(this.frames[this.cursor++]!) as T;
  }

  /** Skips to the first frame (after the last one taken) matching `pred`. */
  async find<T>(pred: (m: T) => boolean, timeoutMs = 3000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.next<T>(Math.max(1, deadline - Date.now()));
      if (pred(m)) return m;
    }
  }

  parsed<T>(): T[] {
    return this.frames.map((f) => JSON.parse(f) as T);
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    await until('close', () => this.closed !== undefined);
    return this.closed!;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Asserts that each value is greater than the one before. */
function expectRising(
  values: readonly (number | bigint | string | undefined)[],
  step?: number,
): void {
  for (let i = 1; i < values.length; i++) {
    const [a, b] = [values[i - 1]!, values[i]!];
    if (step !== undefined) expect(b).toBe((a as number) + step);
    else expect(b > a).toBe(true);
  }
}

const providers: FakeProvider[] = [];
const clients: Client[] = [];

async function provider(kind: ProviderKind, opts: FakeProviderOptions = {}): Promise<FakeProvider> {
  const p = await startFakeProvider(kind, opts);
  providers.push(p);
  return p;
}

async function client(url: string): Promise<Client> {
  const c = await Client.connect(url);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(providers.splice(0).map((p) => p.close()));
});

const CREDS = { key: 'k', secret: 's', token: 't' };

/** Connects and subscribes like a real client of each provider; returns after the acks. */
async function handshake(p: FakeProvider, symbols: string[], url = p.url): Promise<Client> {
  switch (p.kind) {
    case 'binance': {
      const c = await client(url);
      const params = symbols.flatMap((s) => [
        `${s.toLowerCase()}@trade`,
        `${s.toLowerCase()}@bookTicker`,
      ]);
      c.send({ method: 'SUBSCRIBE', params, id: 1 });
      expect(await c.next()).toEqual({ result: null, id: 1 });
      return c;
    }
    case 'coinbase': {
      const c = await client(url);
      c.send({ type: 'subscribe', product_ids: symbols, channels: ['ticker', 'matches'] });
      expect((await c.next<CoinbaseMsg>()).type).toBe('subscriptions');
      return c;
    }
    case 'finnhub': {
      const c = await client(`${url}?token=${CREDS.token}`);
      const info = p.connections.at(-1)!; // recorded before the client saw the handshake
      for (const symbol of symbols) c.send({ type: 'subscribe', symbol });
      await until('subscribed', () => info.subscribed.length === symbols.length);
      return c;
    }
    case 'alpaca': {
      const c = await client(url);
      expect(await c.next()).toEqual([{ T: 'success', msg: 'connected' }]);
      c.send({ action: 'auth', key: CREDS.key, secret: CREDS.secret });
      expect(await c.next()).toEqual([{ T: 'success', msg: 'authenticated' }]);
      c.send({ action: 'subscribe', trades: symbols, quotes: symbols });
      expect((await c.next<AlpacaMsg[]>())[0]!.T).toBe('subscription');
      return c;
    }
    case 'polygon': {
      const c = await client(url);
      expect((await c.next<PolygonMsg[]>())[0]!.status).toBe('connected');
      c.send({ action: 'auth', params: CREDS.key });
      expect((await c.next<PolygonMsg[]>())[0]!.status).toBe('auth_success');
      const params = symbols.flatMap((s) => [`T.${s}`, `Q.${s}`]).join(',');
      c.send({ action: 'subscribe', params });
      expect((await c.next<PolygonMsg[]>())[0]!.status).toBe('success');
      return c;
    }
  }
}

describe('binance', () => {
  it('acknowledges SUBSCRIBE and streams trade and bookTicker events of the subscribed symbols', async () => {
    const p = await provider('binance');
    expect(p.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    const c = await handshake(p, ['BTCUSDT', 'ETHUSDT']);
    await until('100 frames', () => c.frames.length > 100);
    const events = c.parsed<BinanceMsg>().slice(1);
    const trades = events.filter((e) => e.e === 'trade');
    const books = events.filter((e) => e.u !== undefined);
    expect(trades.length + books.length).toBe(events.length);
    const t = trades[0]!;
    expect(Object.keys(t)).toEqual(['e', 'E', 's', 't', 'p', 'q', 'T', 'm', 'M']);
    expect(t.p).toMatch(DEC8);
    expect(t.q).toMatch(DEC8);
    expect(Number(t.q)).toBeGreaterThan(0);
    expect(typeof t.t).toBe('number');
    expect(typeof t.m).toBe('boolean');
    expect(t.E).toBeGreaterThanOrEqual(t.T!);
    expect(Math.abs(t.T! - Date.now())).toBeLessThan(10_000);
    const b = books[0]!;
    expect(Object.keys(b)).toEqual(['u', 's', 'b', 'B', 'a', 'A']);
    for (const v of [b.b, b.B, b.a, b.A]) expect(v).toMatch(DEC8);
    expect(Number(b.a)).toBeGreaterThan(Number(b.b));
    expect(new Set(events.map((e) => e.s))).toEqual(new Set(['BTCUSDT', 'ETHUSDT']));
    const btc = trades.filter((e) => e.s === 'BTCUSDT');
    expect(Number(btc[0]!.p)).toBeGreaterThan(30_000);
    expect(Number(btc[0]!.p)).toBeLessThan(45_000);
    expectRising(
      btc.map((e) => e.t),
      1,
    );
    // The server's own record matches what the client saw.
    expect(p.sent.map((s) => s.text)).toEqual(c.frames.slice(0, p.sent.length));
    expect(p.sent[0]!.data).toBe(false);
    expect(p.sent.slice(1).every((s) => s.data && s.connection === 1)).toBe(true);
    expect(p.connections[0]).toMatchObject({
      id: 1,
      authenticated: true,
      subscribed: ['BTCUSDT', 'ETHUSDT'],
    });
    expect(p.connections[0]!.received[0]).toContain('"SUBSCRIBE"');
  });

  it('sends combined {stream, data} frames on /stream, and streams named in the URL', async () => {
    const p = await provider('binance', { autoStream: false });
    const c = await handshake(p, ['ETHUSDT'], p.url.replace(/\/ws$/, '/stream'));
    p.emitFrames(20);
    await until('20 frames', () => c.frames.length === 21);
    for (const f of c.parsed<BinanceMsg>().slice(1)) {
      expect(['ethusdt@trade', 'ethusdt@bookTicker']).toContain(f.stream);
      expect(f.data!.s).toBe('ETHUSDT');
      if (f.stream === 'ethusdt@trade') expect(f.data!.e).toBe('trade');
    }
    const raw = await client(`${p.url}/btcusdt@trade`);
    await p.waitForConnections(2, { subscribed: true });
    p.emitFrames(3);
    await until('3 frames', () => raw.frames.length === 3);
    expect(raw.parsed<BinanceMsg>().every((e) => e.e === 'trade' && e.s === 'BTCUSDT')).toBe(true);
    raw.send({ method: 'LIST_SUBSCRIPTIONS', id: 7 });
    expect(await raw.find<BinanceMsg>((m) => m.id === 7)).toEqual({
      result: ['btcusdt@trade'],
      id: 7,
    });
  });

  it('keeps ids rising across connections and is deterministic per seed', async () => {
    const p = await provider('binance', { autoStream: false, seed: 42 });
    const c1 = await handshake(p, ['BTCUSDT']);
    p.emitFrames(10);
    await until('10 frames', () => c1.frames.length === 11);
    c1.close();
    const c2 = await handshake(p, ['BTCUSDT']);
    p.emitFrames(10);
    await until('10 frames', () => c2.frames.length === 11);
    const all = [...c1.parsed<BinanceMsg>(), ...c2.parsed<BinanceMsg>()];
    const ids = all.filter((e) => e.e === 'trade').map((e) => e.t);
    expect(ids.length).toBeGreaterThan(2);
    expectRising(ids);
    expectRising(all.filter((e) => e.u !== undefined).map((e) => e.u));
    expect(new Set(p.sent.filter((s) => s.data).map((s) => s.text)).size).toBe(20);

    const same = await provider('binance', { autoStream: false, seed: 42 });
    const c3 = await handshake(same, ['BTCUSDT']);
    same.emitFrames(10);
    await until('10 frames', () => c3.frames.length === 11);
    const strip = (e: BinanceMsg) => ({ ...e, E: 0, T: 0 });
    expect(c3.parsed<BinanceMsg>().map(strip)).toEqual(c1.parsed<BinanceMsg>().map(strip));
  });

  it('answers bad requests with Binance errors and unknown paths with 404', async () => {
    const p = await provider('binance');
    const c = await client(p.url);
    c.send('not json');
    expect((await c.next<BinanceMsg>()).error!.code).toBe(3);
    c.send({ method: 'NOPE', id: 5 });
    expect(await c.next()).toMatchObject({ error: { code: 2 }, id: 5 });
    await expect(Client.connect(p.url.replace(/\/ws$/, '/other'))).rejects.toThrow(/404/);
  });
});

describe('faults (on binance)', () => {
  it('stops and starts streaming; emitFrames sends exactly n frames to each subscribed client', async () => {
    const p = await provider('binance', { autoStream: false });
    const a = await handshake(p, ['BTCUSDT']);
    const b = await handshake(p, ['ETHUSDT']);
    const idle = await client(p.url); // not subscribed: gets nothing
    await sleep(100);
    expect(a.frames.length).toBe(1);
    p.emitFrames(5);
    await until('5 frames each', () => a.frames.length === 6 && b.frames.length === 6);
    await sleep(50);
    expect(a.frames.length).toBe(6);
    expect(idle.frames.length).toBe(0);
    expect(p.sent.filter((s) => s.data).length).toBe(10);
    p.startStreaming();
    await until('streaming', () => a.frames.length > 30);
    p.stopStreaming();
    await sleep(30);
    const n = a.frames.length;
    await sleep(100);
    expect(a.frames.length).toBe(n);
  });

  it('streams at roughly framesPerSecond', async () => {
    const p = await provider('binance', { framesPerSecond: 100 });
    const c = await handshake(p, ['BTCUSDT']);
    await sleep(500);
    expect(c.frames.length).toBeGreaterThan(15);
    expect(c.frames.length).toBeLessThan(80);
  });

  it('disconnectAll closes with 1011, a given code, or abruptly', async () => {
    const p = await provider('binance');
    const a = await handshake(p, ['BTCUSDT']);
    p.disconnectAll();
    expect((await a.waitClosed()).code).toBe(1011);
    const b = await handshake(p, ['BTCUSDT']);
    p.disconnectAll({ code: 1001 });
    expect((await b.waitClosed()).code).toBe(1001);
    const c = await handshake(p, ['BTCUSDT']);
    p.disconnectAll({ abrupt: true });
    expect((await c.waitClosed()).code).toBe(1006);
    await until('closedAt', () => p.connections.every((x) => x.closedAt !== undefined));
    expect(p.connections.map((x) => x.id)).toEqual([1, 2, 3]);
  });

  it('setSilent stops all traffic but keeps the socket open', async () => {
    const p = await provider('binance');
    const c = await handshake(p, ['BTCUSDT']);
    await until('data', () => c.frames.length > 5);
    p.setSilent(true);
    await sleep(30);
    const n = c.frames.length;
    c.send({ method: 'SUBSCRIBE', params: ['ethusdt@trade'], id: 2 });
    await sleep(200);
    expect(c.frames.length).toBe(n);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    p.setSilent(false);
    await until('data again', () => c.frames.length > n + 5);
  });

  it('sendRaw reaches every open client and is recorded as data', async () => {
    const p = await provider('binance', { autoStream: false });
    const a = await handshake(p, ['BTCUSDT']);
    const b = await client(p.url);
    p.sendRaw('{"e":"trade","E":17');
    await until('raw', () => a.frames.length === 2 && b.frames.length === 1);
    expect(a.frames[1]).toBe('{"e":"trade","E":17');
    expect(p.sent.filter((s) => s.text === '{"e":"trade","E":17' && s.data)).toHaveLength(2);
  });

  it('setRejecting refuses handshakes; waitForConnections times out', async () => {
    const p = await provider('binance');
    p.setRejecting(503);
    await expect(Client.connect(p.url)).rejects.toThrow(/503/);
    p.setRejecting(undefined);
    await expect(p.waitForConnections(1, { timeoutMs: 50 })).rejects.toThrow(/waited 50 ms/);
    const waiting = p.waitForConnections(2, { subscribed: true });
    await handshake(p, ['BTCUSDT']);
    await handshake(p, ['BTCUSDT']);
    await expect(waiting).resolves.toBeUndefined();
  });
});

describe('coinbase', () => {
  it('acknowledges the subscription and streams ticker, match and heartbeat messages', async () => {
    const p = await provider('coinbase', { keepaliveMs: 50 });
    const c = await client(p.url);
    c.send({
      type: 'subscribe',
      product_ids: ['BTC-USD', 'ETH-USD'],
      channels: ['ticker', { name: 'matches', product_ids: ['BTC-USD'] }, 'heartbeat'],
    });
    expect(await c.next()).toEqual({
      type: 'subscriptions',
      channels: [
        { name: 'ticker', product_ids: ['BTC-USD', 'ETH-USD'] },
        { name: 'matches', product_ids: ['BTC-USD'] },
        { name: 'heartbeat', product_ids: ['BTC-USD', 'ETH-USD'] },
      ],
    });
    const last = await c.next<CoinbaseMsg>();
    expect(last).toMatchObject({ type: 'last_match', product_id: 'BTC-USD' });
    const ticker = await c.find<CoinbaseMsg>((m) => m.type === 'ticker');
    expect(ticker).toEqual({
      type: 'ticker',
      sequence: expect.any(Number),
      product_id: expect.stringMatching(/^(BTC|ETH)-USD$/),
      price: expect.stringMatching(/^\d+\.\d{2}$/),
      open_24h: expect.stringMatching(/^\d+\.\d{2}$/),
      volume_24h: expect.stringMatching(DEC8),
      low_24h: expect.any(String),
      high_24h: expect.any(String),
      volume_30d: expect.stringMatching(DEC8),
      best_bid: expect.any(String),
      best_bid_size: expect.stringMatching(DEC8),
      best_ask: expect.any(String),
      best_ask_size: expect.stringMatching(DEC8),
      side: expect.stringMatching(/^(buy|sell)$/),
      time: expect.stringMatching(RFC3339_US),
      trade_id: expect.any(Number),
      last_size: expect.stringMatching(DEC8),
    });
    expect(Number(ticker.best_ask)).toBeGreaterThan(Number(ticker.best_bid));
    const match = await c.find<CoinbaseMsg>((m) => m.type === 'match');
    expect(Object.keys(match)).toEqual(Object.keys(last));
    expect(match.product_id).toBe('BTC-USD');
    expect(match.maker_order_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(match.size).toMatch(DEC8);
    const hb = await c.find<CoinbaseMsg>(
      (m) => m.type === 'heartbeat' && m.product_id === 'BTC-USD',
    );
    expect(Object.keys(hb)).toEqual(['type', 'sequence', 'last_trade_id', 'product_id', 'time']);
    expect(hb.time).toMatch(RFC3339_US);
    // trade ids and sequences rise per product, heartbeats included.
    for (const product of ['BTC-USD', 'ETH-USD']) {
      const msgs = c.parsed<CoinbaseMsg>().filter((m) => m.product_id === product);
      expectRising(msgs.map((m) => m.sequence));
      expectRising(
        msgs.filter((m) => m.trade_id !== undefined).map((m) => m.trade_id),
        1,
      );
    }
    expect(p.sent.find((s) => s.text.includes('"heartbeat"'))!.data).toBe(false);
    expect(p.sent.find((s) => s.text.includes('"last_match"'))!.data).toBe(true);
  });

  it('closes a connection that does not subscribe before the deadline', async () => {
    const p = await provider('coinbase', { subscribeDeadlineMs: 100 });
    const c = await client(p.url);
    const ok = await client(p.url);
    ok.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['ticker'] });
    const closed = await c.waitClosed();
    expect(closed.code).toBe(1008);
    expect((await c.next<CoinbaseMsg>()).type).toBe('error');
    await sleep(100);
    expect(ok.closed).toBeUndefined();
  });

  it('rejects unknown products and channels like the real one', async () => {
    const p = await provider('coinbase');
    const c = await client(p.url);
    c.send({ type: 'subscribe', product_ids: ['FOO-USD'], channels: ['ticker'] });
    expect(await c.next()).toEqual({
      type: 'error',
      message: 'Failed to subscribe',
      reason: 'FOO-USD is not a valid product',
    });
    c.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['level3'] });
    expect((await c.next<CoinbaseMsg>()).reason).toBe('level3 is not a valid channel');
    c.send('{');
    expect((await c.next<CoinbaseMsg>()).type).toBe('error');
  });
});

describe('finnhub', () => {
  it('rejects a wrong or missing token with HTTP 401 at the handshake', async () => {
    const p = await provider('finnhub', { credentials: { token: 't' } });
    await expect(Client.connect(`${p.url}?token=wrong`)).rejects.toThrow(/401/);
    await expect(Client.connect(p.url)).rejects.toThrow(/401/);
    expect(p.connections).toHaveLength(0);
  });

  it('streams data[] frames of several trades for the subscribed symbols, and pings', async () => {
    const p = await provider('finnhub', { credentials: { token: 't' }, keepaliveMs: 50 });
    const c = await handshake(p, ['AAPL', 'BINANCE:BTCUSDT']);
    await until('frames', () => c.frames.length > 50);
    await c.find<FinnhubMsg>((m) => m.type === 'ping');
    const frames = c.parsed<FinnhubMsg>().filter((m) => m.type === 'trade');
    expect(frames.every((f) => Object.keys(f).join() === 'data,type')).toBe(true);
    expect(frames.some((f) => f.data!.length > 1)).toBe(true);
    const trades = frames.flatMap((f) => f.data!);
    const stock = trades.find((t) => t.s === 'AAPL')!;
    expect(Object.keys(stock)).toEqual(['c', 'p', 's', 't', 'v']);
    expect(stock.c === null || Array.isArray(stock.c)).toBe(true);
    expect(typeof stock.p).toBe('number');
    expect(Number.isInteger(stock.v)).toBe(true);
    expect(stock.p).toBeGreaterThan(150);
    const crypto = trades.find((t) => t.s === 'BINANCE:BTCUSDT')!;
    expect(Object.keys(crypto)).toEqual(['p', 's', 't', 'v']);
    expect(crypto.v).toBeGreaterThan(0);
    expect(Math.abs(crypto.t - Date.now())).toBeLessThan(10_000);
    expect(new Set(trades.map((t) => t.s))).toEqual(new Set(['AAPL', 'BINANCE:BTCUSDT']));
    const keys = trades.map((t) => `${t.s}|${t.t}|${t.p}|${t.v}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(p.connections[0]!.subscribed).toEqual(['AAPL', 'BINANCE:BTCUSDT']);
  });
});

describe('alpaca', () => {
  it('authenticates, acknowledges subscriptions and streams arrays of trades and quotes', async () => {
    const p = await provider('alpaca', { credentials: { key: 'k', secret: 's' } });
    const c = await client(p.url);
    expect(await c.next()).toEqual([{ T: 'success', msg: 'connected' }]);
    c.send({ action: 'subscribe', trades: ['AAPL'] });
    expect(await c.next()).toEqual([{ T: 'error', code: 401, msg: 'not authenticated' }]);
    c.send({ action: 'auth', key: 'k', secret: 's' });
    expect(await c.next()).toEqual([{ T: 'success', msg: 'authenticated' }]);
    c.send({ action: 'subscribe', trades: ['AAPL', 'MSFT'], quotes: ['AAPL'] });
    expect(await c.next()).toEqual([
      { T: 'subscription', trades: ['AAPL', 'MSFT'], quotes: ['AAPL'], bars: [] },
    ]);
    await until('frames', () => c.frames.length > 60);
    const frames = c.parsed<AlpacaMsg[]>().slice(4); // connected, 401, authenticated, subscription
    expect(frames.every((f) => Array.isArray(f))).toBe(true);
    expect(frames.some((f) => f.length > 1)).toBe(true);
    const events = frames.flat();
    expect(events.every((e) => e.T === 't' || e.T === 'q')).toBe(true);
    const t = events.find((e) => e.T === 't')!;
    expect(Object.keys(t)).toEqual(['T', 'i', 'S', 'x', 'p', 's', 't', 'c', 'z']);
    expect(typeof t.p).toBe('number');
    expect(t.t).toMatch(RFC3339_NS);
    const q = events.find((e) => e.T === 'q')!;
    expect(Object.keys(q)).toEqual(['T', 'S', 'bx', 'bp', 'bs', 'ax', 'ap', 'as', 't', 'c', 'z']);
    expect(q.ap).toBeGreaterThan(q.bp!);
    expect(q.t).toMatch(RFC3339_NS);
    expect(events.filter((e) => e.T === 'q').every((e) => e.S === 'AAPL')).toBe(true);
    for (const sym of ['AAPL', 'MSFT']) {
      expectRising(
        events.filter((e) => e.T === 't' && e.S === sym).map((e) => e.i),
        1,
      );
    }
    expectRising(events.map((e) => e.t));
    expect(p.connections[0]).toMatchObject({ authenticated: true, subscribed: ['AAPL', 'MSFT'] });
  });

  it('answers bad credentials with error 402 and closes', async () => {
    const p = await provider('alpaca', { credentials: { key: 'k', secret: 's' } });
    const c = await client(p.url);
    await c.next();
    c.send({ action: 'auth', key: 'k', secret: 'nope' });
    expect(await c.next()).toEqual([{ T: 'error', code: 402, msg: 'auth failed' }]);
    expect((await c.waitClosed()).code).toBe(1008);
    expect(p.connections[0]!.authenticated).toBe(false);
  });
});

describe('polygon', () => {
  it('authenticates, subscribes and streams arrays of T and Q events', async () => {
    const p = await provider('polygon', { credentials: { key: 'k' } });
    const c = await client(p.url);
    expect(await c.next()).toEqual([
      { ev: 'status', status: 'connected', message: 'Connected Successfully' },
    ]);
    c.send({ action: 'auth', params: 'k' });
    expect(await c.next()).toEqual([
      { ev: 'status', status: 'auth_success', message: 'authenticated' },
    ]);
    c.send({ action: 'subscribe', params: 'T.MSFT,Q.MSFT,T.AAPL' });
    expect(await c.next()).toEqual([
      { ev: 'status', status: 'success', message: 'subscribed to: T.MSFT,Q.MSFT,T.AAPL' },
    ]);
    await until('frames', () => c.frames.length > 60);
    const events = c.parsed<PolygonMsg[]>().slice(3).flat();
    const t = events.find((e) => e.ev === 'T')!;
    expect(Object.keys(t)).toEqual(['ev', 'sym', 'x', 'i', 'z', 'p', 's', 'c', 't', 'q']);
    expect(typeof t.i).toBe('string');
    expect(typeof t.p).toBe('number');
    expect(typeof t.t).toBe('number');
    const q = events.find((e) => e.ev === 'Q')!;
    expect(Object.keys(q)).toEqual([
      'ev',
      'sym',
      'bx',
      'bp',
      'bs',
      'ax',
      'ap',
      'as',
      'c',
      'i',
      't',
      'q',
      'z',
    ]);
    expect(events.filter((e) => e.ev === 'Q').every((e) => e.sym === 'MSFT')).toBe(true);
    expectRising(events.filter((e) => e.ev === 'T').map((e) => BigInt(e.i as string)));
    for (const sym of ['MSFT', 'AAPL']) {
      expectRising(events.filter((e) => e.sym === sym).map((e) => e.q));
    }
  });

  it('refuses subscribe before auth, and answers a bad key with auth_failed then close', async () => {
    const p = await provider('polygon', { credentials: { key: 'k' } });
    const c = await client(p.url);
    await c.next();
    c.send({ action: 'subscribe', params: 'T.MSFT' });
    expect((await c.next<PolygonMsg[]>())[0]).toMatchObject({ ev: 'status', status: 'error' });
    c.send({ action: 'auth', params: 'bad' });
    expect(await c.next()).toEqual([
      { ev: 'status', status: 'auth_failed', message: 'authentication failed' },
    ]);
    expect((await c.waitClosed()).code).toBe(1008);
  });
});

describe('every provider', () => {
  it.each<[ProviderKind, string[]]>([
    ['binance', ['BTCUSDT']],
    ['coinbase', ['BTC-USD']],
    ['finnhub', ['AAPL']],
    ['alpaca', ['AAPL']],
    ['polygon', ['MSFT']],
  ])('%s: emitFrames while silent, unique events, disconnectAll', async (kind, symbols) => {
    const p = await provider(kind, { autoStream: false, keepaliveMs: 20 });
    const c = await handshake(p, symbols);
    await p.waitForConnections(1, { subscribed: true });
    p.setSilent(true);
    await sleep(50);
    const before = c.frames.length;
    p.emitFrames(3);
    await until('3 frames', () => c.frames.length === before + 3);
    const data = p.sent.filter((s) => s.data).map((s) => s.text);
    expect(new Set(data).size).toBe(data.length);
    p.disconnectAll();
    expect((await c.waitClosed()).code).toBe(1011);
  });
});

interface BinanceRest {
  symbol?: string;
  price?: string;
  bidPrice?: string;
  askPrice?: string;
  code?: number;
  msg?: string;
}
interface CoinbaseRest {
  price: string;
  trade_id: number;
  time: string;
}

describe('rest', () => {
  let rest: FakeRest;
  beforeEach(async () => {
    rest = await startFakeRest({ seed: 7 });
  });
  afterEach(() => rest.close());

  const get = async <T = BinanceRest>(path: string) => {
    const res = await fetch(`${rest.url}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };

  it('serves Binance bookTicker and price, for one symbol or all', async () => {
    const book = await get('/api/v3/ticker/bookTicker?symbol=BTCUSDT');
    expect(book.status).toBe(200);
    expect(Object.keys(book.body)).toEqual(['symbol', 'bidPrice', 'bidQty', 'askPrice', 'askQty']);
    expect(book.body).toEqual({
      symbol: 'BTCUSDT',
      bidPrice: expect.stringMatching(DEC8),
      bidQty: expect.stringMatching(DEC8),
      askPrice: expect.stringMatching(DEC8),
      askQty: expect.stringMatching(DEC8),
    });
    expect(Number(book.body.askPrice)).toBeGreaterThan(Number(book.body.bidPrice));
    const price = await get('/api/v3/ticker/price?symbol=ETHUSDT');
    expect(price.body).toEqual({ symbol: 'ETHUSDT', price: expect.stringMatching(DEC8) });
    const all = await get<BinanceRest[]>('/api/v3/ticker/price');
    expect(all.body.map((r) => r.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT']);
    const allBooks = await get<BinanceRest[]>('/api/v3/ticker/bookTicker');
    expect(allBooks.body).toHaveLength(4);
    const some = await get<BinanceRest[]>(
      `/api/v3/ticker/price?symbols=${encodeURIComponent('["BTCUSDT","SOLUSDT"]')}`,
    );
    expect(some.body.map((r) => r.symbol)).toEqual(['BTCUSDT', 'SOLUSDT']);
    const prices = new Set<string | undefined>();
    for (let i = 0; i < 10; i++) {
      prices.add((await get('/api/v3/ticker/price?symbol=BTCUSDT')).body.price);
    }
    expect(prices.size).toBeGreaterThan(1);
    expect(rest.requests[0]!.path).toBe('/api/v3/ticker/bookTicker?symbol=BTCUSDT');
  });

  it('serves the Coinbase product ticker with trade_id rising as the price changes', async () => {
    const seen: CoinbaseRest[] = [];
    for (let i = 0; i < 15; i++) {
      const r = await get<CoinbaseRest>('/products/BTC-USD/ticker');
      expect(r.status).toBe(200);
      seen.push(r.body);
    }
    expect(Object.keys(seen[0]!)).toEqual([
      'ask',
      'bid',
      'volume',
      'trade_id',
      'price',
      'size',
      'time',
      'rfq_volume',
    ]);
    expect(seen[0]!.price).toMatch(/^\d+\.\d{2}$/);
    expect(seen[0]!.time).toMatch(RFC3339_US);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1]!, seen[i]!];
      if (b.price === a.price) expect(b.trade_id).toBe(a.trade_id);
      else expect(b.trade_id).toBeGreaterThan(a.trade_id);
    }
  });

  it('is deterministic per seed', async () => {
    const other = await startFakeRest({ seed: 7 });
    try {
      const a = await get('/api/v3/ticker/bookTicker?symbol=ETHUSDT');
      const res = await fetch(`${other.url}/api/v3/ticker/bookTicker?symbol=ETHUSDT`);
      expect(await res.json()).toEqual(a.body);
    } finally {
      await other.close();
    }
  });

  it('answers unknown symbols, unknown paths and failures like the providers', async () => {
    expect(await get('/api/v3/ticker/price?symbol=NOPEUSDT')).toEqual({
      status: 400,
      body: { code: -1121, msg: 'Invalid symbol.' },
    });
    expect((await get('/api/v3/ticker/price?symbol=btcusdt')).body.code).toBe(-1100);
    expect(await get('/products/FOO-USD/ticker')).toEqual({
      status: 404,
      body: { message: 'NotFound' },
    });
    expect((await get('/nothing')).status).toBe(404);
    rest.setFailing(500);
    expect((await get('/api/v3/ticker/price?symbol=BTCUSDT')).status).toBe(500);
    expect((await get('/products/BTC-USD/ticker')).status).toBe(500);
    rest.setFailing(429);
    const res = await fetch(`${rest.url}/api/v3/ticker/price`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    await res.arrayBuffer();
    rest.setFailing(undefined);
    expect((await get('/api/v3/ticker/price?symbol=BTCUSDT')).status).toBe(200);
    expect(rest.requests).toHaveLength(8);
  });
});
