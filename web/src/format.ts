/** Display helpers: numbers, rates and ages the way an operator reads them. */

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const one = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function count(n: number | null | undefined): string {
  return n == null ? '–' : int.format(n);
}

export function rate(n: number | null | undefined): string {
  return n == null ? '–' : `${one.format(n)}/s`;
}

export function num(n: number | null | undefined, digits = 2): string {
  return n == null ? '–' : n.toFixed(digits);
}

/** How long ago `iso` was, as "3 s", "4 min", "2 h"; "–" when unknown. */
export function age(iso: string | number | null | undefined, now = Date.now()): string {
  if (iso == null) return '–';
  const ms = now - (typeof iso === 'number' ? iso : Date.parse(iso));
  if (!Number.isFinite(ms)) return '–';
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** HH:MM:SS.mmm of an ISO time, in the browser's zone. */
export function clock(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleTimeString('en-GB', { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
