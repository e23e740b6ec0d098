import { parse } from 'graphql';
import { createOperationCostCache } from '../../../api/limits/cost-cache';
import { operationCost } from '../../../api/limits/query-cost';
import { createApiSchema } from '../../../api/schema';

const schema = createApiSchema();
const MAX_PAGE = 500;

describe('createOperationCostCache', () => {
  const doc = parse(`
    query Page($n: Int, $m: Int, $t: String) {
      anomalies(ticker: $t, first: $n) { edges { node { id ticker } } }
      quotes(first: $m) { edges { node { ticker } } }
    }
    query Fixed { quotes(first: 7) { edges { node { ticker } } } }
    query One($t: String!) { quote(ticker: $t) { ticker price } }
  `);

  it('answers what operationCost answers, for each operation and page size', () => {
    const cost = createOperationCostCache(MAX_PAGE);
    const cases: [string, Record<string, unknown>][] = [
      ['Page', { n: 10, m: 20 }],
      ['Page', { n: 10, m: 20, t: 'AAPL' }],
      ['Page', { n: 400, m: 20 }],
      ['Page', { n: 10 }],
      ['Page', {}],
      ['Page', { n: null, m: '5' }],
      ['Fixed', { n: 400 }],
      ['One', { t: 'AAPL' }],
      ['One', { t: 'MSFT' }],
    ];
    // Twice: the second round is answered from the cache.
    for (const round of [1, 2]) {
      for (const [name, vars] of cases) {
        const expected = operationCost(schema, doc, name, vars, MAX_PAGE);
        expect([round, name, vars, cost(schema, doc, name, vars)]).toEqual([
          round,
          name,
          vars,
          expected,
        ]);
      }
    }
    // The page sizes move the cost; the other variables do not.
    expect(cost(schema, doc, 'Page', { n: 400, m: 20 })).toBeGreaterThan(
      cost(schema, doc, 'Page', { n: 10, m: 20 }),
    );
  });

  it('prices two parses of the same text alike', () => {
    const cost = createOperationCostCache(MAX_PAGE);
    const text = 'query P($n: Int) { quotes(first: $n) { edges { node { ticker } } } }';
    const a = parse(text);
    const b = parse(text);
    expect(cost(schema, a, 'P', { n: 3 })).toBe(cost(schema, b, 'P', { n: 3 }));
    expect(cost(schema, b, 'P', { n: 30 })).toBe(
      operationCost(schema, b, 'P', { n: 30 }, MAX_PAGE),
    );
  });

  it('stays right once a document has seen more page sizes than it remembers', () => {
    const cost = createOperationCostCache(MAX_PAGE);
    const text = parse('query P($n: Int) { quotes(first: $n) { edges { node { ticker } } } }');
    for (let n = 1; n <= 200; n++) {
      expect(cost(schema, text, 'P', { n })).toBe(
        operationCost(schema, text, 'P', { n }, MAX_PAGE),
      );
    }
    expect(cost(schema, text, 'P', { n: 1 })).toBe(
      operationCost(schema, text, 'P', { n: 1 }, MAX_PAGE),
    );
  });
});
