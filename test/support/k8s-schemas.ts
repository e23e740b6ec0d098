import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../lib/devstack/binaries';

/**
 * JSON schemas for kubeconform, made from the Kubernetes API's own OpenAPI v3 documents and the
 * Prometheus Operator's CRDs, both pinned Go modules that scripts/setup-tools.sh copies into
 * tools/k8s-openapi. The conversion is kubeconform's own recipe (openapi2jsonschema, strict):
 * `$ref`s point into the file's `definitions`, and every object with declared properties
 * refuses others, so a misspelt field fails validation.
 */

const SOURCES = join(PROJECT_ROOT, 'tools', 'k8s-openapi');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function strict(node: Json): Json {
  if (Array.isArray(node)) return node.map(strict);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/components/schemas/', '#/definitions/');
    } else if (
      key === 'properties' &&
      value &&
      typeof value === 'object' &&
      !Array.isArray(value)
    ) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, schema]) => [name, strict(schema)]),
      );
    } else {
      out[key] = strict(value);
    }
  }
  const open = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties && out.additionalProperties === undefined && !open) {
    out.additionalProperties = false;
  }
  return out;
}

/** The source directory of one pinned module; throws naming the setup script when missing. */
function sourceDir(prefix: string): string {
  const found = existsSync(SOURCES)
    ? readdirSync(SOURCES).find((d) => d.startsWith(prefix))
    : undefined;
  if (!found) throw new Error(`${SOURCES}/${prefix}* missing: run scripts/setup-tools.sh`);
  return join(SOURCES, found);
}

/** kubeconform's file name of a kind: `{{ .ResourceKind }}{{ .KindSuffix }}.json`. */
function fileName(kind: string, apiVersion: string): string {
  const [groupOrVersion, version] = apiVersion.split('/');
  const suffix = `-${groupOrVersion!.split('.')[0]!.toLowerCase()}${version ? `-${version}` : ''}`;
  return `${kind.toLowerCase()}${suffix}.json`;
}

/**
 * Writes the schemas of `kinds` (`{ kind, apiVersion }`) into `dir` and returns kubeconform's
 * `-schema-location` for them.
 */
export function writeKubeconformSchemas(
  dir: string,
  kinds: readonly { kind: string; apiVersion: string }[],
): string {
  mkdirSync(dir, { recursive: true });
  const k8s = sourceDir('kubernetes-');
  for (const { kind, apiVersion } of kinds) {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    let schema: Json;
    if (group === 'monitoring.coreos.com') {
      const crd = parse(
        readFileSync(
          join(
            sourceDir('prometheus-operator-'),
            `monitoring.coreos.com_${kind.toLowerCase()}s.yaml`,
          ),
          'utf8',
        ),
      ) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Json } }[] } };
      const v = crd.spec.versions.find((x) => x.name === version);
      if (!v) throw new Error(`no ${apiVersion} in the ${kind} CRD`);
      schema = strict(v.schema.openAPIV3Schema);
    } else {
      const file = group
        ? `apis__${group}__${version}_openapi.json`
        : `api__${version}_openapi.json`;
      const doc = JSON.parse(readFileSync(join(k8s, file), 'utf8')) as {
        components: {
          schemas: Record<string, Json & { 'x-kubernetes-group-version-kind'?: Json }>;
        };
      };
      const schemas = doc.components.schemas;
      const name = Object.keys(schemas).find((n) => {
        const gvks = schemas[n]!['x-kubernetes-group-version-kind'];
        return (
          Array.isArray(gvks) &&
          gvks.some(
            (g) =>
              g !== null &&
              typeof g === 'object' &&
              !Array.isArray(g) &&
              g.kind === kind &&
              g.version === version &&
              g.group === group,
          )
        );
      });
      if (!name) throw new Error(`no ${kind} in ${file}`);
      schema = {
        $ref: `#/definitions/${name}`,
        definitions: strict(schemas),
      };
    }
    writeFileSync(join(dir, fileName(kind, apiVersion)), JSON.stringify(schema));
  }
  return join(dir, '{{ .ResourceKind }}{{ .KindSuffix }}.json');
}
