import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createApiKeyStore, readAudit } from '../../../api/auth';
import type { Env } from '../../../lib/config';
import { redisFixture, testConfig, testEnv, type RedisFixture } from '../../support/stack';

const ROOT = join(__dirname, '../../..');

function run(
  env: Env,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/api-keys.ts', ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, ...env },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run api-keys (scripts/api-keys.ts) against the test Redis', () => {
  let env: Env;
  let fx: RedisFixture;
  beforeAll(() => {
    env = testEnv();
    fx = redisFixture(testConfig({ REDIS_KEY_PREFIX: env.REDIS_KEY_PREFIX }));
  });
  afterAll(() => fx.close());

  it('creates (key once on stdout), lists without secrets, revokes; the key stops working', async () => {
    const created = await run(env, 'create', '--name', 'ci', '--role', 'operator');
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^fl_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);
    const id = /created API key ([a-z0-9]{10}) \(name ci, role operator\)/.exec(
      created.stderr,
    )?.[1];
    expect(id).toBe(key.slice(3, 13));

    const store = createApiKeyStore({ redis: fx.redis, keys: fx.keys, cacheMs: 0 });
    await expect(store.verifyApiKey(key)).resolves.toMatchObject({ role: 'operator', keyId: id });

    const listed = await run(env, 'list');
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+ROLE\s+CREATED\s+LAST USED\s+REVOKED$/);
    expect(lines[1]).toMatch(new RegExp(`^${id}\\s+ci\\s+operator\\s+\\d{4}-`));
    expect(listed.stdout).not.toContain(key.slice(14));

    const json = await run(env, 'list', '--json');
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ id, name: 'ci', role: 'operator' }),
    ]);

    const revoked = await run(env, 'revoke', id as string);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked ${id} \\(name ci\\) at \\d{4}-`));
    await expect(store.verifyApiKey(key)).rejects.toThrow('key revoked');

    const audit = await readAudit({ redis: fx.redis, keys: fx.keys });
    expect(audit.map((e) => [e.action, e.via, e.result])).toEqual([
      ['api-keys.create', 'cli', 'ok'],
      ['api-keys.revoke', 'cli', 'ok'],
    ]);
    expect(audit[0]?.subject).toMatch(/^cli:/);
    expect(JSON.stringify(audit)).not.toContain(key);
  });

  it('exits 2 with usage on bad input and 1 on an unknown id', async () => {
    const noRole = await run(env, 'create', '--name', 'x');
    expect(noRole.code).toBe(2);
    expect(noRole.stderr).toContain('create needs --role viewer, operator or admin');
    expect(noRole.stderr).toContain('usage: npm run api-keys');
    expect((await run(env, 'frobnicate')).code).toBe(2);
    const unknown = await run(env, 'revoke', 'zzzzzzzzzz');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no API key with id "zzzzzzzzzz"');
    expect(unknown.stdout).toBe('');
  });

  it('exits 1 naming the key when the configuration is bad', async () => {
    const bad = await run({ ...env, API_RATE_LIMIT_BURST: 'lots' }, 'list');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('API_RATE_LIMIT_BURST');
  });
});
