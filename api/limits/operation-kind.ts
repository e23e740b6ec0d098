import { getOperationAST, parse, type OperationTypeNode } from 'graphql';

const MAX_CACHED = 1000;
const cache = new Map<string, OperationTypeNode | undefined>();

/**
 * Whether a request's operation is a query, mutation or subscription, before Yoga executes
 * it (mutations may cost more). Parsed once per distinct text and remembered: clients send
 * few distinct documents. Undefined when the text does not parse or names no operation;
 * Yoga refuses those itself.
 */
export function operationKind(
  query: string | undefined,
  operationName: string | null | undefined,
): OperationTypeNode | undefined {
  if (query === undefined) return undefined;
  const cacheKey = `${operationName ?? ''}\n${query}`;
  if (cache.has(cacheKey)) return cache.get(cacheKey);
  let kind: OperationTypeNode | undefined;
  try {
    kind = getOperationAST(parse(query), operationName)?.operation;
  } catch {
    kind = undefined;
  }
  if (cache.size >= MAX_CACHED) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(cacheKey, kind);
  return kind;
}
