/**
 * Alpaca market-data v2 stream: every frame is an array. `connected` on open; `auth` with key
 * and secret (`authenticated`, or error 402 and close 1008); subscribe before auth is error
 * 401; `subscribe` / `unsubscribe` with `trades`, `quotes`, `bars` lists (`*` = a small
 * universe) is acknowledged by the whole `subscription`. Data frames hold 1-4 trades (`T:"t"`,
 * rising `i`) and quotes (`T:"q"`), timestamps RFC 3339 with nanoseconds.
 */
import { Clock, STOCK_UNIVERSE, type Instrument } from './market';
import { Session, isRecord, stringList, tryParse, type ProviderSpec } from './server';

const LISTS = ['trades', 'quotes', 'bars'] as const;
type List = (typeof LISTS)[number];
const TAPES: Readonly<Record<string, string>> = {
  SPY: 'B',
  QQQ: 'C',
  JPM: 'A',
  KO: 'A',
  XOM: 'A',
  IBM: 'A',
};

class AlpacaSession extends Session {
  private readonly subs = new Map<List, string[]>(LISTS.map((l) => [l, []]));

  override onOpen(): void {
    this.control([{ T: 'success', msg: 'connected' }]);
  }

  onMessage(text: string): void {
    const msg = tryParse(text);
    if (!isRecord(msg)) {
      this.control([{ T: 'error', code: 400, msg: 'invalid syntax' }]);
      return;
    }
    if (msg.action === 'auth') {
      if (this.info.authenticated) {
        this.control([{ T: 'error', code: 403, msg: 'already authenticated' }]);
        return;
      }
      const want = this.opts.credentials ?? {};
      const ok =
        typeof msg.key === 'string' &&
        msg.key !== '' &&
        typeof msg.secret === 'string' &&
        msg.secret !== '' &&
        (want.key === undefined || msg.key === want.key) &&
        (want.secret === undefined || msg.secret === want.secret);
      if (!ok) {
        this.control([{ T: 'error', code: 402, msg: 'auth failed' }]);
        this.close(1008, 'auth failed');
        return;
      }
      this.info.authenticated = true;
      this.control([{ T: 'success', msg: 'authenticated' }]);
      return;
    }
    if (msg.action !== 'subscribe' && msg.action !== 'unsubscribe') {
      this.control([{ T: 'error', code: 400, msg: 'invalid syntax' }]);
      return;
    }
    if (!this.info.authenticated) {
      this.control([{ T: 'error', code: 401, msg: 'not authenticated' }]);
      return;
    }
    for (const l of LISTS) {
      const cur = this.subs.get(l)!;
      for (const s of stringList(msg[l])) {
        const i = cur.indexOf(s);
        if (msg.action === 'subscribe' && i < 0) cur.push(s);
        if (msg.action === 'unsubscribe' && i >= 0) cur.splice(i, 1);
      }
    }
    this.setSubscribed(LISTS.flatMap((l) => this.subs.get(l)!));
    this.control([
      {
        T: 'subscription',
        trades: [...this.subs.get('trades')!],
        quotes: [...this.subs.get('quotes')!],
        bars: [...this.subs.get('bars')!],
      },
    ]);
  }

  private symbols(list: 'trades' | 'quotes'): readonly string[] {
    const s = this.subs.get(list)!;
    return s.includes('*') ? STOCK_UNIVERSE : s;
  }

  canStream(): boolean {
    return (
      this.info.authenticated && this.symbols('trades').length + this.symbols('quotes').length > 0
    );
  }

  nextFrame(): string {
    const trades = this.symbols('trades');
    const quotes = this.symbols('quotes');
    const events = Array.from({ length: this.market.count(4) }, () => {
      const trade = quotes.length === 0 || (trades.length > 0 && this.market.random() < 0.5);
      const inst = this.market.get(this.market.pick(trade ? trades : quotes));
      inst.step();
      return trade ? this.trade(inst) : this.quote(inst);
    });
    return JSON.stringify(events);
  }

  private time(): string {
    return Clock.rfc3339(this.market.clock.ns(), 9);
  }

  private trade(inst: Instrument): Record<string, unknown> {
    const s = inst.shares();
    return {
      T: 't',
      i: inst.next('i', 10_000, 90_000),
      S: inst.symbol,
      x: 'V',
      p: inst.num(inst.random() < 0.5 ? inst.bid : inst.ask),
      s,
      t: this.time(),
      c: s < 100 ? ['@', 'I'] : ['@'],
      z: TAPES[inst.symbol] ?? 'C',
    };
  }

  private quote(inst: Instrument): Record<string, unknown> {
    return {
      T: 'q',
      S: inst.symbol,
      bx: 'V',
      bp: inst.num(inst.bid),
      bs: inst.lots(),
      ax: 'V',
      ap: inst.num(inst.ask),
      as: inst.lots(),
      t: this.time(),
      c: ['R'],
      z: TAPES[inst.symbol] ?? 'C',
    };
  }
}

export const alpacaSpec: ProviderSpec = {
  kind: 'alpaca',
  urlPath: '',
  createSession: (ctx) => new AlpacaSession(ctx),
};
