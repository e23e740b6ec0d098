/**
 * Finnhub WebSocket: the token is in the URL query (`?token=`), a missing or wrong one fails
 * the handshake with HTTP 401. `{"type":"subscribe","symbol":..}` per symbol, no ack; frames
 * `{"data":[...],"type":"trade"}` with 1-5 trades (numbers, ms timestamps, no trade id) and
 * `{"type":"ping"}` every `keepaliveMs`.
 */
import type { Instrument } from './market';
import { Session, isRecord, tryParse, type ProviderSpec, type SessionContext } from './server';

const STOCK_CONDITIONS: readonly (string[] | null)[] = [
  null,
  null,
  ['1'],
  ['1', '12'],
  ['1', '24'],
];

class FinnhubSession extends Session {
  private readonly symbols: string[] = [];
  /** Per symbol: the ms of its last trade and the price|volume keys used in that ms. */
  private static readonly lastKeys = new WeakMap<Instrument, { t: number; keys: Set<string> }>();

  constructor(ctx: SessionContext) {
    super(ctx);
    this.info.authenticated = true;
  }

  onMessage(text: string): void {
    const msg = tryParse(text);
    if (!isRecord(msg) || typeof msg.symbol !== 'string' || msg.symbol === '') {
      this.control({ type: 'error', msg: 'Invalid message' });
      return;
    }
    if (msg.type === 'subscribe') {
      if (!this.symbols.includes(msg.symbol)) this.symbols.push(msg.symbol);
    } else if (msg.type === 'unsubscribe') {
      const i = this.symbols.indexOf(msg.symbol);
      if (i >= 0) this.symbols.splice(i, 1);
    } else {
      this.control({ type: 'error', msg: 'Invalid message' });
      return;
    }
    this.setSubscribed(this.symbols);
  }

  canStream(): boolean {
    return this.symbols.length > 0;
  }

  nextFrame(): string {
    const data = Array.from({ length: this.market.count(5) }, () =>
      this.trade(this.market.get(this.market.pick(this.symbols))),
    );
    return JSON.stringify({ data, type: 'trade' });
  }

  private trade(inst: Instrument): Record<string, unknown> {
    inst.step();
    const p = inst.num(inst.random() < 0.5 ? inst.bid : inst.ask);
    const t = this.market.clock.ms();
    let v = inst.cls === 'crypto' ? Math.round(inst.cryptoQty() * 1e6) / 1e6 : inst.shares();
    // Finnhub has no trade id: keep (symbol, t, p, v) unique so no two events are identical.
    let last = FinnhubSession.lastKeys.get(inst);
    if (!last || last.t !== t) {
      last = { t, keys: new Set() };
      FinnhubSession.lastKeys.set(inst, last);
    }
    const bump = inst.cls === 'crypto' ? 0.000001 : 1;
    while (last.keys.has(`${p}|${v}`)) v = Math.round((v + bump) * 1e6) / 1e6;
    last.keys.add(`${p}|${v}`);
    return inst.cls === 'crypto'
      ? { p, s: inst.symbol, t, v }
      : { c: inst.pick(STOCK_CONDITIONS), p, s: inst.symbol, t, v };
  }

  override keepalive(): void {
    this.control({ type: 'ping' });
  }
}

export const finnhubSpec: ProviderSpec = {
  kind: 'finnhub',
  urlPath: '',
  keepaliveMs: (opts) => opts.keepaliveMs ?? 2000,
  checkUpgrade(req, opts) {
    const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
    const expected = opts.credentials?.token;
    if (token === '' || (expected !== undefined && token !== expected)) {
      return { status: 401, body: '{"error":"Invalid API key"}' };
    }
    return undefined;
  },
  createSession: (ctx) => new FinnhubSession(ctx),
};
