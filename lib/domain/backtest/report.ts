import { instrumentId } from '../partition';
import { compareStreamIdText } from './ids';
import type {
  BacktestAnomaly,
  BacktestReport,
  DayReport,
  Difference,
  KnownEvent,
  LabelScore,
  SideCounts,
  SideScore,
} from './types';

/**
 * Comparing the two sides of a backtest. Pure and deterministic: every list is sorted and every
 * record built with its keys in ascending order, so the same anomalies give the same JSON text.
 */

/**
 * The identity two sides' anomalies are matched by: partition, instrument, type and the tick
 * that triggered it (the last source id; for `stale`, the instrument's last tick before the
 * silence, so the same silent episode matches even when the two sides report it at different
 * times). Statistic, threshold and severity may differ between sides of one match.
 */
export function matchKey(a: BacktestAnomaly): string {
  const trigger = a.sourceIds[a.sourceIds.length - 1] ?? '';
  return `${a.partition}|${instrumentId(a.ticker, a.feed)}|${a.type}|${trigger}`;
}

/** Report order: event time, partition, triggering tick id, type. */
export function byReportOrder(a: BacktestAnomaly, b: BacktestAnomaly): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  if (a.partition !== b.partition) return a.partition - b.partition;
  const ia = a.sourceIds[a.sourceIds.length - 1] ?? '';
  const ib = b.sourceIds[b.sourceIds.length - 1] ?? '';
  return compareStreamIdText(ia, ib) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);
}

/** A record with its keys in ascending order (code unit order, locale-free). */
export function sortedRecord(m: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
}

const bump = (m: Map<string, number>, k: string, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

/** Counts of one side's anomalies by type, severity, sector and instrument. */
export function countSide(found: readonly BacktestAnomaly[]): SideCounts {
  const byType = new Map<string, number>();
  const bySeverity = new Map<string, number>();
  const bySector = new Map<string, number>();
  const byInstrument = new Map<string, number>();
  for (const a of found) {
    bump(byType, a.type);
    bump(bySeverity, a.severity);
    bump(bySector, a.sector);
    bump(byInstrument, instrumentId(a.ticker, a.feed));
  }
  return {
    total: found.length,
    byType: sortedRecord(byType),
    bySeverity: sortedRecord(bySeverity),
    bySector: sortedRecord(bySector),
    byInstrument: sortedRecord(byInstrument),
  };
}

/** Sums counts (of several days). */
export function addCounts(parts: readonly SideCounts[]): SideCounts {
  const sum = (field: Exclude<keyof SideCounts, 'total'>) => {
    const m = new Map<string, number>();
    for (const p of parts) for (const [k, n] of Object.entries(p[field])) bump(m, k, n);
    return sortedRecord(m);
  };
  return {
    total: parts.reduce((n, p) => n + p.total, 0),
    byType: sum('byType'),
    bySeverity: sum('bySeverity'),
    bySector: sum('bySector'),
    byInstrument: sum('byInstrument'),
  };
}

function inLabel(a: BacktestAnomaly, l: KnownEvent): boolean {
  return (
    a.ticker === l.ticker &&
    (l.feed === undefined || a.feed === l.feed) &&
    (l.type === undefined || a.type === l.type) &&
    a.ts >= l.from &&
    a.ts <= l.to
  );
}

/** Which labels a side caught and how many of its anomalies lie in some label's window. */
export function scoreLabels(
  found: readonly BacktestAnomaly[],
  labels: readonly KnownEvent[],
): LabelScore {
  const caught = new Set<number>();
  let explained = 0;
  for (const a of found) {
    let hit = false;
    for (let i = 0; i < labels.length; i++) {
      if (inLabel(a, labels[i]!)) {
        caught.add(i);
        hit = true;
      }
    }
    if (hit) explained++;
  }
  return { explained, caught: [...caught].sort((x, y) => x - y) };
}

/** What one day's replay gives: each side's anomalies (any order). */
export interface DaySides {
  readonly day: string;
  readonly ticksRead: number;
  readonly ticksReplayed: number;
  readonly production: readonly BacktestAnomaly[];
  readonly candidate: readonly BacktestAnomaly[];
}

/**
 * Compares one day's two sides: counts, matches, the first `keepDifferences` differences in
 * report order, and (when labels are given) each side's label score.
 */
export function compareDay(
  sides: DaySides,
  keepDifferences: number,
  labels?: readonly KnownEvent[],
): DayReport {
  const prodKeys = new Set(sides.production.map(matchKey));
  const candKeys = new Set(sides.candidate.map(matchKey));
  const differences: Difference[] = [];
  let onlyProduction = 0;
  let onlyCandidate = 0;
  for (const a of sides.production) {
    if (!candKeys.has(matchKey(a))) {
      onlyProduction++;
      differences.push({ only: 'production', anomaly: a });
    }
  }
  for (const a of sides.candidate) {
    if (!prodKeys.has(matchKey(a))) {
      onlyCandidate++;
      differences.push({ only: 'candidate', anomaly: a });
    }
  }
  differences.sort(
    (x, y) =>
      byReportOrder(x.anomaly, y.anomaly) || (x.only < y.only ? -1 : x.only > y.only ? 1 : 0),
  );
  const both = [...prodKeys].filter((k) => candKeys.has(k)).length;
  return {
    day: sides.day,
    ticksRead: sides.ticksRead,
    ticksReplayed: sides.ticksReplayed,
    production: countSide(sides.production),
    candidate: countSide(sides.candidate),
    both,
    onlyProduction,
    onlyCandidate,
    differences: differences.slice(0, keepDifferences),
    ...(labels && labels.length > 0
      ? {
          labels: {
            production: scoreLabels(sides.production, labels),
            candidate: scoreLabels(sides.candidate, labels),
          },
        }
      : {}),
  };
}

function score(total: number, flagged: number, parts: readonly LabelScore[]): SideScore {
  const explained = parts.reduce((n, p) => n + p.explained, 0);
  const caught = new Set(parts.flatMap((p) => p.caught)).size;
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1e6) / 1e6 : null);
  return { precision: ratio(explained, flagged), recall: ratio(caught, total), explained, caught };
}

