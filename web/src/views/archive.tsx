import { gql } from '../graphql/client';
import type { ArchiveDay } from '../graphql/types';
import { Badge, Panel } from '../components/panel';
import { ScheduleLink, TemporalLink } from '../components/temporal-link';
import { usePoll } from '../hooks';
import { useSession } from '../session';

/** The archive's last closed days: archived, running, failed or missing, each with its workflow. */
export function ArchiveView() {
  const { settings } = useSession();
  const polled = usePoll(() => gql<{ archiveDays: ArchiveDay[] }>(settings, 'ArchiveDays'), 30_000);
  return (
    <Panel
      id="archive"
      title="Archive"
      error={polled.error}
      aside={
        <span class="aside">
          nightly: <ScheduleLink scheduleId={settings.archiveSchedule} />
        </span>
      }
    >
      <table>
        <thead>
          <tr>
            <th>day (UTC)</th>
            <th>status</th>
            <th>workflow</th>
          </tr>
        </thead>
        <tbody>
          {polled.data?.archiveDays.map((d) => (
            <tr key={d.day} data-day={d.day}>
              <td>{d.day}</td>
              <td>
                <Badge kind={d.status}>{d.status}</Badge>
              </td>
              <td>
                {d.workflow ? (
                  <TemporalLink workflowId={d.workflow.workflowId} runId={d.workflow.runId} />
                ) : (
                  '–'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
