import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  ADAPTER,
  FAILURE,
  FEED_DEFAULTS,
  FEED_NAME,
  FEED_STATE,
  SYMBOL_PATTERN,
  feedProgressSignal,
  feedStatusQuery,
  pauseSignal,
  resumeSignal,
  setSymbolsUpdate,
  stopSignal,
  type FeedCarried,
  type FeedInput,
  type FeedProgress,
  type FeedState,
  type FeedStatus,
  type FeedTotals,
} from '../contract';

/**
 * Supervises one feed. Runs its long-lived `runFeed` activity (which reconnects by itself)
 * and restarts it when it fails, with Temporal's retry policy: 1 s doubling to 1 min, without
 * limit — except for refused credentials or a bad input, which fail the workflow with the
 * reason. Pause and setSymbols cancel the running activity (it closes its socket, flushes and
 * reports); continue-as-new follows each completed run and whenever the server suggests it.
 */
export async function ingestFeed(input: FeedInput, carried?: FeedCarried): Promise<FeedStatus> {
  const { runFeed } = proxyActivities<Activities>({
    // The activity returns after maxRunMs (1 h by default); this only bounds a stuck one.
    startToCloseTimeout: (input.maxRunMs ?? FEED_DEFAULTS.maxRunMs) + FEED_DEFAULTS.stuckMarginMs,
    heartbeatTimeout: input.heartbeatTimeoutMs ?? FEED_DEFAULTS.heartbeatTimeoutMs,
    // Wait for the activity to close its socket and flush before going on (no overlap).
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1m',
      nonRetryableErrorTypes: [FAILURE.feedAuth, FAILURE.invalidFeedConfig],
    },
  });

  let paused = carried?.paused ?? false;
  let stopping = false;
  let symbols = carried?.symbols ?? input.symbols ?? [];
  let symbolsChanged = false;
  let runs = carried?.runs ?? 0;
  let state: FeedState = paused ? 'paused' : 'running';
  const totals: FeedTotals = carried?.totals ?? {
    messages: 0,
    events: 0,
    parseErrors: 0,
    reconnects: 0,
  };
  let current: FeedProgress | undefined;
  let last: FeedProgress | undefined = carried?.last;
  let failure: string | null = null;

  const setState = (next: FeedState) => {
    if (next === state) return;
    state = next;
    upsertSearchAttributes([{ key: FEED_STATE, value: next }]);
  };
  upsertSearchAttributes([
    { key: FEED_NAME, value: input.name },
    { key: ADAPTER, value: input.adapter },
    { key: FEED_STATE, value: state },
  ]);

  const statusNow = (): FeedStatus => {
    const p = current ?? last;
    const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);
    const live = current !== undefined;
    return {
      name: input.name,
      adapter: input.adapter,
      url: input.url,
      symbols,
      state,
      connected: live && (p?.connected ?? false),
      throttled: live && (p?.throttled ?? false),
      lag: p?.lag ?? null,
      messagesTotal: totals.messages + (current?.messages ?? 0),
      eventsTotal: totals.events + (current?.events ?? 0),
      parseErrorsTotal: totals.parseErrors + (current?.parseErrors ?? 0),
      reconnectsTotal: totals.reconnects + (current?.reconnects ?? 0),
      messagesPerSecond: live ? (p?.messagesPerSecond ?? 0) : 0,
      eventsPerSecond: live ? (p?.eventsPerSecond ?? 0) : 0,
      lastMessageAt: iso(p?.lastMessageAt),
      lastError: failure ?? p?.lastError ?? null,
      lastErrorAt: iso(p?.lastErrorAt),
      runs,
    };
  };
  setHandler(feedStatusQuery, statusNow);
  setHandler(feedProgressSignal, (p) => {
    current = p;
  });
  setHandler(pauseSignal, () => {
    paused = true;
  });
  setHandler(resumeSignal, () => {
    paused = false;
  });
  setHandler(stopSignal, () => {
    stopping = true;
  });
  setHandler(
    setSymbolsUpdate,
    (next) => {
      symbols = [...next];
      symbolsChanged = true;
      return symbols;
    },
    {
      validator: (next) => {
        if (
          !Array.isArray(next) ||
          next.some((s) => typeof s !== 'string' || !SYMBOL_PATTERN.test(s))
        )
          throw new Error(
            'symbols must be an array of ticker strings (letters, digits, : . _ - /)',
          );
      },
    },
  );

  /** Folds the run that just ended into the totals. */
  const closeRun = () => {
    if (current) {
      totals.messages += current.messages;
      totals.events += current.events;
      totals.parseErrors += current.parseErrors;
      totals.reconnects += current.reconnects;
      last = current;
    }
    current = undefined;
    runs++;
  };
  const interrupted = () =>
    paused || stopping || symbolsChanged || workflowInfo().continueAsNewSuggested;

  for (;;) {
    if (stopping) break;
    if (paused) {
      setState('paused');
      await condition(() => !paused || stopping || workflowInfo().continueAsNewSuggested);
      if (paused && !stopping) break; // continue-as-new while paused
      continue;
    }
    setState('running');
    symbolsChanged = false;
    let finished = false;
    let error: unknown;
    const scope = new CancellationScope();
    const run = scope
      .run(() => runFeed({ ...input, symbols }))
      .then(
        (p) => {
          current = p;
        },
        (err: unknown) => {
          error = err;
        },
      )
      .finally(() => {
        finished = true;
      });
    try {
      await condition(() => finished || interrupted());
    } catch (err) {
      // The workflow itself is cancelled: the scope is too; let the activity close, then leave.
      if (isCancellation(err)) {
        await run;
        closeRun();
        setState('stopped');
      }
      throw err;
    }
    if (!finished) {
      scope.cancel();
      await run;
    }
    closeRun();
    if (error !== undefined && !isCancellation(error)) {
      failure = describeFailure(error);
      setState('failed');
      log.error('feed failed', { feed: input.name, error: failure });
      throw ApplicationFailure.nonRetryable(
        `feed ${input.name} failed: ${failure}`,
        FAILURE.feedFailed,
      );
    }
    if (symbolsChanged && !stopping && !workflowInfo().continueAsNewSuggested) continue;
    if (paused || stopping) continue;
    // A completed run (maxRunMs) or a suggestion from the server: start afresh.
    break;
  }

  if (stopping) {
    setState('stopped');
    await condition(allHandlersFinished);
    return statusNow();
  }
  await condition(allHandlersFinished);
  return await continueAsNew<typeof ingestFeed>(input, {
    runs,
    paused,
    symbols,
    totals,
    last,
  });
}

/** The innermost message of an activity failure (ActivityFailure wraps the activity's error). */
function describeFailure(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
