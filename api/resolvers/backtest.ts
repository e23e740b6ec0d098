import type { BacktestRequest } from '../../clients';
import type { AnomalyType } from '../../lib/domain';
import type { ApiContext } from '../context';
import type { BacktestView } from '../services/backtest-ops';
import { auditedMutation } from './mutations';

type StartBacktestArgs = {
  from: string;
  to: string;
  set?: { key: string; value: string }[] | null;
  instruments?: string[] | null;
  sectors?: string[] | null;
  labels?:
    | { ticker: string; feed?: string | null; type?: AnomalyType | null; from: Date; to: Date }[]
    | null;
};

/** The client's request from the mutation's arguments (checked by the starter). */
export function backtestRequestOf(a: StartBacktestArgs): BacktestRequest {
  return {
    from: a.from,
    to: a.to,
    ...(a.set ? { set: a.set.map((s) => `${s.key}=${s.value}`) } : {}),
    ...(a.instruments ? { instruments: a.instruments } : {}),
    ...(a.sectors ? { sectors: a.sectors } : {}),
    ...(a.labels
      ? {
          labels: a.labels.map((l) => ({
            ticker: l.ticker,
            ...(l.feed != null ? { feed: l.feed } : {}),
            ...(l.type != null ? { type: l.type } : {}),
            from: l.from.getTime(),
            to: l.to.getTime(),
          })),
        }
      : {}),
  };
}

const counts = (r: Record<string, number>) =>
  Object.entries(r).map(([key, count]) => ({ key, count }));

/** Counts as lists of `{key, count}` (GraphQL has no maps). */
function sideCounts(s: {
  total: number;
  byType: Record<string, number>;
  bySeverity: Record<string, number>;
  bySector: Record<string, number>;
  byInstrument: Record<string, number>;
}) {
  return {
    total: s.total,
    byType: counts(s.byType),
    bySeverity: counts(s.bySeverity),
    bySector: counts(s.bySector),
    byInstrument: counts(s.byInstrument),
  };
}

function viewOf(v: BacktestView) {
  const r = v.report;
  return {
    ...v,
    report: r && {
      ...r,
      production: sideCounts(r.production),
      candidate: sideCounts(r.candidate),
    },
  };
}

/** startBacktest (operator, audited) and backtest(id). */
export const backtestResolvers = {
  Query: {
    backtest: async (_: unknown, a: { id: string }, ctx: ApiContext) => {
      const v = await ctx.workflows.backtest(a.id);
      return v ? viewOf(v) : null;
    },
  },
  Mutation: {
    startBacktest: auditedMutation(
      'operator',
      'startBacktest',
      (a: StartBacktestArgs, ctx: ApiContext) => ctx.workflows.startBacktest(backtestRequestOf(a)),
      (r) => ({ workflowId: r.workflowId, runId: r.runId }),
    ),
  },
};
