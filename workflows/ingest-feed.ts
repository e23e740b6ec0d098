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
  setCurrentDetails,
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
  feedMetadata,
  feedProgressSignal,
  feedStatusQuery,
  pauseSignal,
  resumeSignal,
  setSymbolsUpdate,
  stopSignal,
  type FeedCarried,
  type FeedInput,
  type FeedState,
  type FeedStatus,
} from '../contract';
import { feedCurrentDetails } from './current-details';
import { FeedSupervisor, checkSymbols, describeFailure } from './feed-supervisor';

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

  const feed = new FeedSupervisor(input, carried);
  // Not in the history: the Temporal UI's current details, kept by every run (unlike the summary).
  const summary = feedMetadata(input).staticSummary;
  const showDetails = () => setCurrentDetails(feedCurrentDetails(summary, feed.status()));
  const setState = (next: FeedState) => {
    if (next === feed.state) return;
    feed.state = next;
    upsertSearchAttributes([{ key: FEED_STATE, value: next }]);
    showDetails();
  };
  upsertSearchAttributes([
    { key: FEED_NAME, value: input.name },
    { key: ADAPTER, value: input.adapter },
    { key: FEED_STATE, value: feed.state },
  ]);
  showDetails();

  setHandler(feedStatusQuery, () => feed.status());
  setHandler(feedProgressSignal, (p) => {
    feed.progress(p);
    showDetails();
  });
  setHandler(pauseSignal, () => {
    feed.paused = true;
  });
  setHandler(resumeSignal, () => {
    feed.paused = false;
  });
  setHandler(stopSignal, () => {
    feed.stopping = true;
  });
  setHandler(setSymbolsUpdate, (next) => feed.setSymbols(next), {
    validator: (next) => checkSymbols(next, SYMBOL_PATTERN),
  });

  const interrupted = () =>
    feed.paused || feed.stopping || feed.symbolsChanged || workflowInfo().continueAsNewSuggested;

  for (;;) {
    if (feed.stopping) break;
    if (feed.paused) {
      setState('paused');
      await condition(() => !feed.paused || feed.stopping || workflowInfo().continueAsNewSuggested);
      if (feed.paused && !feed.stopping) break; // continue-as-new while paused
      continue;
    }
    setState('running');
    feed.symbolsChanged = false;
    let finished = false;
    let error: unknown;
    const scope = new CancellationScope();
    const run = scope
      .run(() => runFeed({ ...input, symbols: feed.symbols }))
      .then(
        (p) => feed.progress(p),
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
        feed.closeRun();
        setState('stopped');
      }
      throw err;
    }
    if (!finished) {
      scope.cancel();
      await run;
    }
    feed.closeRun();
    if (error !== undefined && !isCancellation(error)) {
      const failure = describeFailure(error);
      feed.failed(failure);
      setState('failed');
      log.error('feed failed', { feed: input.name, error: failure });
      throw ApplicationFailure.nonRetryable(
        `feed ${input.name} failed: ${failure}`,
        FAILURE.feedFailed,
      );
    }
    if (feed.symbolsChanged && !feed.stopping && !workflowInfo().continueAsNewSuggested) continue;
    if (feed.paused || feed.stopping) continue;
    // A completed run (maxRunMs) or a suggestion from the server: start afresh.
    break;
  }

  if (feed.stopping) {
    setState('stopped');
    await condition(allHandlersFinished);
    return feed.status();
  }
  await condition(allHandlersFinished);
  return await continueAsNew<typeof ingestFeed>(input, feed.carried());
}
