import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parseAllDocuments } from 'yaml';
import { ConfigError, loadConfig } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';
import { createLogger } from '../../lib/logger';
import { createKeys, createRedis } from '../../lib/redis';
import { registerStreamCollector } from '../../workers/collectors';
import { writeKubeconformSchemas } from '../support/k8s-schemas';
import { findTool, runTool } from '../support/promtool';

const CHART = 'deploy/helm/fin-line';
/** `helm template` assumes Kubernetes 1.20 unless told; the chart needs 1.25+. */
const KUBE_VERSION = '1.30.0';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

interface Container {
  name: string;
  command: string[];
  envFrom: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
}

interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { terminationGracePeriodSeconds?: number; containers: Container[] };
}

/** Renders the chart with `--set` pairs: the manifests' text; throws with Helm's error. */
function renderText(set: Record<string, string> = {}): string {
  const helm = findTool('helm');
  const args = ['template', 'fl', CHART, '--kube-version', KUBE_VERSION];
  for (const [k, v] of Object.entries(set)) args.push('--set-string', `${k}=${v}`);
  const r = runTool(helm, args);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout;
}

function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** Renders the chart with `--set` pairs; returns the objects. */
function render(set: Record<string, string> = {}): K8sObject[] {
  return parseObjects(renderText(set));
}

