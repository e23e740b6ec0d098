import type { GraphQLError } from 'graphql';
import {
  FEED_NAME_PATTERN,
  MAX_FEED_SYMBOLS,
  SYMBOL_PATTERN,
  parseBatchId,
  pauseSignal,
  redriveInputIssue,
  resumeSignal,
  stopSignal,
  type FeedInput,
} from '../../contract';
import { BadDayError, dayRange, previousUtcDay } from '../../lib/archive/day';
import { findFailedBatch } from '../../lib/redis';
import type { ApiContext, Role } from '../context';
import { ERROR_CODES, badUserInput, userError } from '../errors';
import type { WorkflowRef } from '../services/workflow-ops';
import type { RedriveRequest } from '../../clients';

type RedriveArgs = {
  filter?: {
    feed?: string | null;
    reasonContains?: string | null;
    since?: number | null;
    until?: number | null;
    partitions?: number[] | null;
    ids?: string[] | null;
  } | null;
  maxLetters?: number | null;
  dryRun?: boolean | null;
};

/** Checks a redrive request before it reaches a workflow, naming the bad argument. */
export function parseRedriveArgs(a: RedriveArgs, partitions: number): RedriveRequest {
  const f = a.filter ?? {};
  const filter = {
    ...(f.feed != null ? { feed: f.feed } : {}),
    ...(f.reasonContains != null ? { reasonContains: f.reasonContains } : {}),
    ...(f.since != null ? { since: f.since } : {}),
    ...(f.until != null ? { until: f.until } : {}),
    ...(f.ids != null ? { ids: f.ids } : {}),
  };
  const every = Array.from({ length: partitions }, (_, p) => p);
  const chosen = f.partitions ?? undefined;
  const request = {
    filter,
    ...(chosen ? { partitions: chosen } : {}),
    ...(a.maxLetters != null ? { maxLetters: a.maxLetters } : {}),
    ...(a.dryRun != null ? { dryRun: a.dryRun } : {}),
  };
  const issue = redriveInputIssue({ ...request, partitions: chosen ?? every }, partitions);
  if (issue) {
    const path = issue.field === 'maxLetters' ? 'maxLetters' : `filter.${issue.field}`;
    throw badUserInput(path, issue.message);
  }
  return request;
}

type FeedInputArg = {
  name: string;
  adapter: string;
  url: string;
  symbols?: string[] | null;
  auth?: string | null;
  pollIntervalMs?: number | null;
};

/** Checks a feed definition before it reaches a workflow, naming the bad field. */
export function parseFeedInput(i: FeedInputArg): FeedInput {
  if (!FEED_NAME_PATTERN.test(i.name)) {
    throw badUserInput('input.name', 'must be 1-64 characters of a-z A-Z 0-9 . _ -');
  }
  const adapter = i.adapter === 'http_poll' ? 'http-poll' : i.adapter;
  let url: URL;
  try {
    url = new URL(i.url);
  } catch {
    throw badUserInput('input.url', 'is not a URL');
  }
  const schemes = adapter === 'http-poll' ? ['http:', 'https:'] : ['ws:', 'wss:'];
  if (!schemes.includes(url.protocol)) {
    throw badUserInput(
      'input.url',
      `must use ${schemes.map((s) => s.slice(0, -1)).join(' or ')} for ${adapter}`,
    );
  }
  const symbols = i.symbols ?? undefined;
  if (
    symbols &&
    (symbols.length > MAX_FEED_SYMBOLS || symbols.some((s) => !SYMBOL_PATTERN.test(s)))
  ) {
    throw badUserInput(
      'input.symbols',
      `at most ${MAX_FEED_SYMBOLS} symbols of 1-40 characters A-Z a-z 0-9 : . _ - /`,
    );
  }
  if (i.auth != null && !FEED_NAME_PATTERN.test(i.auth)) {
    throw badUserInput(
      'input.auth',
      'must name a credential set (1-64 characters of a-z A-Z 0-9 . _ -)',
    );
  }
  const poll = i.pollIntervalMs;
  if (poll != null && (poll < 100 || poll > 3_600_000)) {
    throw badUserInput('input.pollIntervalMs', 'must be from 100 to 3600000');
  }
  return {
    name: i.name,
    adapter,
    url: i.url,
    ...(symbols ? { symbols } : {}),
    ...(i.auth != null ? { auth: i.auth } : {}),
    ...(poll != null ? { pollIntervalMs: poll } : {}),
  };
}

