import type { CopyResult, TrimResult } from '../../contract';
import type { ArchiveManifest } from '../../lib/archive';
import type { ActivityDeps } from '../deps';
import { activityLogger } from '../deps';
import { archiveContext, checkedRange } from './context';
import { copyDay } from './copy-day';
import { trimArchived } from './trim';
import { verifyDay } from './verify-day';

/**
 * The archiveDay workflow's activities. Each goes over every pipeline partition: one day's
 * copy and manifest cover all of them; verify and trim work partition by partition.
 */
export function createArchiveActivities(deps: ActivityDeps) {
  const c = archiveContext(deps);
  return {
    /** The day's manifest when the day is archived (and verified), else null. */
    async readArchiveManifest(input: { day: string }): Promise<ArchiveManifest | null> {
      checkedRange(input.day);
      return (await (await c.archive.get()).readManifest(input.day)) ?? null;
    },

    /** Copies one closed UTC day of every partition to the sink (see {@link copyDay}). */
    copyDayToArchive(input: { day: string }): Promise<CopyResult> {
      return copyDay(c, input.day);
    },

    /** Checks the copy against its source; returns the manifest (see {@link verifyDay}). */
    verifyArchivedDay(input: { copy: CopyResult }): Promise<ArchiveManifest> {
      return verifyDay(c, input.copy);
    },

    /** Writes the manifest: from now on the day counts as archived (the commit point). */
    async writeArchiveManifest(input: { manifest: ArchiveManifest }): Promise<void> {
      const sink = await c.archive.get();
      await sink.writeManifest(input.manifest);
      activityLogger(deps.logger, { day: input.manifest.day }).info(
        {
          ticks: input.manifest.ticks.digest.count,
          partitions: input.manifest.partitions,
          sink: sink.kind,
        },
        'manifest written',
      );
    },

    /** Trims every partition's streams as far as the retention rule allows (see {@link trimArchived}). */
    trimArchived(): Promise<TrimResult> {
      return trimArchived(c);
    },
  };
}
