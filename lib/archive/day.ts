/**
 * UTC days as the archive names them (YYYY-MM-DD). Pure: the workflow imports it too.
 */

export const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Thrown for a string that is not a calendar day. */
export class BadDayError extends Error {
  override readonly name = 'BadDayError';
}

/** The [start, end) of a UTC day in ms; throws BadDayError for anything but YYYY-MM-DD. */
export function dayRange(day: string): { start: number; end: number } {
  const start = DAY.test(day) ? Date.parse(`${day}T00:00:00Z`) : NaN;
  // Date.parse rolls 2026-02-30 over to March: a real day prints back as itself.
  if (Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== day) {
    throw new BadDayError(`bad day ${JSON.stringify(day)}: expected YYYY-MM-DD`);
  }
  return { start, end: start + DAY_MS };
}

/** The UTC day holding `ms`. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC day before `at`. */
export function previousUtcDay(at: Date): string {
  return dayOf(at.getTime() - DAY_MS);
}

/** Every day from `from` to `to`, both included, ascending; throws past `max` days. */
export function daysBetween(from: string, to: string, max = 3660): string[] {
  const a = dayRange(from).start;
  const b = dayRange(to).start;
  if (b < a) throw new BadDayError(`${to} is before ${from}`);
  const n = (b - a) / DAY_MS + 1;
  if (n > max) throw new BadDayError(`${n} days from ${from} to ${to}: at most ${max}`);
  return Array.from({ length: n }, (_, i) => dayOf(a + i * DAY_MS));
}

/** First and last possible stream ids of a day (stream ids start with the ms of their XADD). */
export function dayIdRange(day: string): { first: string; last: string } {
  const { start, end } = dayRange(day);
  return { first: `${start}-0`, last: `${end - 1}-18446744073709551615` };
}
