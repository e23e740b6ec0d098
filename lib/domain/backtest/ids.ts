/** Compares two stream ids (`<ms>-<seq>`) numerically without BigInt; '' sorts first. */
export function compareStreamIdText(a: string, b: string): number {
  if (a === b) return 0;
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  const ma = da < 0 ? a : a.slice(0, da);
  const mb = db < 0 ? b : b.slice(0, db);
  const c = byDigits(ma, mb);
  if (c !== 0) return c;
  return byDigits(da < 0 ? '' : a.slice(da + 1), db < 0 ? '' : b.slice(db + 1));
}

function byDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
