/**
 * Binance spot WebSocket streams: `/ws` (raw frames) and `/stream` (combined
 * `{"stream","data"}` frames); streams may also be named in the path (`/ws/btcusdt@trade`) or
 * query (`/stream?streams=a/b`). SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS; `trade` and
 * `bookTicker` streams carry data, other streams are accepted and stay quiet.
 */
import type { Instrument } from './market';
import {
  Session,
  isRecord,
  stringList,
  tryParse,
  type ProviderSpec,
  type SessionContext,
} from './server';

const DATA_STREAMS = new Set(['trade', 'bookTicker']);

/** `BTCUSDT@BOOKTICKER` -> `btcusdt@bookTicker`; undefined when not `<symbol>@<name>`. */
function canonicalStream(name: string): string | undefined {
  const m = /^([a-zA-Z0-9]+)@([a-zA-Z0-9_@]+)$/.exec(name);
  if (!m) return undefined;
  const kind = m[2]!.toLowerCase() === 'bookticker' ? 'bookTicker' : m[2]!;
  return `${m[1]!.toLowerCase()}@${kind}`;
}

class BinanceSession extends Session {
  private readonly combined: boolean;
  private readonly streams: string[] = [];

  constructor(ctx: SessionContext) {
    super(ctx);
    const url = new URL(ctx.req.url ?? '/', 'http://localhost');
    this.combined = url.pathname.startsWith('/stream');
    const fromPath = url.pathname.split('/').slice(2).join('/');
    const initial = [
      ...fromPath.split('/'),
      ...(url.searchParams.get('streams') ?? '').split('/'),
    ].filter((s) => s !== '');
    this.info.authenticated = true;
    this.add(initial);
  }

  private add(names: string[]): void {
    for (const n of names) {
      const s = canonicalStream(n);
      if (s && !this.streams.includes(s)) this.streams.push(s);
    }
    this.setSubscribed(this.streams.map((s) => s.split('@')[0]!.toUpperCase()));
  }

  onMessage(text: string): void {
    const msg = tryParse(text);
    if (!isRecord(msg)) {
      this.control({ error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' } });
      return;
    }
    const id = msg.id ?? null;
    const params = stringList(msg.params);
    switch (msg.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        const bad = params.find((p) => canonicalStream(p) === undefined);
        if (bad !== undefined || !Array.isArray(msg.params)) {
          this.control({ error: { code: 2, msg: `Invalid request: invalid stream ${bad}` }, id });
          return;
        }
        if (msg.method === 'SUBSCRIBE') this.add(params);
        else {
          const drop = new Set(params.map((p) => canonicalStream(p)));
          const keep = this.streams.filter((s) => !drop.has(s));
          this.streams.length = 0;
          this.add(keep);
        }
        this.control({ result: null, id });
        return;
      }
      case 'LIST_SUBSCRIPTIONS':
        this.control({ result: [...this.streams], id });
        return;
      default:
        this.control({ error: { code: 2, msg: 'Invalid request: unknown variant' }, id });
    }
  }

  private dataStreams(): string[] {
    return this.streams.filter((s) => DATA_STREAMS.has(s.split('@')[1]!));
  }

  canStream(): boolean {
    return this.dataStreams().length > 0;
  }

  nextFrame(): string {
    const stream = this.market.pick(this.dataStreams());
    const [sym, kind] = stream.split('@') as [string, string];
    const inst = this.market.get(sym.toUpperCase());
    inst.step();
    const event = kind === 'trade' ? this.trade(inst) : this.bookTicker(inst);
    return JSON.stringify(this.combined ? { stream, data: event } : event);
  }

  private trade(inst: Instrument): Record<string, unknown> {
    const buyerMaker = inst.random() < 0.5;
    const T = this.market.clock.ms();
    return {
      e: 'trade',
      E: T + Math.floor(inst.random() * 3),
      s: inst.symbol,
      t: inst.next('t', 1_000_000_000, 2_000_000_000),
      p: inst.str(buyerMaker ? inst.bid : inst.ask, 8),
      q: inst.cryptoQty().toFixed(8),
      T,
      m: buyerMaker,
      M: true,
    };
  }

  private bookTicker(inst: Instrument): Record<string, unknown> {
    return {
      u: inst.next('u', 10_000_000_000, 30_000_000_000, 5),
      s: inst.symbol,
      b: inst.str(inst.bid, 8),
      B: inst.cryptoQty().toFixed(8),
      a: inst.str(inst.ask, 8),
      A: inst.cryptoQty().toFixed(8),
    };
  }
}

export const binanceSpec: ProviderSpec = {
  kind: 'binance',
  urlPath: '/ws',
  checkUpgrade(req) {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (/^\/(ws|stream)(\/|$)/.test(path)) return undefined;
    return { status: 404, body: '{"code":-1,"msg":"Not found"}' };
  },
  createSession: (ctx) => new BinanceSession(ctx),
};
