import type { ComponentChildren } from 'preact';
import { useSession } from '../session';

/** The Temporal UI page of a workflow (its run's history when the run id is known). */
export function workflowUrl(base: string, workflowId: string, runId?: string | null): string {
  const id = encodeURIComponent(workflowId);
  return runId
    ? `${base}/workflows/${id}/${encodeURIComponent(runId)}/history`
    : `${base}/workflows/${id}`;
}

/** A link that opens a workflow in the Temporal UI, in a new tab. */
export function TemporalLink(props: {
  workflowId: string;
  runId?: string | null;
  children?: ComponentChildren;
}) {
  const { settings } = useSession();
  return (
    <a
      class="temporal"
      href={workflowUrl(settings.temporalUi, props.workflowId, props.runId)}
      target="_blank"
      rel="noreferrer"
      title="Open in the Temporal UI"
    >
      {props.children ?? props.workflowId}
    </a>
  );
}

/** A link to a Schedule in the Temporal UI. */
export function ScheduleLink(props: { scheduleId: string }) {
  const { settings } = useSession();
  return (
    <a
      class="temporal"
      href={`${settings.temporalUi}/schedules/${encodeURIComponent(props.scheduleId)}`}
      target="_blank"
      rel="noreferrer"
    >
      {props.scheduleId}
    </a>
  );
}
