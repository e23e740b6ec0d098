import { Kind, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { operationCost } from './query-cost';

/** Costs remembered per document: one per operation name and page-size variables seen. */
const MAX_COSTS_PER_DOCUMENT = 64;

interface DocumentCosts {
  /** The variables the cost can read: those passed as a `first` argument anywhere. */
  readonly pageVariables: readonly string[];
  readonly costs: Map<string, number>;
}

/**
 * {@link operationCost}, remembered per parsed document. Yoga's parse cache hands the same
 * DocumentNode to every request with the same text, so the walk over the selection runs once
 * per document, operation name and value of its page-size variables, not once per request:
 * the cost reads variables only through `first`, so the others cannot change it.
 */
export function createOperationCostCache(
  maxPageSize: number,
): (
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
) => number {
  const bySchema = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, DocumentCosts>>();
  return (schema, document, operationName, variables) => {
    let byDocument = bySchema.get(schema);
    if (!byDocument) bySchema.set(schema, (byDocument = new WeakMap()));
    let entry = byDocument.get(document);
    if (!entry) {
      entry = { pageVariables: pageVariablesOf(document), costs: new Map() };
      byDocument.set(document, entry);
    }
    let key = operationName ?? '';
    for (const name of entry.pageVariables) key += `\0${JSON.stringify(variables[name]) ?? ''}`;
    let cost = entry.costs.get(key);
    if (cost === undefined) {
      cost = operationCost(schema, document, operationName, variables, maxPageSize);
      // Page sizes are client-chosen: a bounded set, started afresh when full.
      if (entry.costs.size >= MAX_COSTS_PER_DOCUMENT) entry.costs.clear();
      entry.costs.set(key, cost);
    }
    return cost;
  };
}

function pageVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if (node.name.value === 'first' && node.value.kind === Kind.VARIABLE) {
        names.add(node.value.name.value);
      }
    },
  });
  return [...names];
}
