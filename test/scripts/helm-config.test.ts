import { readFileSync } from 'node:fs';
import { HELM_CONFIG_KEYS_PATH, renderHelmConfigKeys } from '../../scripts/helm-config';

describe('deploy/helm/fin-line/config-keys.json', () => {
  it('is what the declarations in lib/config/ generate', async () => {
    const expected = await renderHelmConfigKeys();
    const actual = readFileSync(HELM_CONFIG_KEYS_PATH, 'utf8');
    if (actual !== expected) {
      throw new Error(
        'deploy/helm/fin-line/config-keys.json is out of date with lib/config/: run `npm run docs:config` and commit the result',
      );
    }
    const doc = JSON.parse(actual) as { settings: string[]; secret: string[] };
    expect(doc.settings).toContain('WORKER_SHUTDOWN_GRACE_MS');
    expect(doc.secret).toEqual(expect.arrayContaining(['API_JWT_SECRET', 'FEED_CREDENTIALS']));
  });
});
