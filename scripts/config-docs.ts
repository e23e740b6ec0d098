import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as markdown from 'prettier/plugins/markdown';
import { format } from 'prettier/standalone';
import type { Options } from 'prettier';
import { configReference } from '../lib/config/reference';
import { answerHelp } from '../lib/cli';

/**
 * `npm run docs:config`: writes docs/configuration.md from the declarations in lib/config/,
 * formatted as `prettier --check` expects. test/scripts/config-docs.test.ts fails when the
 * file is not what this writes.
 */

const ROOT = join(__dirname, '..');

/** Where the configuration reference lives. */
export const CONFIG_DOCS_PATH = join(ROOT, 'docs', 'configuration.md');

/** The configuration reference as the file should read. */
export async function renderConfigDocs(): Promise<string> {
  const options = JSON.parse(readFileSync(join(ROOT, '.prettierrc.json'), 'utf8')) as Options;
  return format(configReference(), { ...options, parser: 'markdown', plugins: [markdown] });
}

async function main(): Promise<void> {
  writeFileSync(CONFIG_DOCS_PATH, await renderConfigDocs());
  process.stdout.write(`wrote ${CONFIG_DOCS_PATH}\n`);
}

if (require.main === module) {
  answerHelp(
    'docs:config',
    `usage: npm run docs:config
  writes docs/configuration.md from the declarations in lib/config/`,
  );
  void main();
}
