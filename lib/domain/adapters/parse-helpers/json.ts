import { emptyFrame, type ControlMessage, type ParsedFrame } from '../adapter';
import { symbolText } from './source-id';

/** A JSON object (not an array, not null): the only thing an event can be read from. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The outcome of {@link parseJson}. */
export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** JSON.parse that reports the parser's message instead of throwing. */
export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
}

/** The reason {@link readObject} gives for JSON that is not an object. */
export const NOT_AN_OBJECT = 'not an object';

/**
 * An event payload as a JSON object, or the reason it is not one (a string). Unlike
 * {@link parseJson} it wraps nothing on success: it runs once per event on the hot path.
 * `jsonReason` replaces the parser's message for text that is not JSON.
 */
export function readObject(payload: string, jsonReason?: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch (err) {
    return jsonReason ?? `invalid JSON: ${(err as Error).message}`;
  }
  return isRecord(value) ? value : NOT_AN_OBJECT;
}

/**
 * `parseFrame` for providers whose frames are JSON arrays of messages (Alpaca, Polygon): each
 * message is a control when `control` says so, else an event with the id `sourceIdOf` gives
 * and the symbol in its field `symbolField`.
 * Documented as always an array; a lone object is read as a batch of one.
 */
export function parseArrayFrame(
  frame: string,
  control: (m: Record<string, unknown>) => ControlMessage | undefined,
  sourceIdOf: (m: Record<string, unknown>) => string,
  symbolField: string,
): ParsedFrame {
  const out = emptyFrame();
  const parsed = parseJson(frame);
  if (!parsed.ok) {
    out.errors.push({ reason: parsed.reason, payload: frame });
    return out;
  }
  const messages = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  for (const m of messages) {
    const c = isRecord(m) ? control(m) : undefined;
    if (c) out.controls.push(c);
    else if (isRecord(m))
      out.events.push({
        sourceId: sourceIdOf(m),
        symbol: symbolText(m[symbolField]),
        payload: JSON.stringify(m),
      });
    else out.events.push({ sourceId: '', payload: JSON.stringify(m) });
  }
  return out;
}
