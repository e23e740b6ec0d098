import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Options } from 'prettier';
import * as babel from 'prettier/plugins/babel';
import * as estree from 'prettier/plugins/estree';
import { format } from 'prettier/standalone';
import { ENV_KEYS, SECRET_KEYS } from '../lib/config/schema';

/**
 * Part of `npm run docs:config`: writes the Helm chart's list of configuration keys
 * (deploy/helm/fin-line/config-keys.json) from the declarations in lib/config/. The chart's
 * ConfigMap and Secret templates refuse a key that is not in it, and a secret key in the
 * ConfigMap; test/scripts/helm-config.test.ts fails when the file is not what this writes.
 */

const ROOT = join(__dirname, '..');

export const HELM_CONFIG_KEYS_PATH = join(ROOT, 'deploy/helm/fin-line/config-keys.json');

/** The file as it should read (formatted as `prettier --check` expects). */
export async function renderHelmConfigKeys(): Promise<string> {
  const doc = {
    $comment: 'Generated from lib/config/ by `npm run docs:config`; do not edit.',
    settings: [...ENV_KEYS],
    secret: [...SECRET_KEYS],
  };
  const options = JSON.parse(readFileSync(join(ROOT, '.prettierrc.json'), 'utf8')) as Options;
  return format(JSON.stringify(doc), { ...options, parser: 'json', plugins: [babel, estree] });
}

async function main(): Promise<void> {
  writeFileSync(HELM_CONFIG_KEYS_PATH, await renderHelmConfigKeys());
  process.stdout.write(`wrote ${HELM_CONFIG_KEYS_PATH}\n`);
}

if (require.main === module) void main();
