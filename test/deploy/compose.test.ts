import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';
import { findTool, runTool } from '../support/promtool';

interface ComposeModel {
  services: Record<
    string,
    {
      image?: string;
      environment?: Record<string, string>;
      ports?: { target: number; published: string }[];
      volumes?: { source: string; target: string; read_only?: boolean }[];
    }
  >;
}

/**
 * docker-compose.yml, loaded and validated by the Compose Specification's own loader
 * (compose-go's `compose-spec` command, the library `docker compose config` is built on; see
 * scripts/setup-tools.sh): it is a valid Compose file, and Prometheus and Grafana are wired
 * to the app's endpoints and to deploy/observability.
 */
describe('docker-compose.yml', () => {
  const validator = findTool('compose-spec');

  function load(file: string): ComposeModel {
    // Interpolation uses the variables' defaults, not this shell's environment.
    const r = runTool('env', [
      '-i',
      `PATH=${process.env.PATH ?? ''}`,
      validator,
      '-format',
      'json',
      file,
    ]);
    if (r.code !== 0) throw new Error(r.stdout + r.stderr);
    return JSON.parse(r.stdout) as ComposeModel;
  }

  const model = load(join(PROJECT_ROOT, 'docker-compose.yml'));

  it('is refused by the validator when broken (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fin-line-compose-'));
    try {
      const text = readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');
      const file = join(dir, 'docker-compose.yml');
      writeFileSync(file, text.replace('  prometheus:\n', '  prometheus:\n    bogus_key: 1\n'));
      expect(() => load(file)).toThrow(/bogus_key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scrapes the worker, API and simulator where compose serves them', () => {
    const prom = parse(
      readFileSync(join(PROJECT_ROOT, 'deploy/observability/prometheus.yml'), 'utf8'),
    ) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const target = (job: string) =>
      prom.scrape_configs.find((c) => c.job_name === job)?.static_configs[0]?.targets[0];
    const env = (service: string, key: string) => model.services[service]?.environment?.[key];
    expect(target('fin-line-worker')).toBe(`worker:${env('worker', 'WORKER_METRICS_PORT')}`);
    expect(env('worker', 'METRICS_HOST')).toBe('0.0.0.0');
    expect(target('fin-line-api')).toBe(`api:${env('api', 'API_PORT')}`);
    expect(target('fin-line-simulator')).toBe(`simulator:${env('simulator', 'SIMULATOR_PORT')}`);
  });

  it('runs Prometheus with the config and rules, and Grafana with the provisioned dashboard', () => {
    const mounts = (service: string) =>
      Object.fromEntries(
        (model.services[service]?.volumes ?? []).map((v) => [
          v.target,
          v.source.startsWith('/') ? v.source.slice(PROJECT_ROOT.length + 1) : v.source,
        ]),
      );
    expect(model.services.prometheus?.image).toMatch(/^prom\/prometheus:v2\./);
    expect(mounts('prometheus')).toMatchObject({
      '/etc/prometheus/prometheus.yml': 'deploy/observability/prometheus.yml',
      '/etc/prometheus/rules': 'deploy/observability/rules',
    });
    expect(model.services.grafana?.image).toMatch(/^grafana\/grafana:/);
    expect(mounts('grafana')).toMatchObject({
      '/etc/grafana/provisioning': 'deploy/observability/grafana/provisioning',
      '/var/lib/grafana/dashboards/fin-line': 'deploy/observability/grafana/dashboards',
    });
    const published = (service: string) =>
      (model.services[service]?.ports ?? []).map((p) => `${p.published}:${p.target}`);
    expect(published('prometheus')).toEqual(['9090:9090']);
    expect(published('grafana')).toEqual(['3000:3000']);
  });
});
