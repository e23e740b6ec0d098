/**
 * Canonical decimal strings. Providers send prices as strings ("37215.40000000") or JSON
 * numbers (189.71); both are kept as the shortest exact decimal text so that nothing is
 * rounded in transit and equal prices compare equal as strings.
 */

const DECIMAL = /^-?(\d+)(\.\d+)?$/;

/** Returns the canonical form of a decimal, or undefined if it is not a finite plain decimal. */
export function canonicalDecimal(input: unknown): string | undefined {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    // Number#toString gives the shortest round-trip text: already canonical (no leading or
    // trailing zeros) unless it is an exponent form or negative zero. The hot path of every
    // JSON-number price.
    text = String(input);
    if (!text.includes('e')) return text === '-0' ? '0' : text;
    text = input.toFixed(20);
  } else if (typeof input === 'string') {
    text = input.trim();
  } else {
    return undefined;
  }
  const m = DECIMAL.exec(text);
  if (!m) return undefined;
  let [intPart, frac] = [m[1] ?? '0', (m[2] ?? '').slice(1)];
  intPart = intPart.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const negative = text.startsWith('-') && (intPart !== '0' || frac !== '');
  return `${negative ? '-' : ''}${intPart}${frac ? `.${frac}` : ''}`;
}

/** True when a canonical decimal is strictly positive. */
export function isPositive(decimal: string): boolean {
  return !decimal.startsWith('-') && /[1-9]/.test(decimal);
}

/**
 * Mid price of a quote as a canonical decimal, computed exactly with BigInt so that
 * (bid + ask) / 2 has no binary-float error.
 */
export function midPrice(bid: string, ask: string): string {
  const scale = Math.max(fractionDigits(bid), fractionDigits(ask)) + 1;
  // Scaled to integers, both sums are exact in a double below 2^53 (15 digits, with room for
  // the addition); BigInt, several times slower, only for longer prices.
  if (bid.length + scale <= 16 && ask.length + scale <= 16) {
    const sum = toScaledNumber(bid, scale) + toScaledNumber(ask, scale);
    return fromScaled(BigInt(sum / 2), scale);
  }
  const sum = toScaled(bid, scale) + toScaled(ask, scale);
  return fromScaled(sum / 2n, scale);
}

/** Like toScaled, as a Number; callers keep the digits under 16. */
function toScaledNumber(d: string, scale: number): number {
  const neg = d.startsWith('-');
  const dot = d.indexOf('.');
  const int = dot < 0 ? d : d.slice(0, dot);
  const frac = dot < 0 ? '' : d.slice(dot + 1);
  const v = Number((neg ? int.slice(1) : int) + frac.padEnd(scale, '0'));
  return neg ? -v : v;
}

function fractionDigits(d: string): number {
  const dot = d.indexOf('.');
  return dot < 0 ? 0 : d.length - dot - 1;
}

function toScaled(d: string, scale: number): bigint {
  const neg = d.startsWith('-');
  const [i = '0', f = ''] = (neg ? d.slice(1) : d).split('.');
  const v = BigInt(i + f.padEnd(scale, '0'));
  return neg ? -v : v;
}

function fromScaled(v: bigint, scale: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return canonicalDecimal((neg ? '-' : '') + text) ?? '0';
}

/**
 * Compares two plain decimals exactly: -1, 0 or 1 as `a` is below, equal to or above `b`.
 * Works on the text (no float, no allocation), so "100.000000000000001" is above "100";
 * leading and trailing zeros and "-0" are allowed.
 */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const sa = signOf(a);
  const sb = signOf(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  const m = compareMagnitude(a, sa < 0 ? 1 : 0, b, sb < 0 ? 1 : 0);
  return sa < 0 ? ((-m || 0) as -1 | 0 | 1) : m;
}

function signOf(d: string): -1 | 0 | 1 {
  for (let i = 0; i < d.length; i++) {
    const c = d.charCodeAt(i);
    if (c > 48 && c <= 57) return d.charCodeAt(0) === 45 ? -1 : 1;
  }
  return 0;
}

/** Compares |x| and |y|, whose digits start at xs and ys. */
function compareMagnitude(x: string, xs: number, y: string, ys: number): -1 | 0 | 1 {
  let xd = x.indexOf('.', xs);
  let yd = y.indexOf('.', ys);
  if (xd < 0) xd = x.length;
  if (yd < 0) yd = y.length;
  while (xs < xd - 1 && x.charCodeAt(xs) === 48) xs++;
  while (ys < yd - 1 && y.charCodeAt(ys) === 48) ys++;
  if (xd - xs !== yd - ys) return xd - xs < yd - ys ? -1 : 1;
  for (let i = 0; i < xd - xs; i++) {
    const cx = x.charCodeAt(xs + i);
    const cy = y.charCodeAt(ys + i);
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
  const xf = Math.max(0, x.length - xd - 1);
  const yf = Math.max(0, y.length - yd - 1);
  for (let i = 0; i < Math.max(xf, yf); i++) {
    const cx = i < xf ? x.charCodeAt(xd + 1 + i) : 48;
    const cy = i < yf ? y.charCodeAt(yd + 1 + i) : 48;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
  return 0;
}
