import { Registry } from 'prom-client';
import { WebSocket } from 'ws';
import { simulatorAdapter } from '../../lib/domain/adapters/simulator';
import type { NormalizedTick } from '../../lib/domain/types';
import { createLogger } from '../../lib/logger';
import sectors from '../../reference/sectors.json';
import { createSimulator, type Simulator, type SimulatorDeps } from '../../simulator/server';
import type { SimulatorState } from '../../simulator/control-api';
import type { LastSent } from '../../simulator/market';
import { testConfig } from '../support/stack';

const ctx = { feed: 'sim', sectors: new Map(Object.entries(sectors)), recvTs: 1 };
const logger = createLogger({ level: 'silent', name: 'simulator-test' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A real feed client that records what it receives, parsed as the ingester would. */
class Client {
  readonly frames: string[] = [];
  readonly events: NormalizedTick[] = [];
  readonly statuses: string[] = [];
  readonly problems: string[] = [];
  /** Index into `events` at which the last subscribe was acknowledged. */
  subscribedAt = -1;
  closed: { code: number } | undefined;

  private constructor(readonly ws: WebSocket) {
    // Text frames arrive as one Buffer (no fragmentation or binary in this feed).
    ws.on('message', (data) => this.onFrame((data as Buffer).toString('utf8')));
    ws.on('close', (code) => (this.closed = { code }));
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

  async subscribe(symbols: string[]): Promise<void> {
    const acks = this.statuses.length;
    for (const m of simulatorAdapter.openingMessages({ symbols })) this.ws.send(m);
    await until('subscribe ack', () => this.statuses.slice(acks).includes('subscribed'));
  }

  lastFor(ticker: string): NormalizedTick | undefined {
    for (let k = this.events.length - 1; k >= 0; k--) {
      if (this.events[k]!.ticker === ticker) return this.events[k];
    }
    return undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const done = new Promise((r) => this.ws.once('close', r));
    this.ws.close();
    await done;
  }

  private onFrame(frame: string): void {
    this.frames.push(frame);
    const parsed = simulatorAdapter.parseFrame(frame);
    for (const e of parsed.errors) this.problems.push(e.reason);
    for (const c of parsed.controls) {
      this.statuses.push(c.message);
      if (c.message === 'subscribed') this.subscribedAt = this.events.length;
    }
    for (const e of parsed.events) {
      const out = simulatorAdapter.normalize(e.payload, ctx);
      if (out.ok) this.events.push(out.tick);
      else this.problems.push(`${out.reason}: ${e.payload}`);
    }
  }
}

/** The normalized tick as the simulator's /state describes it. */
function asLastSent(t: NormalizedTick): LastSent {
  return t.kind === 'trade'
    ? { kind: 'trade', price: t.price, seq: Number(t.seq), t: t.ts }
    : { kind: 'quote', price: t.price, bid: t.bid, ask: t.ask, seq: Number(t.seq), t: t.ts };
}

describe('simulator server (real sockets)', () => {
  let sim: Simulator;
  let url: string;
  let http: string;
  const clients: Client[] = [];

  async function start(overrides: Partial<SimulatorDeps> = {}, env: Record<string, string> = {}) {
    const config = testConfig({
      SIMULATOR_EVENTS_PER_SECOND: '2000',
      SIMULATOR_SPIKE_PROBABILITY: '0',
      ...env,
    });
    sim = createSimulator({
      config: config.simulator,
      logger,
      registry: new Registry(),
      ...overrides,
    });
    const addr = await sim.start();
    url = addr.url;
    http = `http://127.0.0.1:${addr.port}`;
  }

  async function connect(path = '/'): Promise<Client> {
    const c = await Client.connect(url + path);
    clients.push(c);
    return c;
  }

  // `any`: each endpoint answers a different shape, and the assertions check it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async function call(path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(http + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : text };
  }

  const state = async () => (await call('/state')).json as SimulatorState;

  /** Pauses and waits until frames already on the wire have arrived. */
  async function pauseAndDrain(c: Client): Promise<void> {
    expect((await call('/pause', {})).json).toEqual({ paused: true });
    let seen = -1;
    while (seen !== c.frames.length) {
      seen = c.frames.length;
      await sleep(100);
    }
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await sim.stop();
  });

  it('greets with a connected status and streams valid, strictly sequenced events', async () => {
    await start();
    const c = await connect('/any/path');
    await until('100 events', () => c.events.length >= 100);
    expect(c.frames[0]).toBe('[{"T":"status","msg":"connected"}]');
    expect(c.problems).toEqual([]);
    const seqs = c.events.map((e) => Number(e.seq));
    expect(seqs.every((s, k) => k === 0 || s > seqs[k - 1]!)).toBe(true);
    expect(new Set(c.events.map((e) => e.kind))).toEqual(new Set(['trade', 'quote']));
    const s = await state();
    expect(s.clients).toBe(1);
    expect(s.paused).toBe(false);
    expect(s.eventsPerSecond).toBe(2000);
    expect(s.seq).toBeGreaterThanOrEqual(seqs.at(-1)!);
  });

  it('filters by subscription', async () => {
    await start();
    const c = await connect();
    const all = await connect();
    await c.subscribe(['AAPL', 'msft']);
    await until('filtered events', () => c.events.length - c.subscribedAt >= 20);
    const after = c.events.slice(c.subscribedAt);
    expect(new Set(after.map((e) => e.ticker))).toEqual(new Set(['AAPL', 'MSFT']));
    expect(new Set(all.events.map((e) => e.ticker)).size).toBeGreaterThan(10);
    expect(c.problems).toEqual([]);
  });

  it('filters from the first frame by the symbols in the connection URL', async () => {
    await start();
    const c = await connect('/?symbols=NVDA,msft');
    await until('filtered events', () => c.events.length >= 30);
    expect(new Set(c.events.map((e) => e.ticker))).toEqual(new Set(['NVDA', 'MSFT']));
    expect(simulatorAdapter.connectUrl!('ws://127.0.0.1:8090', { symbols: ['NVDA', 'MSFT'] })).toBe(
      'ws://127.0.0.1:8090/?symbols=NVDA%2CMSFT',
    );
  });

  it('/pause stops frames, /resume restarts them, /rate changes the rate', async () => {
    await start();
    const c = await connect();
    await until('events', () => c.events.length > 0);
    await pauseAndDrain(c);
    const frames = c.frames.length;
    const seq = (await state()).seq;
    await sleep(300);
    expect(c.frames.length).toBe(frames);
    expect(await state()).toMatchObject({ paused: true, seq });

    expect((await call('/resume', {})).json).toEqual({ paused: false });
    await until('frames after resume', () => c.frames.length > frames);

    expect((await call('/rate', { eventsPerSecond: 0 })).json).toEqual({ eventsPerSecond: 0 });
    await sleep(100);
    const idle = c.frames.length;
    await sleep(300);
    expect(c.frames.length).toBe(idle);
    expect((await call('/rate', { eventsPerSecond: 20_000 })).json).toEqual({
      eventsPerSecond: 20_000,
    });
    // Counted against the time they took, not in a fixed window: on a busy machine the
    // emitter (a token bucket) gets fewer turns, so a window's count says more about the
    // machine than about the rate.
    const t0 = c.events.length;
    const started = performance.now();
    await until('3000 events at the new rate', () => c.events.length - t0 >= 3000, 15_000);
    await sleep(200);
    const seconds = (performance.now() - started) / 1000;
    // Never faster than the rate, give or take one bucket (at most a second's worth).
    expect(c.events.length - t0).toBeLessThanOrEqual(20_000 * (seconds + 1));
    expect((await state()).eventsPerSecond).toBe(20_000);
  });

  it('/spike shows as the next event of the ticker and in /state', async () => {
    await start();
    const c = await connect();
    await until('events', () => c.events.length > 0);
    await pauseAndDrain(c);
    const before = await state();
    const spike = await call('/spike', { ticker: 'aapl', pct: 12 });
    expect(spike.status).toBe(200);
    expect(spike.json).toEqual({
      ticker: 'AAPL',
      from: before.tickers.AAPL!.price,
      to: expect.any(String),
    });
    expect(Number(spike.json.to)).toBeCloseTo(Number(spike.json.from) * 1.12, 1);
    expect((await state()).tickers.AAPL!.price).toBe(spike.json.to);

    await call('/resume', {});
    await until('the spike', () => c.events.some((e) => Number(e.seq) > before.seq));
    const next = c.events.find((e) => e.ticker === 'AAPL' && Number(e.seq) > before.seq);
    expect(next).toMatchObject({ kind: 'trade', price: spike.json.to });
    await pauseAndDrain(c);
    expect((await state()).tickers.AAPL!.lastSent).toEqual(asLastSent(c.lastFor('AAPL')!));
    // Requested spikes default to SIMULATOR_SPIKE_PCT.
    const dflt = (await call('/spike', { ticker: 'MSFT' })).json;
    expect(Number(dflt.to)).toBeCloseTo(Number(dflt.from) * 1.08, 1);
  });

  it('/state lastSent is the last event the client received, per ticker', async () => {
    await start({}, { SIMULATOR_EVENTS_PER_SECOND: '20000' });
    const c = await connect();
    await until('events for every ticker', () => new Set(c.events.map((e) => e.ticker)).size > 40);
    await pauseAndDrain(c);
    const s = await state();
    expect(s.seq).toBe(Number(c.events.at(-1)!.seq));
    for (const [ticker, snap] of Object.entries(s.tickers)) {
      const last = c.lastFor(ticker);
      expect([ticker, snap.lastSent]).toEqual([ticker, last ? asLastSent(last) : null]);
    }
  });

  it('/send-raw broadcasts the exact text and /disconnect drops every client', async () => {
    await start();
    const a = await connect();
    const b = await connect();
    await pauseAndDrain(a);
    const raw = '[{"T":"t","S":"AAPL","p":"oops"}, not json';
    expect((await call('/send-raw', { frame: raw })).json).toEqual({ sent: 2 });
    await until('raw frame', () => a.frames.at(-1) === raw && b.frames.at(-1) === raw);
    expect(a.problems).toEqual([expect.stringMatching(/invalid JSON/)]);

    const lastSeq = (await state()).seq;
    expect((await call('/disconnect', {})).json).toEqual({ disconnected: 2 });
    await until('both closed', () => a.closed !== undefined && b.closed !== undefined);
    expect(a.closed!.code).toBe(1006);
    await until('server saw it', () => sim.state().clients === 0);

    // A reconnecting client continues the feed-wide sequence.
    await call('/resume', {});
    const c = await connect();
    await until('events', () => c.events.length > 0);
    expect(c.frames[0]).toBe('[{"T":"status","msg":"connected"}]');
    expect(Number(c.events[0]!.seq)).toBeGreaterThan(lastSeq);
  });

  it('does not generate (or spend sequence numbers) while nobody is connected', async () => {
    await start();
    await sleep(200);
    expect((await state()).seq).toBe(0);
    const c = await connect();
    await until('events', () => c.events.length > 0);
    expect(c.events[0]!.seq).toBe('1');
  });

  it('/metrics exposes the counters and the client gauge', async () => {
    await start();
    const c = await connect();
    await until('events', () => c.events.length >= 50);
    await call('/spike', { ticker: 'NVDA', pct: 5 });
    await until('spike', () => c.events.some((e) => e.ticker === 'NVDA' && e.kind === 'trade'));
    const res = await fetch(`${http}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^finline_simulator_events_generated_total\{kind="trade"\} [1-9]/m);
    expect(text).toMatch(/^finline_simulator_events_generated_total\{kind="quote"\} [1-9]/m);
    expect(text).toMatch(/^finline_simulator_frames_sent_total [1-9]/m);
    expect(text).toMatch(/^finline_simulator_spikes_total 1$/m);
    expect(text).toMatch(/^finline_simulator_connected_clients 1$/m);
  });

  it('answers bad requests with JSON errors', async () => {
    await start();
    expect(await call('/healthz')).toEqual({ status: 200, json: { status: 'ok' } });
    expect(await call('/nope')).toMatchObject({ status: 404, json: { error: expect.any(String) } });
    expect(await call('/spike', { ticker: 'NOPE' })).toMatchObject({ status: 404 });
    expect(await call('/spike', { ticker: 'AAPL', pct: 'x' })).toMatchObject({ status: 400 });
    expect(await call('/spike', { ticker: 'AAPL', pct: -100 })).toMatchObject({ status: 400 });
    expect(await call('/spike', '{not json')).toMatchObject({ status: 400 });
    expect(await call('/rate', { eventsPerSecond: -1 })).toMatchObject({ status: 400 });
    expect(await call('/send-raw', {})).toMatchObject({ status: 400 });
    expect(await call('/pause')).toMatchObject({ status: 405 });
  });

  it('stops generating while a client is not reading, and resumes when it drains', async () => {
    await start(
      { limits: { highWaterBytes: 256 * 1024 } },
      { SIMULATOR_EVENTS_PER_SECOND: '1000000' },
    );
    const c = await connect();
    await until('events', () => c.events.length > 0);
    c.ws.pause();
    // Fill the kernel buffers and the server's queue; then the sequence must stand still.
    await sleep(1000);
    const a = (await state()).seq;
    await sleep(300);
    expect((await state()).seq).toBe(a);
    expect(await (await fetch(`${http}/metrics`)).text()).toMatch(
      /^finline_simulator_backpressure_waits_total [1-9]/m,
    );
    c.ws.resume();
    // Megabytes of queued frames to parse in this process: long on a busy machine.
    await until(
      'catching up',
      () => c.events.length > 0 && Number(c.events.at(-1)!.seq) >= a,
      30_000,
    );
    await until('generation again', () => sim.state().seq > a, 30_000);
    expect(c.problems).toEqual([]);
  });

  it('stop() closes clients with 1001 and leaves no open handles', async () => {
    const handles = () =>
      process
        .getActiveResourcesInfo()
        .filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap' || r === 'Timeout');
    await sleep(50);
    const baseline = handles().length;
    await start();
    const c = await connect();
    await until('events', () => c.events.length > 0);
    await call('/state');
    await sim.stop();
    await until('client closed', () => c.closed !== undefined);
    expect(c.closed!.code).toBe(1001);
    await expect(Client.connect(url)).rejects.toThrow();
    await until(`handles back to ${baseline}`, () => handles().length <= baseline, 2000);
    // afterEach stops it again: stop() is idempotent.
  });
});
