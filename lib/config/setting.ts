import { z } from 'zod';

/** Parsed values of every key, by environment variable name (what a fallback reads). */
export type ParsedEnv = Readonly<Record<string, unknown>>;

/** How an unset key gets its value from other keys, and how the docs say it. */
export interface Fallback<T> {
  /** The docs' default column, e.g. "`${DATA_DIR}/archive`". */
  readonly doc: string;
  readonly of: (env: ParsedEnv) => T;
}

/**
 * One environment variable, declared once: its name, its zod schema (default and bounds), a
 * one-line meaning for docs/configuration.md, and the type of its value in `Config` (`T`).
 */
export class Setting<T> {
  constructor(
    readonly env: string,
    readonly schema: z.ZodType,
    readonly doc: string,
    /** Never shown in a ConfigError (it is logged). */
    readonly secret: boolean,
    readonly fallback: Fallback<T> | undefined,
  ) {}

  /** This key's value in `Config`, from the parsed environment. */
  read(env: ParsedEnv): T {
    const value = env[this.env];
    return (value === undefined && this.fallback ? this.fallback.of(env) : value) as T;
  }
}

/** A key whose value in `Config` is what its schema yields (undefined when optional and unset). */
export function setting<S extends z.ZodType>(
  env: string,
  schema: S,
  doc: string,
  options: { readonly secret?: boolean } = {},
): Setting<z.output<S>> {
  return new Setting(env, schema, doc, options.secret === true, undefined);
}

/** An optional key that, when unset, is computed from other keys: never undefined in `Config`. */
export function derived<S extends z.ZodType>(
  env: string,
  schema: S,
  doc: string,
  fallback: Fallback<NonNullable<z.output<S>>>,
): Setting<NonNullable<z.output<S>>> {
  return new Setting(env, schema, doc, false, fallback);
}

/** Settings by the field name they get in `Config`; a nested group becomes a nested object. */
export interface Settings {
  readonly [field: string]: Setting<unknown> | Settings;
}

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The configuration object a tree of settings yields. */
export type ConfigOf<S> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T> ? DeepReadonly<T> : ConfigOf<S[K]>;
};

/** A titled group of settings: one table of docs/configuration.md. */
export interface Section<S extends Settings = Settings> {
  readonly title: string;
  readonly settings: S;
}

/** Declares a section. */
export function section<S extends Settings>(title: string, settings: S): Section<S> {
  return { title, settings };
}

/** Every setting of a tree, in declaration order. */
export function settingsOf(tree: Settings): Setting<unknown>[] {
  return Object.values(tree).flatMap((node) =>
    node instanceof Setting ? [node] : settingsOf(node),
  );
}

/** Builds the configuration object of a tree from the parsed environment. */
export function build(tree: Settings, env: ParsedEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, node] of Object.entries(tree)) {
    out[field] = node instanceof Setting ? node.read(env) : build(node, env);
  }
  return out;
}

// Schema helpers for environment text.

/** An integer within [min, max]. */
export const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);

/** A number within [min, max]. */
export const num = (def: number, min = -Infinity, max = Infinity) =>
  z.coerce.number().min(min).max(max).default(def);

/** A TCP port. */
export const port = (def: number) => int(def, 0, 65535);

/** `true` or `false`. */
export const flag = (def: boolean) =>
  z
    .enum(['true', 'false'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true')
    .meta({ allowed: '`true`, `false`' });

/** Non-empty text. */
export const text = (def: string) => z.string().min(1).default(def);

/** A number checked by `schema` (a field of a domain schema, so the bounds exist once). */
export const numberAs = <S extends z.ZodNumber>(schema: S) => z.coerce.number().pipe(schema);

/**
 * JSON text checked against `schema`. An issue inside the value is reported under the key,
 * its message naming the path inside the JSON (`Crypto.zThreshold: Too small ...`).
 */
export function json<S extends z.ZodType>(def: string, schema: S) {
  return z
    .string()
    .default(def)
    .transform((value, ctx): z.output<S> => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
      const r = schema.safeParse(parsed);
      if (r.success) return r.data;
      for (const i of r.error.issues) {
        ctx.addIssue({ code: 'custom', message: `${i.path.join('.') || 'value'}: ${i.message}` });
      }
      return z.NEVER;
    })
    .meta({ allowed: 'JSON' });
}
