import { z } from 'zod';
import { int, section, setting } from './setting';

/** What one GraphQL request may ask for, and the latest-quote cache. */
export const graphql = section('GraphQL', {
  maxPageSize: setting(
    'GRAPHQL_MAX_PAGE_SIZE',
    int(500, 1, 10_000),
    'largest `first` of any list (`PAGE_SIZE_EXCEEDED` above)',
  ),
  maxDepth: setting('GRAPHQL_MAX_DEPTH', int(8, 2, 100), 'query depth limit'),
  maxCost: setting(
    'GRAPHQL_MAX_COST',
    int(20_000, 1),
    'estimated objects a query may touch: each field 1, times the `first` of the lists above it',
  ),
  maxAliases: setting('GRAPHQL_MAX_ALIASES', int(15, 0, 1000), 'aliases per query'),
  maxTokens: setting('GRAPHQL_MAX_TOKENS', int(2000, 50), 'tokens per document'),
  scanLimit: setting(
    'GRAPHQL_SCAN_LIMIT',
    int(20_000, 10),
    'stream entries one filtered page may examine before it returns what it found with a cursor',
  ),
  quoteCacheMs: setting(
    'GRAPHQL_QUOTE_CACHE_MS',
    int(2000, 0, 60_000),
    'how long a cached latest quote is served without a pub/sub message confirming it; `0` = off',
  ),
  historyLatenessMs: setting(
    'GRAPHQL_HISTORY_LATENESS_MS',
    int(300_000, 0),
    '`history` scans stream ids (processing time) this far past `to` for late events',
  ),
  maxSubscriptions: setting(
    'GRAPHQL_MAX_SUBSCRIPTIONS',
    int(1000, 0),
    'live subscriptions one API process serves at once; `0` = unlimited',
  ),
  maxBodyBytes: setting(
    'GRAPHQL_MAX_BODY_BYTES',
    int(1_048_576, 1024),
    'largest request body accepted (413 above; a body of unknown length gets 411)',
  ),
  persistedOperations: setting(
    'GRAPHQL_PERSISTED_OPERATIONS',
    z.enum(['apq', 'allowlist']).default('apq'),
    "`apq`: any document, and automatic persisted queries (a document registered once is then sent by its SHA-256); `allowlist`: only the console's operations and those of `GRAPHQL_PERSISTED_OPERATIONS_FILE`, by hash or as their exact text",
  ),
  persistedOperationsFile: setting(
    'GRAPHQL_PERSISTED_OPERATIONS_FILE',
    z.string().min(1).optional(),
    'JSON object of SHA-256 hex → GraphQL document, added to the allow-list',
  ),
  apqCacheSize: setting(
    'GRAPHQL_APQ_CACHE_SIZE',
    int(1000, 1, 1_000_000),
    'documents the automatic persisted queries remember per API process (least recently used go)',
  ),
});
