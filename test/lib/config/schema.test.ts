import { loadConfig } from '../../../lib/config';
import { ENV_KEYS, SECRET_KEYS, SECTIONS, SETTINGS } from '../../../lib/config/schema';
import { Setting, settingsOf, type Settings } from '../../../lib/config/setting';

describe('configuration declarations', () => {
  it('declare each variable once, with a meaning', () => {
    expect(new Set(ENV_KEYS).size).toBe(ENV_KEYS.length);
    expect(ENV_KEYS).toHaveLength(119);
    for (const s of SECTIONS.flatMap((section) => settingsOf(section.settings))) {
      expect(s.env).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(s.doc.length).toBeGreaterThan(5);
    }
    expect([...SECRET_KEYS].sort()).toEqual(['API_JWT_SECRET', 'FEED_CREDENTIALS']);
  });

  it('build a Config with one field per declaration, in declaration order', () => {
    const paths = (tree: Settings, at = ''): string[] =>
      Object.entries(tree).flatMap(([k, v]) =>
        v instanceof Setting ? [`${at}${k}`] : paths(v, `${at}${k}.`),
      );
    const leaves = (o: object, at = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) =>
        typeof v === 'object' && v !== null && !['credentials', 'sectors'].includes(k)
          ? leaves(v as object, `${at}${k}.`)
          : [`${at}${k}`],
      );
    expect(leaves(loadConfig({}))).toEqual(paths(SETTINGS));
  });

  it('fill derived defaults from other keys', () => {
    expect(loadConfig({ DATA_DIR: '/srv' }).archive.dir).toBe('/srv/archive');
    expect(loadConfig({ DATA_DIR: '/srv', ARCHIVE_DIR: '/a' }).archive.dir).toBe('/a');
    expect(loadConfig({ NODE_ENV: 'test' }).api.auth.mode).toBe('required');
  });
});
