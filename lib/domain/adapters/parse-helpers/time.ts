/**
 * Event times outside 2000–2099 are refused: they come from a wrong unit (seconds, or
 * Binance's `timeUnit=MICROSECOND`) far more often than from real data.
 */
export const MIN_TS = Date.UTC(2000, 0, 1);
/** First ms after the accepted event-time range (see {@link MIN_TS}). */
export const MAX_TS = Date.UTC(2100, 0, 1);

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses RFC 3339 strictly (Date.parse also takes many other formats) and keeps whole
 * milliseconds: sub-millisecond digits (Coinbase's µs, Alpaca's ns) stay in the payload only.
 */
export function rfc3339ToMs(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(
    Number,
  ) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  // Second 60 is a leap second; Date.UTC carries it into the next minute.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Number(((m[7] ?? '') + '000').slice(0, 3));
  let offset = 0;
  if (m[8] === undefined) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return undefined;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
