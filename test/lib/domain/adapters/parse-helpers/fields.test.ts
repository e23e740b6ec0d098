import { z } from 'zod';
import { symbol } from '../../../../../lib/domain/adapters/parse-helpers';
import { simulatorAdapter } from '../../../../../lib/domain';

const reasonOf = (schema: z.ZodType, value: unknown): string | undefined => {
  const r = schema.safeParse(value);
  return r.success ? undefined : r.error.issues[0]?.message;
};

describe('symbol()', () => {
  const s = symbol('symbol s');

  it('gives the canonical ticker', () => {
    expect(s.parse('btcusdt')).toBe('BTCUSDT');
    expect(s.parse('BRK.A')).toBe('BRK.A');
  });

  it('refuses what breaks the ticker rule, saying which rule', () => {
    const rule = '(must be 1-32 characters of A-Z a-z 0-9 . : / _ - without "..")';
    expect(reasonOf(s, '*')).toBe(`invalid symbol s: "*" ${rule}`);
    expect(reasonOf(s, '../../ETC')).toBe(`invalid symbol s: "../../ETC" ${rule}`);
    expect(reasonOf(s, 'BTCUSDT\u0000')).toBe(`invalid symbol s: "BTCUSDT\\u0000" ${rule}`);
    expect(reasonOf(s, 'X'.repeat(10_000))).toBe(`invalid symbol s: "${'X'.repeat(59)}… ${rule}`);
    expect(reasonOf(s, '')).toBe('invalid symbol s: ""');
    expect(reasonOf(s, undefined)).toBe('missing symbol s');
  });

  it('keeps a fixed reason for a missing symbol when asked (the simulator format)', () => {
    const t = (S: unknown) =>
      simulatorAdapter.normalize(
        JSON.stringify({ T: 't', S, p: 1, s: 1, t: 1700000000000, i: 1 }),
        {
          feed: 'sim',
          sectors: new Map(),
          recvTs: 1,
        },
      );
    expect(t('')).toEqual({ ok: false, reason: 'missing symbol S' });
    expect(t('ÄÖÜ😀')).toEqual({
      ok: false,
      reason:
        'invalid symbol S: "ÄÖÜ😀" (must be 1-32 characters of A-Z a-z 0-9 . : / _ - without "..")',
    });
  });
});
