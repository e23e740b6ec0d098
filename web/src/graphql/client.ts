import { operations, type Operation } from 'console-operations';

/** What the API serves at /console/settings.json. */
export interface Settings {
  readonly graphqlPath: string;
  readonly temporalUi: string;
  readonly namespace: string;
  readonly authMode: 'dev' | 'required';
  readonly persistedOperations: 'apq' | 'allowlist';
  readonly archiveSchedule: string;
}

export interface GraphQLErrorBody {
  readonly message: string;
  readonly extensions?: { readonly code?: string; readonly [k: string]: unknown };
}

/** A GraphQL answer with errors (or an HTTP failure), with the first error's code. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

const CREDENTIAL_KEY = 'fin-line.credential';

/** The API key or JWT the user typed, kept for this browser tab only. */
export function credential(): string {
  return sessionStorage.getItem(CREDENTIAL_KEY) ?? '';
}

export function setCredential(value: string): void {
  if (value) sessionStorage.setItem(CREDENTIAL_KEY, value);
  else sessionStorage.removeItem(CREDENTIAL_KEY);
}

/** `Bearer <key or JWT>`: the API takes a `Bearer fl_…` value for an API key. */
export function authorization(): string | undefined {
  const c = credential().trim();
  return c ? `Bearer ${c}` : undefined;
}

export async function loadSettings(): Promise<Settings> {
  const res = await fetch('/console/settings.json', { cache: 'no-store' });
  if (!res.ok) throw new ApiError(`settings: HTTP ${res.status}`, undefined, res.status);
  return (await res.json()) as Settings;
}

/** One of the console's operations by name (web/operations/<name>.graphql). */
export function operation(name: string): Operation {
  const op = operations[name];
  if (!op) throw new Error(`unknown operation ${name}`);
  return op;
}

async function post(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const auth = authorization();
  const res = await fetch(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(auth ? { authorization: auth } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => undefined) };
}

/**
 * Runs an operation over HTTP as a persisted query: first by its hash alone, then, if the
 * server does not know it yet (automatic persisted queries), with its text.
 */
export async function gql<T>(
  settings: Settings,
  name: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const op = operation(name);
  const extensions = { persistedQuery: { version: 1, sha256Hash: op.hash } };
  let r = await post(settings.graphqlPath, { operationName: name, variables, extensions });
  let body = r.json as { data?: T; errors?: GraphQLErrorBody[] } | undefined;
  if (body?.errors?.[0]?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND') {
    r = await post(settings.graphqlPath, {
      operationName: name,
      query: op.query,
      variables,
      extensions,
    });
    body = r.json as typeof body;
  }
  const first = body?.errors?.[0];
  if (first) throw new ApiError(first.message, first.extensions?.code, r.status);
  if (!body?.data) throw new ApiError(`HTTP ${r.status}`, undefined, r.status);
  return body.data;
}
