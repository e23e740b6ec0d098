import sectors from '../reference/sectors.json';

/** One tradable instrument and the parameters of its random walk. */
export interface TickerSpec {
  readonly ticker: string;
  readonly sector: string;
  /** Starting price in dollars (rounded to the 0.01 tick by the market). */
  readonly basePrice: number;
  /** Standard deviation of the log return per event of this ticker. */
  readonly volatility: number;
  /** Crypto trades in fractions of a coin; equities in whole shares. */
  readonly fractional: boolean;
}

/**
 * Late-2023 prices, so that the numbers in dashboards and tests look like a real tape.
 * Both spellings of a crypto pair (BTC-USD, BTCUSDT) are listed because sectors.json has both.
 */
export const BASE_PRICES: Readonly<Record<string, number>> = {
  AAPL: 190,
  ABBV: 145,
  ADBE: 600,
  AMD: 120,
  AMZN: 145,
  AVGO: 950,
  BA: 230,
  BAC: 30,
  'BTC-USD': 37000,
  BTCUSDT: 37000,
  CAT: 250,
  COP: 115,
  COST: 590,
  CRM: 250,
  CVX: 145,
  DIS: 92,
  DUK: 90,
  'ETH-USD': 2000,
  ETHUSDT: 2000,
  GE: 120,
  GOOGL: 135,
  GS: 340,
  HD: 310,
  HON: 195,
  JNJ: 155,
  JPM: 155,
  KO: 58,
  LLY: 590,
  MA: 410,
  MCD: 285,
  META: 330,
  MRK: 105,
  MS: 80,
  MSFT: 375,
  NEE: 58,
  NFLX: 475,
  NKE: 110,
  NVDA: 480,
  ORCL: 115,
  PEP: 170,
  PFE: 30,
  PG: 150,
  'SOL-USD': 60,
  T: 16.5,
  TSLA: 240,
  UNH: 540,
  V: 255,
  VZ: 38,
  WFC: 45,
  WMT: 160,
  XOM: 103,
};

/**
 * Per-event log-return volatility by sector. Ordered like the real market (crypto wildest,
 * utilities and staples calmest) and small enough that the anomaly detector's z-score rarely
 * fires on the plain walk, so that the spikes are what it finds.
 */
export const SECTOR_VOLATILITY: Readonly<Record<string, number>> = {
  Crypto: 0.0012,
  Technology: 0.0006,
  'Consumer Discretionary': 0.0006,
  'Communication Services': 0.0005,
  Financials: 0.0005,
  Energy: 0.0005,
  Healthcare: 0.0004,
  Industrials: 0.0004,
  'Consumer Staples': 0.00025,
  Utilities: 0.0002,
};

/** Used for a ticker or sector added to sectors.json before this file learns about it. */
export const DEFAULT_BASE_PRICE = 100;
export const DEFAULT_VOLATILITY = 0.0005;

/** Builds the ticker list from a ticker → sector map, sorted by ticker for a stable order. */
export function buildUniverse(tickerSectors: Readonly<Record<string, string>>): TickerSpec[] {
  return Object.keys(tickerSectors)
    .sort()
    .map((raw) => {
      const ticker = raw.toUpperCase();
      const sector = tickerSectors[raw] ?? 'Unknown';
      return {
        ticker,
        sector,
        basePrice: BASE_PRICES[ticker] ?? DEFAULT_BASE_PRICE,
        volatility: SECTOR_VOLATILITY[sector] ?? DEFAULT_VOLATILITY,
        fractional: sector === 'Crypto',
      };
    });
}

/** The simulator's instruments: every ticker of reference/sectors.json. */
export const UNIVERSE: readonly TickerSpec[] = buildUniverse(sectors);
