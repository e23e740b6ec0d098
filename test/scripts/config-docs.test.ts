import { readFileSync } from 'node:fs';
import { CONFIG_DOCS_PATH, renderConfigDocs } from '../../scripts/config-docs';

describe('docs/configuration.md', () => {
  it('is what the declarations in lib/config/ generate', async () => {
    const expected = await renderConfigDocs();
    const actual = readFileSync(CONFIG_DOCS_PATH, 'utf8');
    if (actual !== expected) {
      throw new Error(
        'docs/configuration.md is out of date with lib/config/: run `npm run docs:config` and commit the result',
      );
    }
    expect(actual).toContain('| `ANOMALY_SECTOR_OVERRIDES`');
  });
});
