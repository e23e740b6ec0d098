import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { FAILURE, FEED_DEFAULTS, type FeedInput, type FeedProgress } from '../../contract';
import { findAdapter, partitionOf } from '../../lib/domain';
import { GROUPS } from '../../lib/redis';
import { activityLogger, type ActivityDeps } from '../deps';
import { LagWatch } from './lag-watch';
import { runPolling } from './polling';
import { emptyProgress, ProgressReporter } from './progress';
import { RawWriter } from './raw-writer';
import { FeedSession } from './session';
import { runWebSocket } from './websocket';

/** Pipelined XADD flushes in flight before reading pauses (backpressure from Redis itself). */
const MAX_FLUSHES_IN_FLIGHT = 4;

export function createIngestActivities(deps: ActivityDeps) {
  const { redis, keys, config, metrics } = deps;

  return {
    /**
     * Runs a feed — WebSocket or HTTP polling, by its adapter — writing raw events to
     * `raw:events`, reconnecting by itself, until the activity is cancelled (pause, stop,
     * worker drain), `maxRunMs` passes (returns, so the workflow can continue-as-new), the
     * credentials are refused (non-retryable) or a Redis write fails (retryable).
     */
    async runFeed(input: FeedInput): Promise<FeedProgress> {
      const adapter = findAdapter(input.adapter);
      if (!adapter) {
        throw ApplicationFailure.nonRetryable(
          `unknown adapter ${JSON.stringify(input.adapter)}`,
          FAILURE.invalidFeedConfig,
        );
      }
      const credentials =
        input.auth === undefined ? undefined : config.ingest.credentials[input.auth];
      if (input.auth !== undefined && !credentials) {
        throw ApplicationFailure.nonRetryable(
          `feed ${input.name}: no credential set ${JSON.stringify(input.auth)} in FEED_CREDENTIALS`,
          FAILURE.invalidFeedConfig,
        );
      }
      const ctx = Context.current();
      const log = activityLogger(deps.logger, { feed: input.name, adapter: input.adapter });
      const labels = { feed: input.name };
      // A retried attempt goes on counting where the last heartbeat left off.
      const resumed = ctx.info.heartbeatDetails as FeedProgress | undefined;
      const progress = { ...emptyProgress(), ...resumed, connected: false, throttled: false };
      const reporter = new ProgressReporter(progress, {
        ctx,
        heartbeatMs: config.ingest.heartbeatMs,
        statusMs: config.ingest.statusMs,
        now: deps.now,
        logger: log,
      });
      // Both callbacks fire only once the run is going, after `s` below exists.
      const rawStreams = keys.all.map((k) => k.rawEvents);
      // Events without a readable symbol go to the feed's own partition (they dead-letter).
      const fallback = partitionOf(input.name, keys.partitions);
      const writer = new RawWriter({
        redis,
        streams: rawStreams,
        route: (symbol) =>
          symbol === undefined ? fallback : partitionOf(symbol.toUpperCase(), keys.partitions),
        feed: input.name,
        adapter: adapter.name,
        maxLen: config.ingest.maxLen,
        flushCount: config.ingest.flushCount,
        flushMs: config.ingest.flushMs,
        maxInFlight: MAX_FLUSHES_IN_FLIGHT,
        onWritten: (n) => {
          progress.events += n;
          metrics.ingestEvents.inc(labels, n);
        },
        onSaturation: () => s.flowChanged(),
      });
      const lag = new LagWatch({
        redis,
        streams: rawStreams,
        group: GROUPS.normalize,
        maxLag: config.ingest.maxLag,
        checkMs: config.ingest.lagCheckMs,
        logger: log,
        onLag: (value) => {
          progress.lag = value;
        },
        onChange: (throttled) => {
          metrics.ingestThrottled.set(labels, throttled ? 1 : 0);
          reporter.changed();
          s.flowChanged();
        },
      });
      const s = new FeedSession(
        input,
        adapter,
        { symbols: input.symbols, credentials },
        deps,
        log,
        writer,
        lag,
        reporter,
      );

      const maxRun = setTimeout(
        () => s.stop({ kind: 'max-run' }),
        input.maxRunMs ?? FEED_DEFAULTS.maxRunMs,
      );
      const onShutdown = () => s.stop({ kind: 'shutdown' });
      if (deps.shutdown.aborted) onShutdown();
      deps.shutdown.addEventListener('abort', onShutdown, { once: true });
      ctx.cancelled.catch(() => s.stop({ kind: 'cancelled' }));
      reporter.start();
      lag.start();
      try {
        await (adapter.transport === 'http' ? runPolling(s) : runWebSocket(s));
      } finally {
        clearTimeout(maxRun);
        deps.shutdown.removeEventListener('abort', onShutdown);
        lag.stop();
        metrics.ingestConnected.set(labels, 0);
        // What was received is written whatever ended the run.
        await writer.drain();
        progress.connected = false;
        await reporter.stop();
      }
      const reason = s.stopReason;
      log.info({ reason: reason?.kind, progress }, 'feed run ended');
      // A failed write means events were lost in this run: fail it so the gap is visible.
      if (writer.error) throw writer.error;
      switch (reason?.kind) {
        case 'cancelled':
          throw new CancelledFailure('feed cancelled');
        case 'shutdown':
          throw ApplicationFailure.retryable(
            `worker shutting down; feed ${input.name} moves on`,
            FAILURE.workerShutdown,
          );
        case 'failed':
          throw reason.error;
        default:
          return progress;
      }
    },
  };
}
