/**
 * The metric names a PromQL expression selects, read by Prometheus's own PromQL grammar (the
 * one its web UI uses). Throws on an expression the grammar cannot parse.
 */
export async function promqlMetricNames(expr: string): Promise<string[]> {
  // The package is an ES module for TypeScript; jest loads its CommonJS build.
  const { parser } = await import('@prometheus-io/lezer-promql');
  const tree = parser.parse(expr);
  const names = new Set<string>();
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) {
      throw new Error(`PromQL does not parse at ${cursor.from}: ${expr}`);
    }
    if (cursor.name === 'VectorSelector') {
      const node = cursor.node.getChild('Identifier');
      if (node) names.add(expr.slice(node.from, node.to));
    }
  } while (cursor.next());
  return [...names];
}

/** Metric families and sample names in Prometheus exposition text. */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const family = /^# (?:HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (family) names.add(family[1]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

/**
 * A histogram family's series names (`_bucket`, `_sum`, `_count`) count as the family's when
 * the family is exposed (prom-client writes HELP and TYPE before the first observation).
 */
export function isExposed(name: string, exposed: ReadonlySet<string>): boolean {
  if (exposed.has(name)) return true;
  const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  return base !== undefined && exposed.has(base);
}
