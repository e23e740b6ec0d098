/**
 * REST ticker endpoints: Binance `GET /api/v3/ticker/bookTicker` and `/api/v3/ticker/price`
 * (`?symbol=X`, `?symbols=["X","Y"]`, or none for all symbols as an array) and Coinbase
 * `GET /products/{id}/ticker`. Each request for a symbol moves its price one seeded step;
 * Coinbase's `trade_id` rises whenever the price changed.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Clock, Market, type Instrument } from './market';
import type { FakeRest, FakeRestOptions } from './types';

const DEFAULT_SYMBOLS = [
  'BTCUSDT',
  'ETHUSDT',
  'SOLUSDT',
  'BNBUSDT',
  'BTC-USD',
  'ETH-USD',
  'SOL-USD',
];
const BINANCE_SYMBOL = /^[A-Z0-9\-_.]{1,20}$/;
const TRADE_ID = ['trade', 100_000_000, 500_000_000] as const;

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

class RestServer implements FakeRest {
  url = '';
  readonly requests: { path: string; at: number }[] = [];
  private failing: number | undefined;
  private readonly market: Market;
  private readonly binance: string[];
  private readonly coinbase: string[];
  /** Coinbase: the price (ticks) each product's trade_id was issued at. */
  private readonly lastPrice = new Map<string, number>();
  private readonly server = createServer((req, res) => this.handle(req, res));

  constructor(opts: FakeRestOptions) {
    this.market = new Market(opts.seed ?? 1);
    const symbols = opts.symbols ?? DEFAULT_SYMBOLS;
    this.binance = symbols.filter((s) => !s.includes('-'));
    this.coinbase = symbols.filter((s) => s.includes('-'));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  setFailing(status: number | undefined): void {
    this.failing = status;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    this.requests.push({ path, at: Date.now() });
    const url = new URL(path, 'http://localhost');
    let reply: Reply;
    try {
      reply = this.route(req.method ?? 'GET', url);
    } catch (err) {
      reply = { status: 500, body: { message: String(err) } };
    }
    const body = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      ...reply.headers,
    });
    res.end(body);
  }

  private route(method: string, url: URL): Reply {
    const isBinance = url.pathname.startsWith('/api/');
    if (this.failing !== undefined) return this.failure(this.failing, isBinance);
    if (method !== 'GET') {
      return isBinance
        ? { status: 405, body: { code: -1000, msg: 'Method not allowed.' } }
        : { status: 405, body: { message: 'Method Not Allowed' } };
    }
    const kind = /^\/api\/v3\/ticker\/(bookTicker|price)$/.exec(url.pathname)?.[1];
    if (kind) return this.binanceTicker(kind as 'bookTicker' | 'price', url.searchParams);
    const product = /^\/products\/([^/]+)\/ticker$/.exec(url.pathname)?.[1];
    if (product !== undefined) return this.coinbaseTicker(decodeURIComponent(product));
    return isBinance
      ? { status: 404, body: { code: -1000, msg: 'Not found.' } }
      : { status: 404, body: { message: 'NotFound' } };
  }

  private failure(status: number, isBinance: boolean): Reply {
    const headers: Record<string, string> = status === 429 ? { 'Retry-After': '1' } : {};
    const text = STATUS_CODES[status] ?? 'Error';
    if (!isBinance) return { status, body: { message: text }, headers };
    const code = status === 429 ? -1003 : -1000;
    return { status, body: { code, msg: `An unknown error occurred (${text}).` }, headers };
  }

  private binanceTicker(kind: 'bookTicker' | 'price', q: URLSearchParams): Reply {
    let symbols: string[];
    const one = q.get('symbol');
    const many = q.get('symbols');
    if (one !== null) {
      if (!BINANCE_SYMBOL.test(one)) {
        return {
          status: 400,
          body: {
            code: -1100,
            msg: "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.",
          },
        };
      }
      symbols = [one];
    } else if (many !== null) {
      const parsed = (() => {
        try {
          return JSON.parse(many) as unknown;
        } catch {
          return undefined;
        }
      })();
      if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) {
        return {
          status: 400,
          body: { code: -1100, msg: "Illegal characters found in parameter 'symbols'." },
        };
      }
      symbols = parsed;
    } else {
      symbols = this.binance;
    }
    if (symbols.some((s) => !this.binance.includes(s))) {
      return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
    }
    const rows = symbols.map((s) => {
      const inst = this.market.get(s);
      inst.step();
      return kind === 'price'
        ? { symbol: s, price: inst.str(inst.random() < 0.5 ? inst.bid : inst.ask, 8) }
        : {
            symbol: s,
            bidPrice: inst.str(inst.bid, 8),
            bidQty: inst.cryptoQty().toFixed(8),
            askPrice: inst.str(inst.ask, 8),
            askQty: inst.cryptoQty().toFixed(8),
          };
    });
    return { status: 200, body: one !== null ? rows[0] : rows };
  }

  private coinbaseTicker(product: string): Reply {
    if (!this.coinbase.includes(product)) return { status: 404, body: { message: 'NotFound' } };
    const inst: Instrument = this.market.get(product);
    inst.step();
    const price = inst.random() < 0.5 ? inst.bid : inst.ask;
    const tradeId =
      this.lastPrice.get(product) === price ? inst.peek(...TRADE_ID) : inst.next(...TRADE_ID, 20);
    this.lastPrice.set(product, price);
    const size = inst.cryptoQty();
    inst.volume += size;
    return {
      status: 200,
      body: {
        ask: inst.str(inst.ask),
        bid: inst.str(inst.bid),
        volume: (18_000 + inst.volume).toFixed(8),
        trade_id: tradeId,
        price: inst.str(price),
        size: size.toFixed(8),
        time: Clock.rfc3339(this.market.clock.ns(), 6),
        rfq_volume: (12 + inst.volume / 100).toFixed(8),
      },
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function startFakeRest(opts: FakeRestOptions = {}): Promise<FakeRest> {
  const server = new RestServer(opts);
  await server.listen();
  return server;
}
