import { STREAM_ID } from '../lib/redis';
import { ERROR_CODES, userError } from './errors';

/**
 * Cursors are opaque to clients (base64url of `<kind>:<position>`), so the position format
 * can change without breaking them, and a cursor of one list is refused by another.
 */
export type CursorKind = 'ticker' | 'anomaly' | 'tick' | 'deadletter' | 'batch';

/** A tick in the archive: `a<ts>_<stream id>` (archive pages are ordered by event time, then id). */
const ARCHIVE_POSITION = /^a\d{1,16}_\d{1,20}-\d{1,20}$/;

export function encodeCursor(kind: CursorKind, position: string): string {
  return Buffer.from(`${kind}:${position}`, 'utf8').toString('base64url');
}

/** Decodes a cursor of the given kind; a malformed or foreign one is a BAD_CURSOR error. */
export function decodeCursor(kind: CursorKind, cursor: string, argumentName = 'after'): string {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : '';
  const prefix = `${kind}:`;
  const position = text.startsWith(prefix) ? text.slice(prefix.length) : undefined;
  const valid =
    position !== undefined &&
    position.length > 0 &&
    (kind === 'ticker'
      ? /^[A-Z0-9.:/_-]{1,32}$/.test(position)
      : kind === 'tick'
        ? STREAM_ID.test(position) || ARCHIVE_POSITION.test(position)
        : STREAM_ID.test(position));
  if (!valid) {
    throw userError(
      ERROR_CODES.BAD_CURSOR,
      `Invalid argument "${argumentName}": not a cursor of this list (pass an endCursor from a previous page)`,
      { argumentName },
    );
  }
  return position;
}

/** A page of a list in Relay's connection shape. */
export interface Connection<T> {
  readonly edges: readonly { readonly cursor: string; readonly node: T }[];
  readonly pageInfo: {
    readonly hasNextPage: boolean;
    readonly hasPreviousPage: boolean;
    readonly startCursor: string | null;
    readonly endCursor: string | null;
  };
}

/**
 * Builds a page. `scannedTo` is the position where the scan stopped when it stopped before
 * filling the page (a filter matched little within the scan budget): the client continues
 * from there, so endCursor can point past the last returned node. `after` is the page's
 * `after` argument: lists page forward only, so items precede the page exactly when it was
 * asked for after a cursor (Relay lets `hasPreviousPage` say so when it is cheap).
 */
export function connection<T>(
  kind: CursorKind,
  nodes: readonly T[],
  positionOf: (node: T) => string,
  hasNextPage: boolean,
  scannedTo?: string,
  after?: string | null,
): Connection<T> {
  const edges = nodes.map((node) => ({ cursor: encodeCursor(kind, positionOf(node)), node }));
  const last = scannedTo ?? (nodes.length > 0 ? positionOf(nodes[nodes.length - 1]!) : undefined);
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: last === undefined ? null : encodeCursor(kind, last),
    },
  };
}
