import { useState } from 'preact/hooks';
import { gql } from '../graphql/client';
import type { Feed } from '../graphql/types';
import { Badge, Panel } from '../components/panel';
import { TemporalLink } from '../components/temporal-link';
import { age, count, rate } from '../format';
import { usePoll, useNow } from '../hooks';
import { canOperate, useSession } from '../session';

/** Every feed: its state, connection, rates, lag and the age of its last message; pause/resume. */
export function FeedsView() {
  const session = useSession();
  const { settings, role } = session;
  const feeds = usePoll(() => gql<{ feeds: Feed[] }>(settings, 'Feeds'), 2000);
  const now = useNow();
  const [actionError, setActionError] = useState<string>();
  const operator = canOperate(role);

  async function act(name: string, op: 'PauseFeed' | 'ResumeFeed') {
    setActionError(undefined);
    try {
      await gql(settings, op, { name });
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err));
    }
    feeds.refresh();
  }

  return (
    <Panel id="feeds" title="Feeds" error={actionError ?? feeds.error}>
      <table>
        <thead>
          <tr>
            <th>feed</th>
            <th>state</th>
            <th>connected</th>
            <th class="num">messages</th>
            <th class="num">events</th>
            <th class="num">lag</th>
            <th class="num">last message</th>
            <th>last error</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {feeds.data?.feeds.map((f) => (
            <tr key={f.name} data-feed={f.name}>
              <td>
                <TemporalLink workflowId={f.workflowId} runId={f.runId}>
                  {f.name}
                </TemporalLink>
                <div class="sub">{f.adapter ?? ''}</div>
              </td>
              <td>
                <Badge kind={f.state ?? f.workflowStatus}>
                  {f.state ?? f.workflowStatus.toLowerCase()}
                </Badge>
                {f.throttled && <Badge kind="warn">throttled</Badge>}
              </td>
              <td>{f.connected == null ? '–' : f.connected ? 'yes' : 'no'}</td>
              <td class="num">{rate(f.messagesPerSecond)}</td>
              <td class="num">
                {rate(f.eventsPerSecond)}
                <div class="sub">{count(f.eventsTotal)} total</div>
              </td>
              <td class="num">{count(f.lag)}</td>
              <td class="num">{age(f.lastMessageAt, now)}</td>
              <td class="err-text" title={f.lastError ?? ''}>
                {f.lastError ? `${f.lastError} (${age(f.lastErrorAt, now)} ago)` : ''}
              </td>
              <td>
                {f.state === 'paused' ? (
                  <button
                    disabled={!operator}
                    title={operator ? 'Reconnect the feed' : 'Needs the operator role'}
                    onClick={() => void act(f.name, 'ResumeFeed')}
                  >
                    Resume
                  </button>
                ) : (
                  <button
                    disabled={!operator || f.workflowStatus !== 'RUNNING'}
                    title={
                      operator
                        ? 'Close the feed connection until resumed'
                        : 'Needs the operator role'
                    }
                    onClick={() => void act(f.name, 'PauseFeed')}
                  >
                    Pause
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {feeds.data?.feeds.length === 0 && <p class="empty">No feeds.</p>}
    </Panel>
  );
}
