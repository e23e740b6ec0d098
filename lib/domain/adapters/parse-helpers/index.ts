/**
 * Building blocks shared by the provider adapters: JSON and record checks for `parseFrame`,
 * sourceId builders, zod field schemas whose failures read as dead-letter reasons, event-time
 * parsing, the tick builder, and the event table each adapter's `normalize` is built from.
 */
export { isRecord, NOT_AN_OBJECT, parseArrayFrame, parseJson, readObject } from './json';
export type { JsonResult } from './json';
export { contentKey, keyPart, prefixedId, symbolText } from './source-id';
export { decimal, id, msTime, rfc3339Time, symbol } from './fields';
export type { DecimalOptions } from './fields';
export { MAX_TS, MIN_TS, rfc3339ToMs } from './time';
export { toTick } from './tick';
export type { TickFields } from './tick';
export { firstIssue, normalizer, reject, rule, unknownTypeReason } from './event-table';
export type { EventRule, EventTable, Normalize } from './event-table';
