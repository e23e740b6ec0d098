import { ConfigError, loadConfig } from '../../lib/config';

describe('loadConfig', () => {
  it('gives documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.temporal).toMatchObject({
      address: '127.0.0.1:7233',
      namespace: 'default',
      uiPort: 8233,
    });
    expect(c.api.port).toBe(4000);
    expect(c.archive).toMatchObject({ cron: '0 2 * * *', timezone: 'UTC', dir: 'data/archive' });
  });

  it('treats blank values as unset and coerces numbers', () => {
    const c = loadConfig({ API_PORT: '  ', PIPELINE_BATCH_SIZE: '250' });
    expect(c.api.port).toBe(4000);
    expect(c.pipeline.batchSize).toBe(250);
  });

  it('stops with a message naming every bad key', () => {
    const bad = () =>
      loadConfig({ API_PORT: '70000', REDIS_URL: 'localhost:6379', TEMPORAL_ADDRESS: 'nope' });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toMatch(/API_PORT="70000"/);
      expect(msg).toMatch(/REDIS_URL="localhost:6379": must start with redis:\/\//);
      expect(msg).toMatch(/TEMPORAL_ADDRESS="nope": must be host:port/);
    }
  });
});