/** The run's report from its days' reports (in day order), keeping the first differences. */
export function mergeDays(
  from: string,
  to: string,
  days: readonly DayReport[],
  keepDifferences: number,
  labelCount: number,
): BacktestReport {
  const production = addCounts(days.map((d) => d.production));
  const candidate = addCounts(days.map((d) => d.candidate));
  const labelled = labelCount > 0;
  return {
    from,
    to,
    days: days.length,
    ticksRead: days.reduce((n, d) => n + d.ticksRead, 0),
    ticksReplayed: days.reduce((n, d) => n + d.ticksReplayed, 0),
    production,
    candidate,
    both: days.reduce((n, d) => n + d.both, 0),
    onlyProduction: days.reduce((n, d) => n + d.onlyProduction, 0),
    onlyCandidate: days.reduce((n, d) => n + d.onlyCandidate, 0),
    differences: days.flatMap((d) => d.differences).slice(0, keepDifferences),
    ...(labelled
      ? {
          labels: {
            total: labelCount,
            production: score(
              labelCount,
              production.total,
              days.flatMap((d) => (d.labels ? [d.labels.production] : [])),
            ),
            candidate: score(
              labelCount,
              candidate.total,
              days.flatMap((d) => (d.labels ? [d.labels.candidate] : [])),
            ),
          },
        }
      : {}),
    perDay: days.map((d) => ({
      day: d.day,
      ticksRead: d.ticksRead,
      production: d.production.total,
      candidate: d.candidate.total,
      onlyProduction: d.onlyProduction,
      onlyCandidate: d.onlyCandidate,
    })),
  };
}

/**
 * An anomaly as one line of a backtest's NDJSON output, its keys in a fixed order (the same
 * anomaly always gives the same bytes).
 */
export function anomalyLine(a: BacktestAnomaly): string {
  return JSON.stringify({
    partition: a.partition,
    ticker: a.ticker,
    feed: a.feed,
    sector: a.sector,
    type: a.type,
    severity: a.severity,
    price: a.price,
    statistic: a.statistic,
    threshold: a.threshold,
    ts: a.ts,
    sourceIds: a.sourceIds,
  });
}
