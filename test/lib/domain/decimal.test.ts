import { canonicalDecimal, isPositive, midPrice } from '../../../lib/domain';

describe('canonicalDecimal', () => {
  it.each([
    ['37215.40000000', '37215.4'],
    ['0.01250000', '0.0125'],
    [189.71, '189.71'],
    ['007.50', '7.5'],
    ['100', '100'],
    ['-0.000', '0'],
    [1e-7, '0.0000001'],
    [0.1 + 0.2, '0.30000000000000004'],
  ])('%p -> %p', (input, out) => {
    expect(canonicalDecimal(input)).toBe(out);
  });

  it.each([['not-a-number'], [''], ['1e5'], [NaN], [Infinity], [null], [{}], ['1.2.3']])(
    'rejects %p',
    (input) => {
      expect(canonicalDecimal(input)).toBeUndefined();
    },
  );

  it('tells positive from zero and negative', () => {
    expect(isPositive('0.0001')).toBe(true);
    expect(isPositive('0')).toBe(false);
    expect(isPositive('-3')).toBe(false);
  });
});

describe('midPrice', () => {
  it('is exact where binary floats are not', () => {
    expect((189.7 + 189.72) / 2).not.toBe(189.71); // the float surprise this avoids
    expect(midPrice('189.7', '189.72')).toBe('189.71');
    expect(midPrice('0.1', '0.2')).toBe('0.15');
    expect(midPrice('37215.4', '37215.42')).toBe('37215.41');
    expect(midPrice('1', '2')).toBe('1.5');
  });
});

describe('midPrice fast path', () => {
  // Reference: exact (bid + ask) / 2 with BigInt on the digits, whatever their length.
  function reference(bid: string, ask: string): string {
    const frac = (d: string) => (d.includes('.') ? d.split('.')[1]!.length : 0);
    const scale = Math.max(frac(bid), frac(ask)) + 1;
    const scaled = (d: string) => {
      const [i, f = ''] = d.split('.');
      return BigInt(i! + f.padEnd(scale, '0'));
    };
    const half = (scaled(bid) + scaled(ask)) / 2n;
    const digits = half.toString().padStart(scale + 1, '0');
    return canonicalDecimal(`${digits.slice(0, -scale)}.${digits.slice(-scale)}`)!;
  }

  it('equals the BigInt result for short and long prices alike', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const decimalOf = () => {
      const int = String(rnd(10 ** rnd(9)));
      const frac = String(rnd(10 ** rnd(10))).padStart(rnd(10), '0');
      return canonicalDecimal(frac ? `${int}.${frac}` : int)!;
    };
    for (let k = 0; k < 5000; k++) {
      const a = decimalOf();
      const b = decimalOf();
      expect(midPrice(a, b)).toBe(reference(a, b));
    }
    expect(midPrice('123456789012.345678', '0.000000001')).toBe(
      reference('123456789012.345678', '0.000000001'),
    );
  });
});
