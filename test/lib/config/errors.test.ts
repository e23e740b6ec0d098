import { ConfigError, loadConfig } from '../../../lib/config';
import { configError } from '../../../lib/config/errors';

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
