import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../../lib/devstack/binaries';
import { alertRules, OBSERVABILITY_DIR } from '../../support/observability';
import { promqlMetricNames } from '../../support/promql';
import { findTool, runTool } from '../../support/promtool';

const TESTS_FILE = join(OBSERVABILITY_DIR, 'tests/fin-line-alerts.test.yml');

/**
 * The alert rules and the Prometheus config pass Prometheus's own checks (`promtool check
 * config`, which also checks the rule files it loads), and the rules' unit tests on synthetic
 * series (`promtool test rules`) pass.
 */
describe('deploy/observability: Prometheus config and alert rules', () => {
  const promtool = findTool('promtool');

  it('passes promtool check config (and check rules through it)', () => {
    const r = runTool(promtool, ['check', 'config', 'deploy/observability/prometheus.yml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: 1 rule files found/);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('passes promtool test rules', () => {
    const r = runTool(promtool, ['test', 'rules', TESTS_FILE]);
    expect(r.stdout + r.stderr).toMatch(/SUCCESS/);
    expect(r.code).toBe(0);
  });

  it('fails promtool test rules when an alert expression is wrong (the tests can fail)', () => {
    // The same tests against a rules file whose lag alert never fires.
    const dir = mkdtempSync(join(tmpdir(), 'fin-line-rules-'));
    mkdirSync(join(dir, 'rules'), { recursive: true });
    mkdirSync(join(dir, 'tests'), { recursive: true });
    try {
      const rules = readFileSync(join(OBSERVABILITY_DIR, 'rules/fin-line-alerts.yml'), 'utf8');
      writeFileSync(
        join(dir, 'rules/fin-line-alerts.yml'),
        rules.replace('(finline_stream_group_lag) > 1000', '(finline_stream_group_lag) > 1e9'),
      );
      writeFileSync(join(dir, 'tests/t.yml'), readFileSync(TESTS_FILE, 'utf8'));
      const r = runTool(promtool, ['test', 'rules', join(dir, 'tests/t.yml')]);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/FinlinePipelineLagGrowing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has a unit test that fires every alert', () => {
    const tests = parse(readFileSync(TESTS_FILE, 'utf8')) as {
      tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const fired = new Set(
      tests.tests.flatMap((t) =>
        (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    expect(
      alertRules()
        .map((r) => r.alert)
        .filter((a) => !fired.has(a)),
    ).toEqual([]);
  });

  it('gives every alert a severity, a runbook and a runbook section in docs/operations.md', async () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs/operations.md'), 'utf8');
    // GitHub's anchors: lower case, no punctuation.
    const anchors = new Set(
      [...doc.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const rule of alertRules()) {
      expect([rule.alert, rule.labels.severity]).toEqual([
        rule.alert,
        expect.stringMatching(/^(warning|critical)$/),
      ]);
      expect(rule.annotations.runbook?.length).toBeGreaterThan(20);
      const url = rule.annotations.runbook_url ?? '';
      expect(url).toBe(`docs/operations.md#${rule.alert.toLowerCase()}`);
      expect([rule.alert, anchors.has(rule.alert.toLowerCase())]).toEqual([rule.alert, true]);
      // Every expression selects at least one metric (the cross-check with /metrics needs one).
      expect((await promqlMetricNames(rule.expr)).length).toBeGreaterThan(0);
    }
  });
});
