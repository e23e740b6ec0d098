import type { IncomingHttpHeaders } from 'node:http';
import { unauthenticated } from './errors';
import { looksLikeApiKey } from './api-key-format';

/** Fetch `Headers` (HTTP through Yoga) or Node's header object (the WebSocket upgrade request). */
export type HeadersLike = Headers | IncomingHttpHeaders;

/** What a request presents; the format, not the header, decides JWT versus API key. */
export type Credential =
  | { readonly kind: 'jwt'; readonly token: string }
  | { readonly kind: 'api-key'; readonly key: string };

function header(headers: HeadersLike | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function')
    return (headers as Headers).get(name) ?? undefined;
  const value = (headers as IncomingHttpHeaders)[name];
  return Array.isArray(value) ? value[0] : value;
}

function bearerOrKey(credential: string): Credential {
  return looksLikeApiKey(credential)
    ? { kind: 'api-key', key: credential }
    : { kind: 'jwt', token: credential };
}

/** `Bearer <jwt or key>` or `ApiKey <key>`; any other scheme is refused rather than ignored. */
export function parseAuthorization(value: string): Credential {
  const m = /^(\S+)\s+(\S+)\s*$/.exec(value.trim());
  if (!m) throw unauthenticated('malformed', 'malformed Authorization header');
  const scheme = (m[1] as string).toLowerCase();
  const credential = m[2] as string;
  if (scheme === 'bearer') return bearerOrKey(credential);
  if (scheme === 'apikey') return { kind: 'api-key', key: credential };
  throw unauthenticated(
    'unsupported_scheme',
    `unsupported authorization scheme ${JSON.stringify(m[1])} (use Bearer or ApiKey)`,
  );
}

/**
 * The credential of a request: graphql-ws `connectionParams` first (`authorization` like the
 * header, or `apiKey`), then the `Authorization` header, then `x-api-key`. Undefined when
 * there is none.
 */
export function extractCredential(
  headers: HeadersLike | undefined,
  connectionParams?: Readonly<Record<string, unknown>> | null,
): Credential | undefined {
  if (connectionParams) {
    const authorization = connectionParams.authorization ?? connectionParams.Authorization;
    if (typeof authorization === 'string' && authorization !== '') {
      return parseAuthorization(authorization);
    }
    const apiKey = connectionParams.apiKey;
    if (typeof apiKey === 'string' && apiKey !== '') return { kind: 'api-key', key: apiKey };
  }
  const authorization = header(headers, 'authorization');
  if (authorization !== undefined && authorization !== '') return parseAuthorization(authorization);
  const apiKey = header(headers, 'x-api-key');
  if (apiKey !== undefined && apiKey !== '') return { kind: 'api-key', key: apiKey.trim() };
  return undefined;
}
