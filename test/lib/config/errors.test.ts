import { ConfigError, loadConfig } from '../../../lib/config';
import { configError, reportStartupError } from '../../../lib/config/errors';

describe('configError', () => {
  it('formats one line per issue and redacts secret keys, also paths inside them', () => {
    const err = configError(
      [
        { key: 'API_PORT', value: '70000', message: 'Too big' },
        { key: 'REDIS_KEY_PREFIX', value: undefined, message: 'odd' },
        { key: 'API_JWT_SECRET', value: 'hunter2', message: 'too short' },
        { key: 'FEED_CREDENTIALS.a.key', value: 'k', message: 'bad' },
      ],
      new Set(['API_JWT_SECRET', 'FEED_CREDENTIALS']),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      [
        'invalid configuration:',
        '  API_PORT="70000": Too big',
        '  REDIS_KEY_PREFIX="": odd',
        '  API_JWT_SECRET=[redacted]: too short',
        '  FEED_CREDENTIALS.a.key=[redacted]: bad',
      ].join('\n'),
    );
  });
});

describe('loadConfig errors', () => {
  const message = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('never echoes feed credentials, naming the path inside the JSON instead', () => {
    const msg = message({ FEED_CREDENTIALS: '{"alpaca":{"key":"","secret":"s3cret","x":1}}' });
    expect(msg).toMatch(/FEED_CREDENTIALS=\[redacted\]: alpaca\.key: Too small/);
    expect(msg).toMatch(/FEED_CREDENTIALS=\[redacted\]: alpaca: Unrecognized key: "x"/);
    expect(msg).not.toMatch(/s3cret/);
    expect(message({ FEED_CREDENTIALS: 's3cret' })).toBe(
      'invalid configuration:\n  FEED_CREDENTIALS=[redacted]: must be JSON',
    );
  });

  it('reports every failing rule between keys at once', () => {
    expect(
      message({
        INGEST_MAX_LAG: '5000',
        INGEST_MAX_LEN: '5000',
        ANOMALY_WINDOW: '10',
        ANOMALY_MIN_SAMPLES: '11',
        API_JWT_AUDIENCE: 'me',
      }),
    ).toBe(
      [
        'invalid configuration:',
        '  INGEST_MAX_LAG="5000": must be below INGEST_MAX_LEN (5000)',
        '  ANOMALY_MIN_SAMPLES="11": must not exceed ANOMALY_WINDOW (10)',
        '  ANOMALY_VOLUME_MIN_SAMPLES="20": must not exceed ANOMALY_WINDOW (10)',
        '  API_JWT_AUDIENCE="me": needs API_JWT_SECRET or API_JWT_JWKS_URL',
      ].join('\n'),
    );
  });
});

describe('reportStartupError', () => {
  const configFailure = (): ConfigError => {
    try {
      loadConfig({ API_PORT: '70000', API_JWT_SECRET: 'short' });
    } catch (err) {
      return err as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };
  const capture = (isTTY: boolean) => {
    const written: string[] = [];
    const logged: { fields: object; message: string }[] = [];
    return {
      stream: { isTTY, write: (text: string) => written.push(text) },
      logger: { fatal: (fields: object, message: string) => logged.push({ fields, message }) },
      written,
      logged,
    };
  };

  it('prints the bad keys as a list on a terminal, secrets redacted, no stack', () => {
    const c = capture(true);
    reportStartupError(configFailure(), 'api failed to start', c.logger, c.stream);
    expect(c.logged).toEqual([]);
    expect(c.written.join('')).toBe(
      [
        'api failed to start: invalid configuration',
        '  - API_PORT="70000": Too big: expected number to be <=65535',
        '  - API_JWT_SECRET=[redacted]: must be at least 32 characters',
        'Every variable, its default and meaning: docs/configuration.md',
        '',
      ].join('\n'),
    );
  });

  it('logs one JSON line with the issues when not on a terminal', () => {
    const c = capture(false);
    reportStartupError(configFailure(), 'worker failed', c.logger, c.stream);
    expect(c.written).toEqual([]);
    expect(c.logged).toEqual([
      {
        message: 'worker failed: invalid configuration',
        fields: {
          issues: [
            { key: 'API_PORT', value: '70000', message: 'Too big: expected number to be <=65535' },
            {
              key: 'API_JWT_SECRET',
              value: '[redacted]',
              redacted: true,
              message: 'must be at least 32 characters',
            },
          ],
        },
      },
    ]);
    expect(JSON.stringify(c.logged)).not.toContain('short');
  });

  it('logs any other error with its stack, terminal or not', () => {
    const c = capture(true);
    const err = new Error('redis down');
    reportStartupError(err, 'api failed to start', c.logger, c.stream);
    expect(c.written).toEqual([]);
    expect(c.logged).toEqual([{ fields: { err }, message: 'api failed to start' }]);
  });
});
