/**
 * Code-point order, not localeCompare: results must not depend on the server's locale.
 * For `Array.prototype.sort` of names, tickers, sectors.
 */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
