import { useRef } from 'preact/hooks';
import { gql } from '../graphql/client';
import type { Pipeline, Stage, StreamGroup } from '../graphql/types';
import { Badge, Panel } from '../components/panel';
import { TemporalLink } from '../components/temporal-link';
import { count, rate } from '../format';
import { usePoll } from '../hooks';
import { useSession } from '../session';

/** One row of the stage table: a stage (and, once the API lists them, one partition of it). */
interface StageRow {
  readonly key: string;
  readonly label: string;
  readonly stage: Stage;
  readonly group: StreamGroup | undefined;
}

/** Each stage's consumer group: the group of the stage's name on the stream it reads. */
function rows(p: Pipeline['pipeline']): StageRow[] {
  const groups = new Map(p.streams.flatMap((s) => s.groups.map((g) => [g.name, g] as const)));
  return p.stages.map((stage) => ({
    key: stage.stage,
    label: stage.stage,
    stage,
    group: groups.get(stage.stage),
  }));
}

/** The pipeline workflow and its stages: events/s, lag, pending, dead letters, failed batches. */
export function PipelineView() {
  const { settings } = useSession();
  const polled = usePoll(() => gql<Pipeline>(settings, 'Pipeline'), 2000);
  const p = polled.data?.pipeline;
  // A busy worker may miss the status query's deadline: keep the last stages it gave.
  const lastStages = useRef<readonly Stage[]>([]);
  const fresh = (p?.stages.length ?? 0) > 0;
  if (p && fresh) lastStages.current = p.stages;
  const shown = p && !fresh ? { ...p, stages: lastStages.current } : p;
  return (
    <Panel
      id="pipeline"
      title="Pipeline"
      error={polled.error}
      aside={
        p && (
          <span class="aside">
            <TemporalLink workflowId={p.workflowId} runId={p.runId} />{' '}
            <Badge kind={p.workflowStatus}>{p.workflowStatus.toLowerCase()}</Badge>
          </span>
        )
      }
    >
      <table>
        <thead>
          <tr>
            <th>stage</th>
            <th class="num">events/s</th>
            <th class="num">lag</th>
            <th class="num">pending</th>
            <th class="num">events</th>
            <th class="num">batches</th>
            <th class="num">dead letters</th>
            <th class="num">failed batches</th>
          </tr>
        </thead>
        <tbody>
          {shown &&
            rows(shown).map((r) => (
              <tr key={r.key} data-stage={r.key}>
                <td>{r.label}</td>
                <td class="num">{rate(r.stage.eventsPerSecond)}</td>
                <td class="num">{count(r.group?.lag ?? r.stage.lag)}</td>
                <td class="num">{count(r.group?.pending)}</td>
                <td class="num">{count(r.stage.events)}</td>
                <td class="num">{count(r.stage.batches)}</td>
                <td class="num">{count(r.stage.deadLettered)}</td>
                <td class={r.stage.failed > 0 ? 'num bad' : 'num'}>{count(r.stage.failed)}</td>
              </tr>
            ))}
        </tbody>
      </table>
      {p && (
        <p class="totals">
          <span>
            failed batches recorded: <strong>{count(polled.data?.failedBatches.totalCount)}</strong>
          </span>
          <span>
            dead letters held: <strong>{count(polled.data?.deadLetters.totalCount)}</strong>
          </span>
          {p.streams.map((s) => (
            <span key={s.name}>
              {s.name}: {count(s.length)}
            </span>
          ))}
        </p>
      )}
      {p && !fresh && lastStages.current.length > 0 && (
        <p class="sub">
          The pipeline workflow did not answer in time: stage figures as last reported.
        </p>
      )}
      {p?.lastFailure && <p class="err-text">last failure: {p.lastFailure}</p>}
    </Panel>
  );
}
