import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';

export const OBSERVABILITY_DIR = join(PROJECT_ROOT, 'deploy/observability');
export const RULES_FILE = join(OBSERVABILITY_DIR, 'rules/fin-line-alerts.yml');
export const DASHBOARD_FILE = join(OBSERVABILITY_DIR, 'grafana/dashboards/pipeline-overview.json');

/** One alerting rule as written in the rules file. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** Every alerting rule of the rules file. */
export function alertRules(): AlertRule[] {
  const doc = parse(readFileSync(RULES_FILE, 'utf8')) as {
    groups: { name: string; rules: AlertRule[] }[];
  };
  return doc.groups.flatMap((g) => g.rules);
}

/** A Grafana panel as the dashboard JSON holds it (the fields the tests read). */
export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { h: number; w: number; x: number; y: number };
  readonly datasource?: { type: string; uid: string };
  readonly targets?: { refId: string; expr: string; datasource?: { type: string; uid: string } }[];
  readonly panels?: Panel[];
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: Panel[];
  readonly templating: { list: { name: string; type: string; query: string }[] };
}

export function dashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every PromQL expression of the dashboard's panels. */
export function dashboardExpressions(): { panel: string; expr: string }[] {
  return dashboard().panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
  );
}
