import { createClient, type Client } from 'graphql-ws';
import { authorization, operation, type Settings } from './client';

/** The connection's state, for the header's indicator. */
export type LiveState = 'connecting' | 'live' | 'retrying';

let client: Client | undefined;
const listeners = new Set<(s: LiveState) => void>();
let state: LiveState = 'connecting';

function setState(s: LiveState): void {
  state = s;
  for (const l of listeners) l(s);
}

/** Follows the WebSocket's state; returns the function that stops following. */
export function onLiveState(listener: (s: LiveState) => void): () => void {
  listeners.add(listener);
  listener(state);
  return () => listeners.delete(listener);
}

/**
 * One graphql-ws connection for every live view, opened on first use, credentials in
 * `connectionParams` (as the API expects them), reconnecting without end with back-off.
 */
function live(settings: Settings): Client {
  if (client) return client;
  const url = new URL(settings.graphqlPath, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  client = createClient({
    url: url.toString(),
    connectionParams: () => {
      const auth = authorization();
      return auth ? { authorization: auth } : {};
    },
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    keepAlive: 10_000,
    on: {
      connecting: () => setState(state === 'live' ? 'retrying' : 'connecting'),
      connected: () => setState('live'),
      closed: () => setState('retrying'),
    },
  });
  return client;
}

/**
 * Subscribes to one of the console's subscriptions; `onData` gets each result's data.
 * The document goes as text with its hash, which the allow-list mode admits.
 */
export function subscribe<T>(
  settings: Settings,
  name: string,
  variables: Record<string, unknown>,
  onData: (data: T) => void,
  onError: (message: string) => void,
): () => void {
  const op = operation(name);
  return live(settings).subscribe<T>(
    {
      operationName: name,
      query: op.query,
      variables,
      extensions: { persistedQuery: { version: 1, sha256Hash: op.hash } },
    },
    {
      next: (r) => {
        if (r.data) onData(r.data);
        if (r.errors?.[0]) onError(r.errors[0].message);
      },
      error: (err) => onError(err instanceof Error ? err.message : 'subscription ended'),
      complete: () => undefined,
    },
  );
}
