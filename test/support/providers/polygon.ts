/**
 * Polygon stocks WebSocket: every frame is an array. `connected` status on open;
 * `{"action":"auth","params":KEY}` gives `auth_success`, or `auth_failed` and close 1008;
 * subscribe before auth gives an error status; `{"action":"subscribe","params":"T.MSFT,Q.MSFT"}`
 * (`T.*` = a small universe) gives one `success` status. Data frames hold 1-4 trades (`ev:"T"`,
 * string id `i` rising) and quotes (`ev:"Q"`), `t` in ms, `q` rising per ticker with gaps.
 */
import { STOCK_UNIVERSE, type Instrument } from './market';
import { Session, isRecord, tryParse, type ProviderSpec } from './server';

const status = (s: string, message: string) => [{ ev: 'status', status: s, message }];
const EXCHANGES = [4, 10, 11, 12, 19];
const TRADE_CONDITIONS: readonly number[][] = [[0], [12], [0, 12], [14, 41], [37]];
/** Polygon tape: 1 NYSE, 2 NYSE American/Arca, 3 Nasdaq. */
const TAPES: Readonly<Record<string, number>> = { SPY: 2, JPM: 1, KO: 1, XOM: 1, IBM: 1 };

class PolygonSession extends Session {
  /** Subscriptions as written, e.g. `T.MSFT`, `Q.*`. */
  private readonly subs: string[] = [];
  /** Server-wide trade id (a string on the wire). */
  private static readonly tradeIds = new WeakMap<object, number>();

  override onOpen(): void {
    this.control(status('connected', 'Connected Successfully'));
  }

  onMessage(text: string): void {
    const msg = tryParse(text);
    if (!isRecord(msg)) {
      this.control(status('error', 'invalid JSON'));
      return;
    }
    if (msg.action === 'auth') {
      const key = this.opts.credentials?.key;
      if (
        typeof msg.params !== 'string' ||
        msg.params === '' ||
        (key !== undefined && msg.params !== key)
      ) {
        this.control(status('auth_failed', 'authentication failed'));
        this.close(1008, 'authentication failed');
        return;
      }
      this.info.authenticated = true;
      this.control(status('auth_success', 'authenticated'));
      return;
    }
    if (msg.action !== 'subscribe' && msg.action !== 'unsubscribe') {
      this.control(status('error', 'unknown action'));
      return;
    }
    if (!this.info.authenticated) {
      this.control(status('error', 'not authorized'));
      return;
    }
    const params = typeof msg.params === 'string' ? msg.params : '';
    const items = params
      .split(',')
      .map((p) => p.trim())
      .filter((p) => /^[A-Z]+\.[A-Za-z0-9.*:]+$/.test(p));
    for (const p of items) {
      const i = this.subs.indexOf(p);
      if (msg.action === 'subscribe' && i < 0) this.subs.push(p);
      if (msg.action === 'unsubscribe' && i >= 0) this.subs.splice(i, 1);
    }
    this.setSubscribed(this.subs.map((s) => s.slice(s.indexOf('.') + 1)));
    this.control(
      status(
        'success',
        `${msg.action === 'subscribe' ? 'subscribed' : 'unsubscribed'} to: ${params}`,
      ),
    );
  }

  private symbols(ev: 'T' | 'Q'): readonly string[] {
    const out = new Set<string>();
    for (const s of this.subs) {
      if (!s.startsWith(`${ev}.`)) continue;
      const sym = s.slice(2);
      if (sym === '*') STOCK_UNIVERSE.forEach((u) => out.add(u));
      else out.add(sym);
    }
    return [...out];
  }

  canStream(): boolean {
    return this.info.authenticated && this.symbols('T').length + this.symbols('Q').length > 0;
  }

  nextFrame(): string {
    const trades = this.symbols('T');
    const quotes = this.symbols('Q');
    const events = Array.from({ length: this.market.count(4) }, () => {
      const trade = quotes.length === 0 || (trades.length > 0 && this.market.random() < 0.5);
      const inst = this.market.get(this.market.pick(trade ? trades : quotes));
      inst.step();
      return trade ? this.trade(inst) : this.quote(inst);
    });
    return JSON.stringify(events);
  }

  private tradeId(inst: Instrument): string {
    const prev = PolygonSession.tradeIds.get(this.market);
    const id =
      prev === undefined
        ? 52_983_525_000_000 + Math.floor(this.market.random() * 1_000_000)
        : prev + 1 + Math.floor(inst.random() * 40);
    PolygonSession.tradeIds.set(this.market, id);
    return String(id);
  }

  private trade(inst: Instrument): Record<string, unknown> {
    return {
      ev: 'T',
      sym: inst.symbol,
      x: inst.pick(EXCHANGES),
      i: this.tradeId(inst),
      z: TAPES[inst.symbol] ?? 3,
      p: inst.num(inst.random() < 0.5 ? inst.bid : inst.ask),
      s: inst.shares(),
      c: inst.pick(TRADE_CONDITIONS),
      t: this.market.clock.ms(),
      q: inst.next('q', 1_000, 50_000_000, 50),
    };
  }

  private quote(inst: Instrument): Record<string, unknown> {
    return {
      ev: 'Q',
      sym: inst.symbol,
      bx: inst.pick(EXCHANGES),
      bp: inst.num(inst.bid),
      bs: inst.lots(),
      ax: inst.pick(EXCHANGES),
      ap: inst.num(inst.ask),
      as: inst.lots(),
      c: 0,
      i: [604],
      t: this.market.clock.ms(),
      q: inst.next('q', 1_000, 50_000_000, 50),
      z: TAPES[inst.symbol] ?? 3,
    };
  }
}

export const polygonSpec: ProviderSpec = {
  kind: 'polygon',
  urlPath: '',
  createSession: (ctx) => new PolygonSession(ctx),
};
