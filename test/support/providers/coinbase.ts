/**
 * Coinbase Exchange WebSocket feed: a `subscribe` must arrive within `subscribeDeadlineMs`
 * (5 s); channels `ticker`, `matches` (first message per product `last_match`) and
 * `heartbeat` (every `keepaliveMs`, with `last_trade_id`). Prices and sizes are strings, `time`
 * is RFC 3339 with microseconds, `sequence` and `trade_id` rise per product.
 */
import { Clock, type Instrument } from './market';
import {
  Session,
  isRecord,
  stringList,
  tryParse,
  type ProviderSpec,
  type SessionContext,
} from './server';

export const COINBASE_PRODUCTS: readonly string[] = [
  'BTC-USD',
  'ETH-USD',
  'SOL-USD',
  'LTC-USD',
  'DOGE-USD',
  'ADA-USD',
  'AVAX-USD',
  'LINK-USD',
  'XRP-USD',
  'BTC-EUR',
  'ETH-EUR',
  'ETH-BTC',
];
const CHANNELS = ['ticker', 'matches', 'heartbeat'] as const;
type Channel = (typeof CHANNELS)[number];

const TRADE_ID = ['trade', 100_000_000, 500_000_000] as const;
const SEQUENCE = ['seq', 10_000_000_000, 60_000_000_000] as const;

class CoinbaseSession extends Session {
  private readonly subs = new Map<Channel, Set<string>>(CHANNELS.map((c) => [c, new Set()]));

  override onOpen(): void {
    this.info.authenticated = true;
    const ms = this.opts.subscribeDeadlineMs ?? 5000;
    this.setTimer(ms, () => {
      if (this.everSubscribed) return;
      this.control({
        type: 'error',
        message: 'Failed to subscribe',
        reason: `no subscribe message received within ${ms} ms`,
      });
      this.close(1008, 'subscribe timeout');
    });
  }

  onMessage(text: string): void {
    const msg = tryParse(text);
    if (!isRecord(msg)) {
      this.control({ type: 'error', message: 'Malformed JSON' });
      return;
    }
    if (msg.type !== 'subscribe' && msg.type !== 'unsubscribe') {
      this.control({ type: 'error', message: 'Failed to subscribe', reason: 'Invalid type' });
      return;
    }
    const topProducts = stringList(msg.product_ids);
    const wanted: [Channel, string[]][] = [];
    if (!Array.isArray(msg.channels) || msg.channels.length === 0) {
      this.control({
        type: 'error',
        message: 'Failed to subscribe',
        reason: 'No channels provided',
      });
      return;
    }
    for (const c of msg.channels as unknown[]) {
      const name = typeof c === 'string' ? c : isRecord(c) ? c.name : undefined;
      const products = isRecord(c) && 'product_ids' in c ? stringList(c.product_ids) : topProducts;
      if (typeof name !== 'string' || !(CHANNELS as readonly string[]).includes(name)) {
        this.control({
          type: 'error',
          message: 'Failed to subscribe',
          reason: `${String(name)} is not a valid channel`,
        });
        return;
      }
      const invalid = products.find((p) => !COINBASE_PRODUCTS.includes(p));
      if (invalid !== undefined || products.length === 0) {
        this.control({
          type: 'error',
          message: 'Failed to subscribe',
          reason:
            invalid !== undefined ? `${invalid} is not a valid product` : 'No product ids provided',
        });
        return;
      }
      wanted.push([name as Channel, products]);
    }
    const newMatches: string[] = [];
    for (const [channel, products] of wanted) {
      const set = this.subs.get(channel)!;
      for (const p of products) {
        if (msg.type === 'unsubscribe') set.delete(p);
        else if (!set.has(p)) {
          set.add(p);
          if (channel === 'matches') newMatches.push(p);
        }
      }
    }
    const all = new Set<string>();
    for (const set of this.subs.values()) for (const p of set) all.add(p);
    this.setSubscribed(all);
    this.control({
      type: 'subscriptions',
      channels: CHANNELS.filter((c) => this.subs.get(c)!.size > 0).map((c) => ({
        name: c,
        product_ids: [...this.subs.get(c)!],
      })),
    });
    // The first message on `matches` is the product's last trade, as `last_match`.
    for (const p of newMatches) this.data(JSON.stringify(this.match(this.market.get(p), true)));
  }

  private pairs(): [Channel, string][] {
    const out: [Channel, string][] = [];
    for (const c of ['ticker', 'matches'] as const)
      for (const p of this.subs.get(c)!) out.push([c, p]);
    return out;
  }

  canStream(): boolean {
    return this.pairs().length > 0;
  }

  nextFrame(): string {
    const [channel, product] = this.market.pick(this.pairs());
    const inst = this.market.get(product);
    inst.step();
    return JSON.stringify(channel === 'ticker' ? this.ticker(inst) : this.match(inst, false));
  }

  private time(): string {
    return Clock.rfc3339(this.market.clock.ns(), 6);
  }

  private size(inst: Instrument): string {
    const q = inst.cryptoQty();
    inst.volume += q;
    return q.toFixed(8);
  }

  private ticker(inst: Instrument): Record<string, unknown> {
    const buy = inst.random() < 0.5;
    const size = this.size(inst);
    return {
      type: 'ticker',
      sequence: inst.next(...SEQUENCE, 4),
      product_id: inst.symbol,
      price: inst.str(buy ? inst.ask : inst.bid),
      open_24h: inst.str(inst.open),
      volume_24h: (18_000 + inst.volume).toFixed(8),
      low_24h: inst.str(inst.low),
      high_24h: inst.str(inst.high),
      volume_30d: (410_000 + inst.volume).toFixed(8),
      best_bid: inst.str(inst.bid),
      best_bid_size: inst.cryptoQty().toFixed(8),
      best_ask: inst.str(inst.ask),
      best_ask_size: inst.cryptoQty().toFixed(8),
      side: buy ? 'buy' : 'sell',
      time: this.time(),
      trade_id: inst.next(...TRADE_ID),
      last_size: size,
    };
  }

  private match(inst: Instrument, last: boolean): Record<string, unknown> {
    const makerSells = inst.random() < 0.5;
    return {
      type: last ? 'last_match' : 'match',
      trade_id: inst.next(...TRADE_ID),
      maker_order_id: this.market.uuid(),
      taker_order_id: this.market.uuid(),
      side: makerSells ? 'sell' : 'buy',
      size: this.size(inst),
      price: inst.str(makerSells ? inst.ask : inst.bid),
      product_id: inst.symbol,
      sequence: inst.next(...SEQUENCE, 4),
      time: this.time(),
    };
  }

  override keepalive(): void {
    for (const p of this.subs.get('heartbeat')!) {
      const inst = this.market.get(p);
      this.control({
        type: 'heartbeat',
        sequence: inst.next(...SEQUENCE),
        last_trade_id: inst.peek(...TRADE_ID),
        product_id: p,
        time: this.time(),
      });
    }
  }
}

export const coinbaseSpec: ProviderSpec = {
  kind: 'coinbase',
  urlPath: '',
  keepaliveMs: (opts) => opts.keepaliveMs ?? 1000,
  createSession: (ctx: SessionContext) => new CoinbaseSession(ctx),
};
