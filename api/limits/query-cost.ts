import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type GraphQLCompositeType,
} from 'graphql';

/** A list with no `first` argument (feeds, sectors, ids) is assumed to hold this many. */
export const UNBOUNDED_LIST_SIZE = 10;

/** Relay connection types: their `edges` list is the page its field's `first` already counts. */
const isConnection = (typeName: string): boolean => typeName.endsWith('Connection');

function isList(type: GraphQLType): boolean {
  return isListType(getNullableType(type));
}

/** The page size a field asks for: its `first` argument (variable, literal or default). */
function pageSize(
  field: GraphQLField<unknown, unknown>,
  args: readonly { name: { value: string }; value: Parameters<typeof valueFromAST>[0] }[],
  variables: Record<string, unknown>,
  absent: number,
): number | undefined {
  const def = field.args.find((a) => a.name === 'first');
  if (!def) return undefined;
  const node = args.find((a) => a.name.value === 'first');
  const v = node ? valueFromAST(node.value, def.type, variables) : def.defaultValue;
  // No `first` (or null): the server's default page, which is at most the maximum.
  return typeof v === 'number' && v > 0 ? v : absent;
}

/**
 * Estimates how many objects an operation may touch: each object-valued field counts 1, times
 * the size of every list above it (`first` of a connection, else {@link UNBOUNDED_LIST_SIZE}).
 * Scalars are free: they come with their object. Pure; runs before execution, with the
 * operation's variables, so `first: $n` is priced at the real n.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> = {},
  maxPageSize = 500,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    else if (def.kind === Kind.OPERATION_DEFINITION) {
      if (!operationName || def.name?.value === operationName) operation ??= def;
    }
  }
  if (!operation) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const costOf = (
    parent: GraphQLCompositeType,
    set: SelectionSetNode,
    seen: ReadonlySet<string>,
  ): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (!(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[sel.name.value];
        if (!field || !sel.selectionSet) continue; // scalars and unknown fields (validation reports those)
        const named = getNamedType(field.type);
        if (!(isObjectType(named) || isInterfaceType(named))) continue;
        const first = pageSize(field, sel.arguments ?? [], variables, maxPageSize);
        const pageList = isConnection(parent.name);
        const mult = first ?? (isList(field.type) && !pageList ? UNBOUNDED_LIST_SIZE : 1);
        total += mult * (1 + costOf(named, sel.selectionSet, seen));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const typeName = sel.typeCondition?.name.value;
        const t = typeName ? schema.getType(typeName) : parent;
        if (t && (isObjectType(t) || isInterfaceType(t)))
          total += costOf(t, sel.selectionSet, seen);
      } else {
        const name = sel.name.value;
        const frag = fragments.get(name);
        // A fragment cycle is a validation error; skipping it here keeps this total finite.
        if (!frag || seen.has(name)) continue;
        const t = schema.getType(frag.typeCondition.name.value);
        if (t && (isObjectType(t) || isInterfaceType(t))) {
          total += costOf(t, frag.selectionSet, new Set([...seen, name]));
        }
      }
    }
    return total;
  };
  return costOf(root, operation.selectionSet, new Set());
}
