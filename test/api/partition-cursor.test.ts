import {
  cutAbove,
  cutBelow,
  decodeCut,
  DONE,
  encodeCut,
  listCut,
  previousStreamId,
  resumeCut,
} from '../../api/partition-cursor';

const text = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const code = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return (err as { extensions?: { code?: string } }).extensions?.code;
  }
  return undefined;
};

describe('cursors with a position per partition', () => {
  it('steps back one stream id, across a millisecond boundary', () => {
    expect(previousStreamId('1700000000000-5')).toBe('1700000000000-4');
    expect(previousStreamId('1700000000000-0')).toBe('1699999999999-18446744073709551615');
    expect(previousStreamId('0-0')).toBe('0-0');
  });

  it('cuts just below and just above an entry, ties ordered by partition', () => {
    // Entry 10-0 of partition 1 among 3: below it lie partition 0's 10-0 and everything older.
    expect(cutBelow('10-0', 1, 3)).toEqual([
      '10-0',
      '9-18446744073709551615',
      '9-18446744073709551615',
    ]);
    expect(cutAbove('10-0', 1, 3)).toEqual(['10-0', '10-0', '9-18446744073709551615']);
  });

  it('writes runs of equal positions once and reads them back', () => {
    const cut = ['5-1', '5-1', DONE, '7-0', '7-0', '7-0'];
    const cursor = encodeCut('anomaly', cut);
    expect(text(cursor)).toBe('anomaly:p0-1=5-1|p2=done|p3-5=7-0');
    expect(decodeCut('anomaly', cursor, 6)).toEqual({ cut });
  });

  it('reads a cursor of a release before partitions as one id in every partition', () => {
    const legacy = b64('anomaly:1700000000000-3');
    const decoded = decodeCut('anomaly', legacy, 2);
    expect(decoded).toEqual({ legacyId: '1700000000000-3' });
    // A list continues below the entry, a subscription after it.
    expect(listCut(decoded, 2)).toEqual(['1700000000000-2', '1700000000000-2']);
    expect(resumeCut(decoded, 2)).toEqual(['1700000000000-3', '1700000000000-3']);
  });

  it("resumes a list's done partition from the cursor's newest position, not its start", () => {
    expect(resumeCut({ cut: ['4-0', DONE, '6-2'] }, 3)).toEqual(['4-0', '6-2', '6-2']);
  });

  it('refuses cursors of another kind, another partition count, with gaps or junk', () => {
    const cursor = encodeCut('anomaly', ['1-0', '2-0']);
    expect(code(() => decodeCut('deadletter', cursor, 2))).toBe('BAD_CURSOR');
    expect(code(() => decodeCut('anomaly', cursor, 3))).toBe('BAD_CURSOR');
    expect(code(() => decodeCut('anomaly', cursor, 1))).toBe('BAD_CURSOR');
    for (const body of ['p0=1-0|p2=1-0', 'p1=1-0|p0=1-0', 'p0=x', 'p0-0=1-0|p1=1', '']) {
      expect(code(() => decodeCut('anomaly', b64(`anomaly:${body}`), 2))).toBe('BAD_CURSOR');
    }
    expect(code(() => decodeCut('anomaly', 'not a cursor!', 2))).toBe('BAD_CURSOR');
    expect(code(() => decodeCut('anomaly', 'A'.repeat(10_000), 2))).toBe('BAD_CURSOR');
  });
});
