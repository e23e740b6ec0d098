import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { ExecutionArgs, GraphQLError, ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ERROR_CODES, userError, type ErrorCode } from '../errors';
import { createOperationCostCache } from '../limits/cost-cache';

export interface QueryLimits {
  readonly maxDepth: number;
  readonly maxCost: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  readonly maxPageSize: number;
}

/**
 * Refuses abusive documents before they run, each with its own code: too many tokens
 * (QUERY_TOO_LARGE, while parsing), too deep (QUERY_TOO_DEEP) or too many aliases
 * (TOO_MANY_ALIASES) during validation, and too costly (QUERY_TOO_COSTLY) just before
 * execution, when the variables that size the lists are known. GraphQL Armor does the first
 * three; its own cost rule ignores page sizes, so the cost is ours (limits/query-cost.ts).
 */
export function useQueryLimits(limits: QueryLimits): Plugin[] {
  // Armor reports a plain "Syntax Error"; report a coded error in its place instead.
  const reject =
    (code: ErrorCode) =>
    (ctx: ValidationContext | null, err: GraphQLError): void => {
      const message = err.message.replace(/^Syntax Error: /, '');
      const coded = userError(code, message);
      if (ctx) ctx.reportError(coded);
      else throw coded; // the token counter runs inside the parser, which has no context
    };
  const operationCost = createOperationCostCache(limits.maxPageSize);
  const costPlugin: Plugin = {
    onExecute({ args, setResultAndStopExecution }) {
      // Envelop types these as any to stay independent of the graphql version.
      const a = args as Pick<
        ExecutionArgs,
        'schema' | 'document' | 'operationName' | 'variableValues'
      >;
      const cost = operationCost(a.schema, a.document, a.operationName, a.variableValues ?? {});
      if (cost > limits.maxCost) {
        setResultAndStopExecution({
          errors: [
            userError(
              ERROR_CODES.QUERY_TOO_COSTLY,
              `Query cost ${cost} exceeds the limit of ${limits.maxCost} (each object counts once per item of the lists above it; ask for smaller pages)`,
              { cost, maxCost: limits.maxCost },
            ),
          ],
        });
      }
    },
  };
  return [
    maxTokensPlugin({
      n: limits.maxTokens,
      onReject: [reject(ERROR_CODES.QUERY_TOO_LARGE)],
      propagateOnRejection: false,
    }),
    maxDepthPlugin({
      n: limits.maxDepth,
      flattenFragments: true,
      onReject: [reject(ERROR_CODES.QUERY_TOO_DEEP)],
      propagateOnRejection: false,
    }),
    maxAliasesPlugin({
      n: limits.maxAliases,
      onReject: [reject(ERROR_CODES.TOO_MANY_ALIASES)],
      propagateOnRejection: false,
    }),
    costPlugin,
  ];
}
