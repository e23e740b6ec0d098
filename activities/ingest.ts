import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import WebSocket, { type RawData } from 'ws';
import { findAdapter } from '../lib/domain';
import { encodeRaw } from '../lib/redis';
import { activityLogger, type ActivityDeps } from './deps';

/** Input of the `ingestFeed` workflow and its `runFeed` activity. */
export interface FeedInput {
  /** Feed name; also the workflow id (`feed-<name>`). */
  readonly name: string;
  /** Adapter (provider format), e.g. `simulator`. */
  readonly adapter: string;
  /** WebSocket URL. */
  readonly url: string;
  /** Symbols to subscribe to; the adapter's default when omitted. */
  readonly symbols?: readonly string[];
  /** The activity returns after this long so the workflow can continue-as-new. @defaultValue 1 hour */
  readonly maxRunMs?: number;
}

/** Progress, heartbeated and returned. */
export interface FeedProgress {
  messages: number;
  events: number;
  parseErrors: number;
  controls: number;
  lastSourceId: string;
  lastMessageAt: number;
  connectedAt: number;
}

export const FEED_ERRORS = {
  auth: 'FeedAuthError',
  config: 'InvalidFeedConfig',
} as const;

/** Pipelined flushes allowed in flight before the socket is paused (backpressure on Redis). */
const MAX_FLUSHES_IN_FLIGHT = 4;

export function createIngestActivities(deps: ActivityDeps) {
  const { redis, keys, config, metrics } = deps;

  return {
    /**
     * Connects to a feed and writes its events to `raw:events` until cancelled, the socket
     * fails (Temporal retries the activity with backoff) or `maxRunMs` passes (returns).
     */
    async runFeed(input: FeedInput): Promise<FeedProgress> {
      const adapter = findAdapter(input.adapter);
      if (!adapter) {
        throw ApplicationFailure.nonRetryable(
          `unknown adapter ${input.adapter}`,
          FEED_ERRORS.config,
        );
      }
      const ctx = Context.current();
      const log = activityLogger(deps.logger, { feed: input.name, adapter: input.adapter });
      const progress: FeedProgress = {
        messages: 0,
        events: 0,
        parseErrors: 0,
        controls: 0,
        lastSourceId: '',
        lastMessageAt: 0,
        connectedAt: 0,
      };
      const labels = { feed: input.name };
      const buffer: string[][] = [];
      let inFlight = 0;
      let flushError: Error | undefined;
      const ws = new WebSocket(input.url, { perMessageDeflate: false });

      const flush = (): Promise<void> => {
        if (buffer.length === 0) return Promise.resolve();
        const batch = buffer.splice(0);
        const pipe = redis.pipeline();
        for (const fields of batch)
          pipe.xadd(keys.rawEvents, 'MAXLEN', '~', config.ingest.maxLen, '*', ...fields);
        inFlight++;
        if (inFlight >= MAX_FLUSHES_IN_FLIGHT) ws.pause();
        return pipe
          .exec()
          .then((replies) => {
            const failed = replies?.find(([err]) => err);
            if (failed) throw failed[0] as Error;
            progress.events += batch.length;
            metrics.ingestEvents.inc(labels, batch.length);
          })
          .catch((err: unknown) => {
            flushError ??= err instanceof Error ? err : new Error('redis write failed');
          })
          .finally(() => {
            inFlight--;
            if (inFlight < MAX_FLUSHES_IN_FLIGHT && ws.isPaused) ws.resume();
          });
      };

      const pending = new Set<Promise<void>>();
      const flushTracked = () => {
        const p = flush();
        pending.add(p);
        void p.finally(() => pending.delete(p));
      };

      const heartbeatTimer = setInterval(() => ctx.heartbeat(progress), config.ingest.heartbeatMs);
      const flushTimer = setInterval(flushTracked, config.ingest.flushMs);
      const recvTs = () => deps.now();
      let onShutdown = () => {};

      try {
        await new Promise<void>((resolve, reject) => {
          const maxRun = setTimeout(resolve, input.maxRunMs ?? 3_600_000);
          const fail = (err: unknown) => {
            clearTimeout(maxRun);
            reject(err instanceof Error ? err : new Error(String(err)));
          };
          ctx.cancelled.catch(fail);
          onShutdown = () =>
            fail(
              ApplicationFailure.retryable(
                `worker shutting down; feed ${input.name} moves on`,
                'WorkerShutdown',
              ),
            );
          if (deps.shutdown.aborted) onShutdown();
          deps.shutdown.addEventListener('abort', onShutdown, { once: true });
          ws.on('open', () => {
            progress.connectedAt = deps.now();
            metrics.ingestConnected.set(labels, 1);
            for (const m of adapter.openingMessages({ symbols: input.symbols })) ws.send(m);
            log.info({ url: input.url }, 'feed connected');
          });
          ws.on('message', (data: RawData) => {
            if (flushError) return fail(flushError);
            const frame = Buffer.isBuffer(data)
              ? data.toString('utf8')
              : Buffer.concat(data as Buffer[]).toString('utf8');
            const now = recvTs();
            progress.messages++;
            progress.lastMessageAt = now;
            metrics.ingestMessages.inc(labels);
            const parsed = adapter.parseFrame(frame);
            for (const e of parsed.events) {
              buffer.push(
                encodeRaw({
                  feed: input.name,
                  adapter: adapter.name,
                  recvTs: now,
                  sourceId: e.sourceId,
                  payload: e.payload,
                }),
              );
              if (e.sourceId) progress.lastSourceId = e.sourceId;
            }
            for (const e of parsed.errors) {
              progress.parseErrors++;
              buffer.push(
                encodeRaw({
                  feed: input.name,
                  adapter: adapter.name,
                  recvTs: now,
                  sourceId: '',
                  payload: e.payload,
                  parseError: e.reason,
                }),
              );
            }
            for (const c of parsed.controls) {
              progress.controls++;
              if (c.kind === 'auth_failed') {
                return fail(
                  ApplicationFailure.nonRetryable(
                    `feed ${input.name}: ${c.message}`,
                    FEED_ERRORS.auth,
                  ),
                );
              }
            }
            if (buffer.length >= config.ingest.flushCount) flushTracked();
          });
          ws.on('close', (code, reason) =>
            fail(new Error(`feed ${input.name} closed: ${code} ${reason.toString()}`)),
          );
          ws.on('error', fail);
        });
      } catch (err) {
        // Cancellation is how a feed is stopped or a worker drains; anything else is a failure.
        if (err instanceof CancelledFailure) log.info({ progress }, 'feed cancelled');
        else log.warn({ err, progress }, 'feed stopped');
        throw err;
      } finally {
        deps.shutdown.removeEventListener('abort', onShutdown);
        clearInterval(heartbeatTimer);
        clearInterval(flushTimer);
        metrics.ingestConnected.set(labels, 0);
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        // What was received is written whatever ended the run.
        flushTracked();
        await Promise.all(pending);
      }
      // A failed write means events were lost in this run: fail it so the gap is visible.
      if (flushError)
        throw flushError instanceof Error ? flushError : new Error(String(flushError));
      return progress;
    },
  };
}
