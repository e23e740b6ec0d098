import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { decodeTick } from '../lib/redis';
import { activityLogger, type ActivityDeps } from './deps';
import type { StreamEntry } from './stream-reader';

export interface ArchiveManifest {
  readonly day: string;
  readonly stream: string;
  readonly fromId: string;
  readonly toId: string;
  readonly count: number;
  readonly sha256: string;
  readonly file: string;
  readonly writtenAt: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PAGE = 5000;

/** The [start, end) of a UTC day in ms. */
export function dayRange(day: string): { start: number; end: number } {
  if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw ApplicationFailure.nonRetryable(
      `bad day ${JSON.stringify(day)}: expected YYYY-MM-DD`,
      'BadDay',
    );
  }
  const start = Date.parse(`${day}T00:00:00Z`);
  return { start, end: start + 86_400_000 };
}

export function createArchiveActivities(deps: ActivityDeps) {
  const { redis, keys, config } = deps;
  return {
    /**
     * Copies one UTC day of `normalized:events` (stream ids are ms timestamps) to an NDJSON
     * file under ARCHIVE_DIR, streaming page by page, and writes a manifest with the count
     * and a checksum. Written to a temporary name and renamed, so a crash leaves no half file;
     * re-running a day rewrites the same content. Nothing is trimmed from Redis yet.
     */
    async copyDayToArchive(input: { day: string }): Promise<ArchiveManifest> {
      const { start, end } = dayRange(input.day);
      const log = activityLogger(deps.logger, { day: input.day });
      const dir = join(config.archive.dir, 'normalized', `date=${input.day}`);
      await mkdir(dir, { recursive: true });
      const file = join(dir, 'part-0.ndjson');
      const tmp = `${file}.tmp`;
      const out = createWriteStream(tmp);
      const hash = createHash('sha256');
      let count = 0;
      let fromId = '';
      let toId = '';
      let cursor = `${start}-0`;
      const last = `${end - 1}-18446744073709551615`;
      for (;;) {
        const page = (await redis.xrange(
          keys.normalizedEvents,
          cursor,
          last,
          'COUNT',
          PAGE,
        )) as StreamEntry[];
        for (const [id, fields] of page) {
          const line = `${JSON.stringify(decodeTick(id, fields))}\n`;
          hash.update(line);
          if (!out.write(line)) await once(out, 'drain');
          if (!fromId) fromId = id;
          toId = id;
          count++;
        }
        heartbeatIfInActivity({ day: input.day, count, toId });
        if (page.length < PAGE) break;
        cursor = `(${page[page.length - 1]![0]}`;
      }
      out.end();
      await once(out, 'finish');
      await rename(tmp, file);
      const manifest: ArchiveManifest = {
        day: input.day,
        stream: keys.normalizedEvents,
        fromId,
        toId,
        count,
        sha256: hash.digest('hex'),
        file,
        writtenAt: deps.now(),
      };
      await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      log.info({ count, file }, 'day archived');
      return manifest;
    },
  };
}

function heartbeatIfInActivity(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Called outside an activity (CLI, tests): nothing to heartbeat to.
  }
}
