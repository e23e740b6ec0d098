import { useState } from 'preact/hooks';
import { gql } from '../graphql/client';
import type { DeadLetter, FailedBatch, Page, WorkflowRef } from '../graphql/types';
import { Badge, Panel } from '../components/panel';
import { TemporalLink } from '../components/temporal-link';
import { age, count } from '../format';
import { usePoll, useNow } from '../hooks';
import { canOperate, useSession } from '../session';

const PAGE = 20;

/** Failed batches, newest first, each with its replay run and a Replay button for operators. */
export function FailedBatchesView() {
  const { settings, role } = useSession();
  const polled = usePoll(
    () => gql<{ failedBatches: Page<FailedBatch> }>(settings, 'FailedBatches', { first: PAGE }),
    3000,
  );
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const operator = canOperate(role);
  const now = useNow();

  async function replay(batchId: string) {
    setBusy(batchId);
    setMessage(undefined);
    try {
      const r = await gql<{ replayBatch: WorkflowRef }>(settings, 'ReplayBatch', { batchId });
      setMessage(`started ${r.replayBatch.workflowId}`);
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(undefined);
      polled.refresh();
    }
  }

  const page = polled.data?.failedBatches;
  return (
    <Panel
      id="failed-batches"
      title="Failed batches"
      error={polled.error}
      aside={<span class="aside">{count(page?.totalCount)} recorded</span>}
    >
      {message && (
        <p class="note" role="status">
          {message}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>batch</th>
            <th>stage</th>
            <th class="num">events</th>
            <th class="num">attempts</th>
            <th>error</th>
            <th class="num">failed</th>
            <th>replay</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {page?.edges.map(({ node: b }) => (
            <tr key={b.batchId} data-batch={b.batchId}>
              <td class="mono">{b.batchId}</td>
              <td>{b.stage}</td>
              <td class="num">{count(b.size)}</td>
              <td class="num">{b.attempts}</td>
              <td class="err-text" title={b.error}>
                {b.error}
              </td>
              <td class="num">{age(b.failedAt, now)} ago</td>
              <td data-field="replay">
                {b.replay ? (
                  <TemporalLink workflowId={b.replay.workflowId} runId={b.replay.runId}>
                    <Badge kind={b.replay.workflowStatus}>
                      {b.replay.workflowStatus.toLowerCase()}
                    </Badge>
                  </TemporalLink>
                ) : (
                  '–'
                )}
              </td>
              <td>
                <button
                  disabled={
                    !operator || busy === b.batchId || b.replay?.workflowStatus === 'RUNNING'
                  }
                  title={
                    operator
                      ? 'Re-run the batch through its stage (commits at most once)'
                      : 'Needs the operator role'
                  }
                  onClick={() => void replay(b.batchId)}
                >
                  Replay
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page?.edges.length === 0 && <p class="empty">No failed batches.</p>}
    </Panel>
  );
}

/**
 * Dead-lettered events, newest first, with the reason and the original payload; operators
 * redrive a letter through the normalizer (after an adapter fix), and see what it became.
 */
export function DeadLettersView() {
  const { settings, role } = useSession();
  const polled = usePoll(
    () => gql<{ deadLetters: Page<DeadLetter> }>(settings, 'DeadLetters', { first: PAGE }),
    5000,
  );
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const operator = canOperate(role);
  const now = useNow();

  async function redrive(d: DeadLetter) {
    setBusy(d.id);
    setMessage(undefined);
    try {
      const r = await gql<{ redriveDeadLetters: WorkflowRef }>(settings, 'RedriveDeadLetters', {
        ids: [d.id],
        partitions: [d.partition],
      });
      setMessage(`started ${r.redriveDeadLetters.workflowId}`);
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(undefined);
      polled.refresh();
    }
  }

  const page = polled.data?.deadLetters;
  return (
    <Panel
      id="dead-letters"
      title="Dead letters"
      error={polled.error}
      aside={<span class="aside">{count(page?.totalCount)} held</span>}
    >
      {message && (
        <p class="note" role="status">
          {message}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th class="num">when</th>
            <th>feed</th>
            <th>reason</th>
            <th>payload</th>
            <th>redrive</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {page?.edges.map(({ node: d }) => (
            <tr key={`${d.partition}:${d.id}`} data-dead-letter={d.id}>
              <td class="num">{age(d.time, now)} ago</td>
              <td>
                {d.feed}
                <div class="sub">{d.adapter}</div>
              </td>
              <td>
                {d.reason}
                {d.redrivenFrom && <div class="sub">failed again when redriven</div>}
              </td>
              <td class="mono payload" title={d.payload}>
                {d.payload}
              </td>
              <td data-field="redrive" title={d.redrive?.detail ?? undefined}>
                {d.redrive ? (
                  <TemporalLink workflowId={d.redrive.workflowId}>
                    <Badge kind={d.redrive.outcome === 'normalized' ? 'COMPLETED' : 'FAILED'}>
                      {d.redrive.outcome}
                    </Badge>
                  </TemporalLink>
                ) : (
                  '–'
                )}
              </td>
              <td>
                <button
                  disabled={!operator || busy === d.id || d.redrive !== null}
                  title={
                    !operator
                      ? 'Needs the operator role'
                      : d.redrive
                        ? 'Redriven already (a letter is redriven at most once)'
                        : 'Re-run it through the normalizer (after an adapter fix)'
                  }
                  onClick={() => void redrive(d)}
                >
                  Redrive
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page?.edges.length === 0 && <p class="empty">No dead letters.</p>}
    </Panel>
  );
}
