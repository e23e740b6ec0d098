import { ApplicationFailure } from '@temporalio/common';
import { backoffDelay, type PollRequest } from '../../lib/domain';
import { FAILURE, FEED_DEFAULTS } from '../../contract';
import type { FeedSession } from './session';

/**
 * Polls REST endpoints until the session stops: one round of requests every
 * `pollIntervalMs`; after a failed round, waits with exponential backoff and jitter instead.
 * Events whose id repeats the previous answer to the same request are skipped (counted as
 * `unchanged`): an unchanged ticker is not a new event.
 */
export async function runPolling(s: FeedSession): Promise<void> {
  const { adapter, input, deps } = s;
  const requests = adapter.pollRequests?.(input.url, s.connect) ?? [{ url: input.url }];
  if (requests.length === 0) {
    // A `{symbol}` URL without symbols: nothing would ever be polled.
    return s.stop({
      kind: 'failed',
      error: ApplicationFailure.nonRetryable(
        `feed ${input.name}: ${input.url} has {symbol} but the feed has no symbols`,
        FAILURE.invalidFeedConfig,
      ),
    });
  }
  const interval = input.pollIntervalMs ?? FEED_DEFAULTS.pollIntervalMs;
  const { reconnectBaseMs, reconnectMaxMs } = deps.config.ingest;
  const previous = new Map<string, Set<string>>();
  let failures = 0;
  while (!s.stopped) {
    await s.waitForFlow();
    if (s.stopped) break;
    const started = deps.now();
    const results = await Promise.all(requests.map((r) => pollOnce(s, r, previous)));
    if (s.stopped) break;
    const failed = results.find((r) => r !== undefined);
    s.writer.flush();
    if (s.writer.error) return s.stop({ kind: 'failed', error: s.writer.error });
    if (failed === undefined) {
      if (!s.progress.connected) {
        s.progress.connected = true;
        s.progress.connectedAt = deps.now();
        s.reporter.changed();
      }
      failures = 0;
      await s.sleep(Math.max(0, interval - (deps.now() - started)));
    } else {
      failures++;
      s.progress.connected = false;
      s.progress.reconnects++;
      deps.metrics.ingestReconnects.inc({ feed: input.name });
      s.reporter.error(failed);
      const delay = Math.max(
        interval,
        backoffDelay(failures, { baseMs: reconnectBaseMs, maxMs: reconnectMaxMs }, Math.random),
      );
      s.log.warn({ reason: failed, failures, delayMs: delay }, 'poll failed; backing off');
      await s.sleep(delay);
    }
  }
}

/** One request; returns why it failed, or undefined. */
async function pollOnce(
  s: FeedSession,
  req: PollRequest,
  previous: Map<string, Set<string>>,
): Promise<string | undefined> {
  const { adapter, input, deps, progress } = s;
  const timeout = input.silenceMs ?? deps.config.ingest.silenceMs;
  let status: number;
  let body: string;
  try {
    const res = await fetch(req.url, {
      signal: AbortSignal.any([s.signal, AbortSignal.timeout(timeout)]),
      headers: { accept: 'application/json' },
    });
    status = res.status;
    body = await res.text();
  } catch (err) {
    if (s.stopped) return undefined;
    return `GET ${req.url}: ${(err as Error).message}`;
  }
  if (status === 401 || status === 403) {
    s.failAuth(`GET ${req.url}: HTTP ${status}`);
    return undefined;
  }
  const now = deps.now();
  progress.messages++;
  progress.lastMessageAt = now;
  deps.metrics.feedMessage(input.name, now);
  const parsed = adapter.parseFrame(body, req);
  const errors = parsed.controls.filter((c) => c.kind === 'error').map((c) => c.message);
  progress.controls += parsed.controls.length;
  if (status >= 500) return `GET ${req.url}: HTTP ${status}`;
  // A provider error body (unknown symbol, bad request) is reported, not stored as data.
  if (status >= 400 && parsed.events.length === 0)
    return `GET ${req.url}: HTTP ${status} ${errors.join('; ')}`.trim();
  const seen = new Set(parsed.events.map((e) => e.sourceId));
  const before = previous.get(req.url);
  previous.set(req.url, seen);
  const isRepeat = (e: { sourceId: string }) =>
    e.sourceId !== '' && before?.has(e.sourceId) === true;
  const repeats = parsed.events.filter(isRepeat).length;
  progress.unchanged += repeats;
  progress.parseErrors += parsed.errors.length;
  s.writer.addFrame(parsed, now, isRepeat);
  const last = parsed.events.at(-1);
  if (last?.sourceId) progress.lastSourceId = last.sourceId;
  return errors.length > 0 ? `provider error: ${errors.join('; ')}` : undefined;
}