/** Every optional part of the chart turned on. */
const EVERYTHING = {
  'worker.autoscaling.enabled': 'true',
  'metrics.serviceMonitor.enabled': 'true',
  'simulator.enabled': 'true',
  'secrets.API_JWT_SECRET': 'x'.repeat(32),
};

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in ${objects.map((x) => x.kind).join(', ')}`);
  return o;
}

const template = (o: K8sObject) => (o.spec as { template: PodTemplate }).template;

/**
 * The Helm chart, checked by Helm itself (`helm lint --strict`, `helm template`) and by what
 * the rendered objects say: probes, drain time, PDBs, the HPA's metric, the monitors' job
 * names, and a ConfigMap that lib/config accepts.
 */
describe('deploy/helm/fin-line', () => {
  it('passes helm lint --strict', () => {
    const r = runTool(findTool('helm'), [
      'lint',
      '--strict',
      CHART,
      '--kube-version',
      KUBE_VERSION,
    ]);
    expect(r.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(r.code).toBe(0);
  });

  describe('kubeconform (strict) against the Kubernetes 1.30 API and the Prometheus Operator CRDs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fin-line-kubeconform-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const kinds = parseObjects(renderText(EVERYTHING)).map(({ kind, apiVersion }) => ({
      kind,
      apiVersion,
    }));
    const location = writeKubeconformSchemas(dir, kinds);
    const validate = (text: string) => {
      const file = join(dir, `manifests-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, text);
      return runTool(findTool('kubeconform'), [
        '-strict',
        '-summary',
        '-schema-location',
        location,
        file,
      ]);
    };

    it.each([
      ['the defaults', {}],
      ['every option on', EVERYTHING],
    ])('accepts what the chart renders with %s', (_name, set: Record<string, string>) => {
      const r = validate(renderText(set));
      expect(r.stdout + r.stderr).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
      expect(r.code).toBe(0);
    });

    it('refuses a misspelt field (the check can fail)', () => {
      const r = validate(
        renderText(EVERYTHING)
          .replace('readinessProbe:', 'readinesProbe:')
          .replace('jobLabel:', 'jobLabels:'),
      );
      expect(r.code).not.toBe(0);
      expect(r.stdout).toMatch(/readinesProbe/);
      expect(r.stdout).toMatch(/jobLabels/);
    });
  });

  it('renders a ConfigMap that lib/config loads, without secrets', () => {
    const objects = render();
    const cm = find(objects, 'ConfigMap', 'fl-fin-line-config');
    const config = loadConfig(cm.data);
    expect(config.env).toBe('production');
    expect(config.worker.metricsHost).toBe('0.0.0.0');
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
  });

  it('refuses a key lib/config does not declare, and a secret in the ConfigMap', () => {
    expect(() => render({ 'config.REDIS_URLL': 'redis://x:6379' })).toThrow(
      /config\.REDIS_URLL is not a fin-line setting/,
    );
    expect(() => render({ 'config.API_JWT_SECRET': 'x'.repeat(32) })).toThrow(
      /config\.API_JWT_SECRET is secret/,
    );
    const withSecret = render({ 'secrets.API_JWT_SECRET': 'x'.repeat(32) });
    const secret = find(withSecret, 'Secret', 'fl-fin-line-secrets');
    expect(secret.stringData).toEqual({ API_JWT_SECRET: 'x'.repeat(32) });
    const worker = template(find(withSecret, 'Deployment', 'fl-fin-line-worker'));
    expect(worker.spec.containers[0]!.envFrom).toEqual([
      { configMapRef: { name: 'fl-fin-line-config' } },
      { secretRef: { name: 'fl-fin-line-secrets' } },
    ]);
  });

  it('drains workers for longer than WORKER_SHUTDOWN_GRACE_MS, with probes on /healthz and /readyz', () => {
    for (const graceMs of [10_000, 45_500]) {
      const objects = render({ 'config.WORKER_SHUTDOWN_GRACE_MS': String(graceMs) });
      const deployment = find(objects, 'Deployment', 'fl-fin-line-worker');
      const pod = template(deployment);
      expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(graceMs / 1000);
      const [c] = pod.spec.containers;
      expect(c!.command).toEqual(['npm', 'run', 'worker']);
      expect(c!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
      expect(c!.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
      expect(c!.ports).toEqual([{ name: 'metrics', containerPort: 9464 }]);
      expect(pod.metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9464',
      });
      // Rolling updates start a new worker before one drains.
      expect(deployment.spec?.strategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
      });
    }
  });

  it('serves the API behind a Service with probes and disruption budgets for both', () => {
    const objects = render();
    const api = template(find(objects, 'Deployment', 'fl-fin-line-api'));
    const [c] = api.spec.containers;
    expect(c!.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c!.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    const svc = find(objects, 'Service', 'fl-fin-line-api');
    expect(svc.spec?.selector).toEqual(api.metadata.labels);
    expect(svc.spec?.ports).toEqual([{ name: 'http', port: 4000, targetPort: 'http' }]);
    for (const component of ['worker', 'api']) {
      const pdb = find(objects, 'PodDisruptionBudget', `fl-fin-line-${component}`);
      expect((pdb.spec?.selector as { matchLabels: unknown }).matchLabels).toEqual(
        template(find(objects, 'Deployment', `fl-fin-line-${component}`)).metadata.labels,
      );
    }
    expect(objects.some((o) => o.metadata.name === 'fl-fin-line-simulator')).toBe(false);
  });

  it('scales workers on a stream-lag metric the worker exports', () => {
    const objects = render({ 'worker.autoscaling.enabled': 'true' });
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'fl-fin-line-worker');
    const metric = (
      hpa.spec?.metrics as { type: string; external: { metric: { name: string } } }[]
    )[0]!;
    expect(metric.type).toBe('External');
    // The HPA owns the replica count.
    expect(find(objects, 'Deployment', 'fl-fin-line-worker').spec?.replicas).toBeUndefined();
    const registry = new Registry();
    const redis = createRedis('redis://127.0.0.1:1', { lazyConnect: true });
    registerStreamCollector(registry, {
      redis,
      keys: createKeys(),
      logger: createLogger({ level: 'silent', name: 't' }),
    });
    expect(registry.getSingleMetric(metric.external.metric.name)).toBeDefined();
    redis.disconnect();
  });

  it('monitors every process under the job names the alert rules use', () => {
    const objects = render({
      'metrics.serviceMonitor.enabled': 'true',
      'simulator.enabled': 'true',
    });
    const rules = readFileSync(
      join(PROJECT_ROOT, 'deploy/observability/rules/fin-line-alerts.yml'),
      'utf8',
    );
    const jobsInRules = new Set([...rules.matchAll(/job="([^"]+)"/g)].map((m) => m[1]!));
    expect([...jobsInRules].sort()).toEqual(['fin-line-api', 'fin-line-worker']);
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual([
      'fl-fin-line-api',
      'fl-fin-line-simulator',
      'fl-fin-line-worker',
    ]);
    for (const m of monitors) {
      const spec = m.spec as {
        jobLabel: string;
        selector: { matchLabels: Record<string, string> };
        endpoints: { port: string; path: string }[];
      };
      const svc = objects.find(
        (o) =>
          o.kind === 'Service' &&
          Object.entries(spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v),
      );
      expect(svc).toBeDefined();
      const job = svc!.metadata.labels?.[spec.jobLabel];
      expect(job).toBe(`fin-line-${spec.selector.matchLabels['app.kubernetes.io/component']}`);
      const ports = (svc!.spec?.ports as { name: string }[]).map((p) => p.name);
      expect(ports).toContain(spec.endpoints[0]!.port);
      expect(spec.endpoints[0]!.path).toBe('/metrics');
    }
  });

  it('keeps lib/config strict: an invalid value in the chart would stop the processes', () => {
    const cm = find(
      render({ 'config.WORKER_SHUTDOWN_GRACE_MS': 'soon' }),
      'ConfigMap',
      'fl-fin-line-config',
    );
    expect(() => loadConfig(cm.data)).toThrow(ConfigError);
  });
});
