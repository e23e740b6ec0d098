import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  dashboard,
  dashboardExpressions,
  OBSERVABILITY_DIR,
  type Panel,
} from '../../support/observability';
import { promqlMetricNames } from '../../support/promql';

/**
 * The provisioned Grafana dashboard: the shape Grafana loads (uid, panels on the 24-column
 * grid, Prometheus targets with refIds), wired to the provisioned datasource, and PromQL that
 * parses. That its metrics exist is checked against the real processes in metrics.test.ts.
 */
describe('deploy/observability: Grafana dashboard', () => {
  const d = dashboard();
  const provisioning = join(OBSERVABILITY_DIR, 'grafana/provisioning');
  const datasources = parse(
    readFileSync(join(provisioning, 'datasources/prometheus.yml'), 'utf8'),
  ) as { apiVersion: number; datasources: { uid: string; type: string; url: string }[] };
  const providers = parse(readFileSync(join(provisioning, 'dashboards/fin-line.yml'), 'utf8')) as {
    apiVersion: number;
    providers: { type: string; options: { path: string } }[];
  };

  it('has the fields Grafana needs and panels on the grid', () => {
    expect(d.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(d.title).toBeTruthy();
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = new Set<number>();
    const check = (p: Panel) => {
      expect(ids.has(p.id)).toBe(false);
      ids.add(p.id);
      expect(['row', 'timeseries', 'stat']).toContain(p.type);
      const { x, y, w, h } = p.gridPos;
      expect(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0).toBe(true);
      if (p.type === 'row') return;
      expect(p.targets?.length).toBeGreaterThan(0);
      const refIds = p.targets!.map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
    };
    for (const p of d.panels) {
      check(p);
      for (const inner of p.panels ?? []) check(inner);
    }
    expect(d.panels.filter((p) => p.type !== 'row').length).toBeGreaterThanOrEqual(15);
  });

  it('reads the provisioned Prometheus datasource', () => {
    expect(datasources.apiVersion).toBe(1);
    const [ds] = datasources.datasources;
    expect(ds).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    const variable = d.templating.list.find((v) => v.type === 'datasource');
    expect(variable).toMatchObject({ name: 'datasource', query: 'prometheus' });
    expect((variable as unknown as { current: { value: string } }).current.value).toBe(ds!.uid);
    for (const p of d.panels.filter((x) => x.type !== 'row')) {
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
    expect(providers.providers[0]).toMatchObject({
      type: 'file',
      options: { path: '/var/lib/grafana/dashboards/fin-line' },
    });
  });

  it('has PromQL that parses, each selecting at least one metric', async () => {
    const exprs = dashboardExpressions();
    expect(exprs.length).toBeGreaterThan(20);
    for (const { panel, expr } of exprs) {
      expect([panel, (await promqlMetricNames(expr)).length > 0]).toEqual([panel, true]);
    }
  });

  it('shows the pipeline overview the issue asks for', async () => {
    const names = new Set(
      (await Promise.all(dashboardExpressions().map((e) => promqlMetricNames(e.expr)))).flat(),
    );
    for (const name of [
      'finline_stream_group_lag',
      'finline_freshness_seconds_bucket',
      'finline_batch_events_total',
      'finline_dead_letters_total',
      'finline_failed_batches',
      'finline_ingest_connected',
      'finline_ingest_last_message_timestamp_seconds',
      'finline_archive_last_day_age_seconds',
      'finline_anomalies_total',
      'finline_redis_memory_used_bytes',
      'temporal_worker_task_slots_available',
      'finline_graphql_request_duration_seconds_bucket',
    ]) {
      expect([name, names.has(name)]).toEqual([name, true]);
    }
  });
});
