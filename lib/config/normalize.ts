import { int, num, section, setting } from './setting';

/**
 * Input limits of the normalize stage (lib/domain `InputLimits`): a tick outside them is
 * dead-lettered with the reason. The defaults are far beyond any real instrument (BRK.A near
 * 10^6, bitcoin priced in rials near 10^11; meme-coin trades of 10^17 units; 18 decimals of
 * ERC-20 tokens), so they only stop garbage: a price of 10^38 would make anomaly statistics
 * of 10^35.
 */
export const normalize = section('Normalize', {
  maxPrice: setting(
    'NORMALIZE_MAX_PRICE',
    num(1e15, 1),
    'highest price, bid or ask accepted; above it an event is dead-lettered (prices up to it stay integers in a double)',
  ),
  maxSize: setting(
    'NORMALIZE_MAX_SIZE',
    num(1e18, 1),
    'highest trade size accepted; above it an event is dead-lettered',
  ),
  maxDigits: setting(
    'NORMALIZE_MAX_DIGITS',
    int(30, 1, 1000),
    'most significant digits (from the first non-zero digit) of a price, bid, ask or size',
  ),
  maxFractionDigits: setting(
    'NORMALIZE_MAX_FRACTION_DIGITS',
    int(18, 0, 1000),
    'most decimals of a price, bid, ask or size (18: the finest unit of ERC-20 tokens)',
  ),
});
