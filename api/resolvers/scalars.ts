import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { badUserInput } from '../errors';

/** Dates from 1970 to 9999: ms beyond that are almost surely seconds or nanoseconds mistaken. */
const MAX_MS = Date.UTC(9999, 11, 31);
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function fromText(text: string): number {
  if (!ISO.test(text))
    throw badUserInput('DateTime', `"${text}" is not ISO-8601 (e.g. 2024-01-02T14:30:00Z)`);
  // A date-time with no zone would be read in the server's zone: require one (dates are UTC).
  if (text.length > 10 && !/(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
    throw badUserInput('DateTime', `"${text}" has no time zone (add Z for UTC)`);
  }
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw badUserInput('DateTime', `"${text}" is not a valid date`);
  return ms;
}

function fromNumber(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_MS) {
    throw badUserInput('DateTime', `${n} is not a time in ms since the epoch`);
  }
  return n;
}

function parse(value: unknown): number {
  if (typeof value === 'string')
    return /^\d+$/.test(value) ? fromNumber(Number(value)) : fromText(value);
  if (typeof value === 'number') return fromNumber(value);
  throw badUserInput('DateTime', 'expected ISO-8601 text or ms since the epoch');
}

/** ISO-8601 (or ms) in, ms internally, ISO-8601 out. */
export const DateTime = new GraphQLScalarType<number, string>({
  name: 'DateTime',
  serialize(value) {
    const ms =
      value instanceof Date
        ? value.getTime()
        : typeof value === 'string' && !/^\d+$/.test(value)
          ? Date.parse(value)
          : Number(value);
    return new Date(ms).toISOString();
  },
  parseValue: parse,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.STRING) return parse(ast.value);
    if (ast.kind === Kind.INT) return parse(Number(ast.value));
    throw badUserInput('DateTime', 'expected ISO-8601 text or ms since the epoch');
  },
});
