/**
 * Text of one part of a sourceId: a non-empty string as is, a finite number as JS prints it;
 * undefined for anything else, so that an event without its id fields gets sourceId ''.
 */
export function keyPart(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** `<SYMBOL>:<tag>:<id>`, or '' when either part is missing. */
export function prefixedId(symbol: unknown, tag: string, id: unknown): string {
  const s = keyPart(symbol);
  const i = keyPart(id);
  return s === undefined || i === undefined ? '' : `${s.toUpperCase()}:${tag}:${i}`;
}

/** `~<SYMBOL>|<part>|...`: the id of events a provider does not number; '' if a part is missing. */
export function contentKey(symbol: unknown, ...parts: unknown[]): string {
  const s = keyPart(symbol);
  if (s === undefined) return '';
  let key = `~${s.toUpperCase()}`;
  for (const p of parts) {
    const text = keyPart(p);
    if (text === undefined) return '';
    key += `|${text}`;
  }
  return key;
}

/** A symbol field's text for routing (see FrameEvent.symbol): a non-empty string, else undefined. */
export function symbolText(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
