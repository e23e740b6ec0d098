import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { lazyArchiveSink, type ArchiveManifest } from '../../../lib/archive';
import { loadConfig } from '../../../lib/config';
import { createLogger } from '../../../lib/logger';
import { registerArchiveCollector } from '../../../workers/collectors';

describe('the last archived day, read from the sink on scrape', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fin-line-archive-metrics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig({ ARCHIVE_SINK: 'parquet', ARCHIVE_DIR: dir });
  const sink = lazyArchiveSink(config, new Map());
  const now = Date.parse('2026-11-22T03:00:00Z');
  const logger = createLogger({ level: 'silent', name: 'test' });

  it('has no sample before the first archived day, then the newest day, its age and verification time', async () => {
    const registry = new Registry();
    registerArchiveCollector(registry, { sink, logger, now: () => now, maxAgeMs: 0 });
    expect(await registry.metrics()).not.toMatch(/^finline_archive_last_day/m);

    const s = await sink.get();
    for (const day of ['2026-11-20', '2026-11-21']) {
      await s.writeManifest({
        day,
        version: 1,
        verifiedAt: Date.parse(`${day}T02:10:00Z`) + 86_400_000,
      } as ArchiveManifest);
    }
    const text = await registry.metrics();
    expect(text).toMatch(
      /^finline_archive_last_day_timestamp_seconds\{sink="parquet"\} 1795219200$/m,
    );
    // 2026-11-21 ended at 2026-11-22T00:00Z: three hours before `now`.
    expect(text).toMatch(/^finline_archive_last_day_age_seconds\{sink="parquet"\} 10800$/m);
    expect(text).toMatch(
      /^finline_archive_last_success_timestamp_seconds\{sink="parquet"\} 1795313400$/m,
    );
    await s.close();
  });
});
