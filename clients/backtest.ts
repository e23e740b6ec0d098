import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import {
  BACKTEST_DEFAULTS,
  backtestAnomaliesWorkflow,
  backtestMetadata,
  backtestWorkflowId,
  type BacktestInput,
  type KnownEvent,
} from '../contract';
import { BadDayError, daysBetween } from '../lib/archive/day';
import {
  anomalySettingsText,
  ConfigError,
  parseAnomalySettings,
  withAssignments,
  type Config,
} from '../lib/config';
import { startOnce, type Started } from './workflow-client';

/** What an operator asks of a backtest; the rest comes from the starter's configuration. */
export interface BacktestRequest {
  readonly from: string;
  readonly to: string;
  /** `KEY=VALUE` changes of ANOMALY_* keys for the candidate side. */
  readonly set?: readonly string[];
  readonly instruments?: readonly string[];
  readonly sectors?: readonly string[];
  readonly labels?: readonly KnownEvent[];
  /** @defaultValue BACKTEST_DEFAULTS.batchSize */
  readonly batchSize?: number;
  /** @defaultValue BACKTEST_DEFAULTS.heartbeatTimeoutMs */
  readonly heartbeatTimeoutMs?: number;
}

/** A request that cannot run: the field at fault and why. */
export class BacktestRequestError extends Error {
  override readonly name = 'BacktestRequestError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const nonEmpty = (field: string, list: readonly string[] | undefined) => {
  if (list !== undefined && (list.length === 0 || list.some((s) => s.trim() === ''))) {
    throw new BacktestRequestError(field, 'must be a non-empty list of names');
  }
  return list === undefined ? undefined : [...new Set(list)].sort();
};

/**
 * The workflow input of a request: the production side is this process's ANOMALY_*
 * configuration as text, the candidate side that text with the request's changes, both
 * checked as the environment is. Throws BacktestRequestError naming the bad field.
 */
export function backtestInput(config: Config, request: BacktestRequest): BacktestInput {
  try {
    daysBetween(request.from, request.to, BACKTEST_DEFAULTS.maxDays);
  } catch (err) {
    if (err instanceof BadDayError) throw new BacktestRequestError('from', err.message);
    throw err;
  }
  const production = anomalySettingsText(config.anomaly);
  let candidate: Record<string, string>;
  try {
    candidate = withAssignments(production, request.set ?? []);
    parseAnomalySettings(candidate);
  } catch (err) {
    if (err instanceof ConfigError) throw new BacktestRequestError('set', err.message);
    throw err;
  }
  const batchSize = request.batchSize ?? BACKTEST_DEFAULTS.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    throw new BacktestRequestError('batchSize', 'must be 1-100000');
  }
  for (const l of request.labels ?? []) {
    if (
      l.ticker === '' ||
      !(Number.isSafeInteger(l.from) && Number.isSafeInteger(l.to)) ||
      l.from > l.to
    ) {
      throw new BacktestRequestError('labels', 'each needs a ticker and times from <= to (ms)');
    }
  }
  const instruments = nonEmpty('instruments', request.instruments);
  const sectors = nonEmpty('sectors', request.sectors);
  return {
    from: request.from,
    to: request.to,
    ...(instruments ? { instruments } : {}),
    ...(sectors ? { sectors } : {}),
    production,
    candidate,
    ...(request.labels && request.labels.length > 0 ? { labels: request.labels } : {}),
    batchSize,
    ...(request.heartbeatTimeoutMs !== undefined
      ? { heartbeatTimeoutMs: request.heartbeatTimeoutMs }
      : {}),
  };
}

/** JSON with every object's keys sorted: the same value, the same text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A run's key: the first 20 hex digits of the SHA-256 of the input's canonical JSON. */
export function backtestKey(input: BacktestInput): string {
  return createHash('sha256').update(canonical(input)).digest('hex').slice(0, 20);
}

/**
 * Starts a backtest under the id its input gives (`backtest-<key>`): the same request while
 * it runs joins it, and after it finished returns the stored report at once.
 */
export async function startBacktest(
  client: Client,
  config: Config,
  request: BacktestRequest,
): Promise<Started & { input: BacktestInput }> {
  const input = backtestInput(config, request);
  const started = await startOnce(client, backtestAnomaliesWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: backtestWorkflowId(backtestKey(input)),
    args: [input],
    ...backtestMetadata(input),
  });
  return { ...started, input };
}