function parseDay(day: string | null | undefined, now: number): string {
  if (day == null) return previousUtcDay(new Date(now));
  let end: number;
  try {
    end = dayRange(day).end;
  } catch (err) {
    if (err instanceof BadDayError) throw badUserInput('day', 'must be a date YYYY-MM-DD');
    throw err;
  }
  // A day is closed once it has ended in UTC; archiving an open day would miss its rest.
  if (end > now) throw badUserInput('day', `${day} has not ended yet (UTC)`);
  return day;
}

/**
 * Runs a mutation: checks the role, runs it, and records who did what with which result in
 * the audit stream — refusals and failures included.
 */
export function auditedMutation<A extends Record<string, unknown>, R>(
  role: Role,
  action: string,
  run: (args: A, ctx: ApiContext) => Promise<R>,
  ids: (result: R) => { workflowId?: string; runId?: string } = () => ({}),
) {
  return async (_parent: unknown, args: A, ctx: ApiContext): Promise<R> => {
    try {
      ctx.authorize(role, action);
      const result = await run(args, ctx);
      await ctx.audit({ action, args, result: 'ok', ...ids(result) });
      return result;
    } catch (err) {
      const code = (err as Partial<GraphQLError>).extensions?.code;
      await ctx.audit({
        action,
        args,
        result: 'error',
        errorCode: typeof code === 'string' ? code : 'INTERNAL',
        error: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
  };
}

type OperatorRun = (args: never, ctx: ApiContext) => Promise<WorkflowRef>;
type Resolved<M extends Record<string, OperatorRun>> = {
  readonly [K in keyof M]: (
    parent: unknown,
    args: Parameters<M[K]>[0],
    ctx: ApiContext,
  ) => Promise<WorkflowRef>;
};

/**
 * Operator mutations start or signal a workflow: each needs the operator role and is audited
 * under its field name, with the workflow's ids.
 */
function operatorMutations<M extends Record<string, OperatorRun>>(runs: M): Resolved<M> {
  const resolvers: Record<string, unknown> = {};
  for (const [action, run] of Object.entries(runs)) {
    resolvers[action] = auditedMutation('operator', action, run, (r: WorkflowRef) => ({
      workflowId: r.workflowId,
      runId: r.runId,
    }));
  }
  return resolvers as Resolved<M>;
}

export const mutationResolvers = {
  Mutation: operatorMutations({
    startFeed: (a: { input: FeedInputArg }, ctx: ApiContext) =>
      ctx.workflows.startFeed(parseFeedInput(a.input)),
    pauseFeed: (a: { name: string }, ctx: ApiContext) =>
      ctx.workflows.signalFeed(a.name, pauseSignal),
    resumeFeed: (a: { name: string }, ctx: ApiContext) =>
      ctx.workflows.signalFeed(a.name, resumeSignal),
    stopFeed: (a: { name: string }, ctx: ApiContext) =>
      ctx.workflows.signalFeed(a.name, stopSignal),
    replayBatch: async (a: { batchId: string }, ctx: ApiContext) => {
      const parsed = parseBatchId(a.batchId);
      if (!parsed) {
        throw badUserInput(
          'batchId',
          'must be a failed batch id such as anomaly-p0-1700000000000-0 (or anomaly-1700000000000-0)',
        );
      }
      // The batch is recorded in its partition's stream (ids without a partition: partition 0).
      const found =
        parsed.partition < ctx.keys.partitions &&
        (await findFailedBatch(ctx.redis, ctx.keys.partition(parsed.partition), a.batchId));
      if (!found) {
        throw userError(ERROR_CODES.UNKNOWN_BATCH, `No failed batch "${a.batchId}"`, {
          batchId: a.batchId,
        });
      }
      return ctx.workflows.replayBatch(a.batchId);
    },
    triggerArchive: (a: { day?: string | null }, ctx: ApiContext) =>
      ctx.workflows.triggerArchive(parseDay(a.day, Date.now())),
    redriveDeadLetters: (a: RedriveArgs, ctx: ApiContext) =>
      ctx.workflows.redriveDeadLetters(parseRedriveArgs(a, ctx.keys.partitions)),
  }),
};
