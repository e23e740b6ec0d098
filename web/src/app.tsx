import { useEffect, useState } from 'preact/hooks';
import {
  ApiError,
  credential,
  gql,
  loadSettings,
  setCredential,
  type Settings,
} from './graphql/client';
import { onLiveState, type LiveState } from './graphql/live';
import type { Me } from './graphql/types';
import { SessionContext, type Session } from './session';
import { AnomaliesView } from './views/anomalies';
import { ArchiveView } from './views/archive';
import { DeadLettersView, FailedBatchesView } from './views/failures';
import { FeedsView } from './views/feeds';
import { PipelineView } from './views/pipeline';
import { QuotesView } from './views/quotes';

/** The key or token field: kept for this tab; changing it reloads so every view uses it. */
function CredentialForm(props: { settings: Settings; problem?: string }) {
  const [value, setValue] = useState(credential());
  return (
    <form
      class="credential"
      onSubmit={(e) => {
        e.preventDefault();
        setCredential(value.trim());
        location.reload();
      }}
    >
      <label>
        API key or JWT{' '}
        <input
          type="password"
          name="credential"
          autoComplete="off"
          value={value}
          placeholder={props.settings.authMode === 'dev' ? 'optional in dev mode' : 'fl_… or eyJ…'}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Use</button>
      {credential() && (
        <button
          type="button"
          onClick={() => {
            setCredential('');
            location.reload();
          }}
        >
          Forget
        </button>
      )}
      {props.problem && <span class="error">{props.problem}</span>}
    </form>
  );
}

function LiveIndicator() {
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => onLiveState(setState), []);
  return (
    <span class={`live ${state}`} data-live={state}>
      {state}
    </span>
  );
}

/** The console: who you are, then feeds, pipeline, quotes, anomalies, failures and the archive. */
export function App() {
  const [session, setSession] = useState<Session>();
  const [settings, setSettings] = useState<Settings>();
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    loadSettings()
      .then(async (s) => {
        setSettings(s);
        // Asking without credentials would only earn a 401: say what is needed instead.
        if (s.authMode === 'required' && !credential()) {
          setProblem('Not signed in: enter an API key or a JWT');
          return;
        }
        const { me } = await gql<Me>(s, 'Me');
        setSession({ settings: s, role: me.role, subject: me.subject });
      })
      .catch((err: unknown) => {
        const unauthenticated =
          err instanceof ApiError && (err.code === 'UNAUTHENTICATED' || err.status === 401);
        setProblem(
          unauthenticated
            ? `Not signed in: ${err.message}`
            : String(err instanceof Error ? err.message : err),
        );
      });
  }, []);

  return (
    <>
      <header class="top">
        <h1>fin-line</h1>
        {session && (
          <span class="who" data-role={session.role}>
            {session.subject} · <strong>{session.role}</strong>
          </span>
        )}
        {session && <LiveIndicator />}
        {session && (
          <nav>
            {[
              'feeds',
              'pipeline',
              'quotes',
              'anomalies',
              'failed-batches',
              'dead-letters',
              'archive',
            ].map((id) => (
              <a key={id} href={`#${id}`}>
                {id.replace('-', ' ')}
              </a>
            ))}
            <a href={session.settings.graphqlPath} target="_blank" rel="noreferrer">
              GraphiQL
            </a>
            <a href={`${session.settings.temporalUi}/workflows`} target="_blank" rel="noreferrer">
              Temporal UI
            </a>
          </nav>
        )}
        {settings && <CredentialForm settings={settings} problem={problem} />}
      </header>
      {!settings && problem && <p class="error">{problem}</p>}
      {session && (
        <SessionContext.Provider value={session}>
          <main>
            <div class="row">
              <FeedsView />
              <PipelineView />
            </div>
            <QuotesView />
            <AnomaliesView />
            <div class="row">
              <FailedBatchesView />
              <ArchiveView />
            </div>
            <DeadLettersView />
          </main>
        </SessionContext.Provider>
      )}
    </>
  );
}
