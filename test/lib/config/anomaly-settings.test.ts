import {
  anomalySettingsText,
  ConfigError,
  loadConfig,
  parseAnomalySettings,
  withAssignments,
} from '../../../lib/config';

describe('parseAnomalySettings', () => {
  const config = loadConfig({ NODE_ENV: 'test', ANOMALY_JUMP_PCT: '7' });

  it('gives the configuration back from its text, and applies assignments over it', () => {
    const text = anomalySettingsText(config.anomaly);
    expect(parseAnomalySettings(text)).toEqual(config.anomaly);
    const unset = parseAnomalySettings(withAssignments(text, ['ANOMALY_JUMP_PCT=']));
    expect(unset.jumpPct).toBeUndefined();
    const set = parseAnomalySettings(
      withAssignments(text, [
        'ANOMALY_Z_THRESHOLD=3.5',
        'ANOMALY_SECTOR_OVERRIDES={"Crypto":{"jumpPct":2}}',
      ]),
    );
    expect(set).toEqual({
      ...config.anomaly,
      zThreshold: 3.5,
      sectors: { Crypto: { jumpPct: 2 } },
    });
  });

  it('checks keys as the environment is checked, the rule between keys included', () => {
    const bad = (text: Record<string, string>) => {
      try {
        parseAnomalySettings(text);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).issues.map((i) => i.key);
      }
      throw new Error('accepted');
    };
    expect(bad({ ANOMALY_Z_THRESHOLD: '0' })).toEqual(['ANOMALY_Z_THRESHOLD']);
    expect(bad({ ANOMALY_WINDOW: '10', ANOMALY_MIN_SAMPLES: '20' })).toEqual([
      'ANOMALY_MIN_SAMPLES',
      'ANOMALY_VOLUME_MIN_SAMPLES',
    ]);
    expect(bad({ ANOMALY_SECTOR_OVERRIDES: '{"X":{"zThreshold":-1}}' })).toEqual([
      'ANOMALY_SECTOR_OVERRIDES',
    ]);
    expect(bad({ PIPELINE_BATCH_SIZE: '5' })).toEqual(['PIPELINE_BATCH_SIZE']);
    expect(() => withAssignments({}, ['NOEQUALS'])).toThrow(ConfigError);
  });
});
