import type { z } from 'zod';
import type { EventKind } from '../../types';
import type { NormalizeContext, NormalizeOutcome } from '../adapter';
import { show } from './fields';
import { toTick, type TickFields } from './tick';

/**
 * An adapter's `normalize` as a table: how to read a message and its kind, and per kind the
 * schema, the tick kind and the tick's fields. Every adapter shares the chain read → kind →
 * schema → reject with the first issue → tick, and the unknown-kind reasons.
 */

/** The reason of a failed safeParse: the first issue, in the schema's field order. */
export function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'invalid message';
}

/** Fails a normalize with a reason. */
export function reject(reasonText: string): NormalizeOutcome {
  return { ok: false, reason: reasonText };
}

/** The reason for a message whose type field (`T`, `type`, `ev`, ...) names nothing read here. */
export function unknownTypeReason(type: unknown, field: string): string {
  return type === undefined
    ? `missing message type ${field}`
    : `unknown message type ${show(type)}`;
}

/** How one kind of message `M` becomes a tick; made by {@link rule}. */
export interface EventRule<M> {
  /** Checks `m` against the rule's schema and builds the tick, or rejects with the first issue. */
  readonly apply: (m: M, ctx: NormalizeContext, source: string) => NormalizeOutcome;
}

/**
 * The rule for one message kind: `fields` gets what `schema` parsed (typed by the schema), the
 * message itself (for ids built from raw fields, or optional extras) and the context (for the
 * receive time). The message is a JSON object unless `fields` says otherwise by typing `m`.
 */
export function rule<Out, M extends Record<string, unknown> = Record<string, unknown>>(
  schema: z.ZodType<Out>,
  kind: EventKind,
  fields: (data: Out, m: M, ctx: NormalizeContext) => TickFields,
): EventRule<M> {
  return {
    apply(m, ctx, source) {
      const r = schema.safeParse(m);
      if (!r.success) return reject(firstIssue(r.error));
      return toTick(ctx, source, kind, fields(r.data, m, ctx));
    },
  };
}

interface TableBase<M, K extends string> {
  /** The adapter's name: the `source` of its ticks. */
  readonly source: string;
  /** The message in an event payload, or the reason there is none (a string). */
  readonly read: (payload: string) => M | string;
  /** One rule per message kind; kinds may share a rule (Coinbase's `match` and `last_match`). */
  readonly rules: Readonly<Record<K, EventRule<M>>>;
}

/** Messages that name their kind in one field (`T`, `type`, `ev`, ...). */
interface ByTypeField<M, K extends string> extends TableBase<M, K> {
  /** The field whose value is the kind, and the one `missing message type` names. */
  readonly typeField: string;
  /** The kind, when the field's value alone does not say (Binance's bookTicker has no `e`). */
  readonly kindOf?: (m: M) => K | undefined;
  /** The reason for a message no rule reads. @defaultValue {@link unknownTypeReason} */
  readonly unknown?: (m: M) => string;
}

/** Messages recognised by their shape, without a type field (polled REST bodies). */
interface ByShape<M, K extends string> extends TableBase<M, K> {
  readonly typeField?: undefined;
  readonly kindOf: (m: M) => K | undefined;
  readonly unknown: (m: M) => string;
}

/** What {@link normalizer} builds an adapter's `normalize` from. */
export type EventTable<M, K extends string> = ByTypeField<M, K> | ByShape<M, K>;

/** An adapter's `normalize`. */
export type Normalize = (payload: string, ctx: NormalizeContext) => NormalizeOutcome;

/**
 * Builds an adapter's `normalize` from its table. Everything is resolved here, once: a call
 * allocates nothing beyond what reading the message, the schema and the tick do.
 */
export function normalizer<M extends Record<string, unknown>, K extends string>(
  table: EventTable<M, K>,
): Normalize {
  const { source, read } = table;
  // A Map, not the rules object: a type field of `toString` or `__proto__` must find nothing.
  const rules = new Map<unknown, EventRule<M>>(Object.entries<EventRule<M>>(table.rules));
  let kindOf: (m: M) => unknown;
  let unknown: (m: M) => string;
  if (table.typeField === undefined) {
    ({ kindOf, unknown } = table);
  } else {
    const field = table.typeField;
    kindOf = table.kindOf ?? ((m) => m[field]);
    unknown = table.unknown ?? ((m) => unknownTypeReason(m[field], field));
  }
  return (payload, ctx) => {
    const m = read(payload);
    if (typeof m === 'string') return reject(m);
    const r = rules.get(kindOf(m));
    return r === undefined ? reject(unknown(m)) : r.apply(m, ctx, source);
  };
}
