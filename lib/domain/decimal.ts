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
    // Number#toString gives the shortest round-trip text; exponent forms are not plain decimals.
    text = String(input);
    if (text.includes('e')) text = input.toFixed(20);
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
  const sum = toScaled(bid, scale) + toScaled(ask, scale);
  return fromScaled(sum / 2n, scale);
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
