import type {
  FeedCarried,
  FeedInput,
  FeedProgress,
  FeedState,
  FeedStatus,
  FeedTotals,
} from '../contract';

/**
 * The ingestFeed workflow's state and rules, apart from Temporal: what operators asked for
 * (pause, stop, new symbols), the runs' counters, and the status built from them. The workflow
 * function drives it; plain code, so it is unit-tested without a server.
 */
export class FeedSupervisor {
  paused: boolean;
  stopping = false;
  symbols: readonly string[];
  /** setSymbols arrived while a run was going: the run must restart with the new list. */
  symbolsChanged = false;
  state: FeedState;
  private runs: number;
  private readonly totals: FeedTotals;
  /** The running activity's latest progress; undefined between runs. */
  private current: FeedProgress | undefined;
  /** The last finished run's progress. */
  private last: FeedProgress | undefined;
  /** Why the feed failed, once it has. */
  private failure: string | null = null;

  constructor(
    readonly input: FeedInput,
    carried?: FeedCarried,
  ) {
    this.paused = carried?.paused ?? false;
    this.symbols = carried?.symbols ?? input.symbols ?? [];
    this.runs = carried?.runs ?? 0;
    this.state = this.paused ? 'paused' : 'running';
    this.totals = carried?.totals ?? { messages: 0, events: 0, parseErrors: 0, reconnects: 0 };
    this.last = carried?.last;
  }

  /** The running activity reported (its signal), or a run returned its final progress. */
  progress(p: FeedProgress): void {
    this.current = p;
  }

  setSymbols(next: readonly string[]): readonly string[] {
    this.symbols = [...next];
    this.symbolsChanged = true;
    return this.symbols;
  }

  /** Folds the run that just ended into the totals. */
  closeRun(): void {
    const c = this.current;
    if (c) {
      this.totals.messages += c.messages;
      this.totals.events += c.events;
      this.totals.parseErrors += c.parseErrors;
      this.totals.reconnects += c.reconnects;
      this.last = c;
    }
    this.current = undefined;
    this.runs++;
  }

  failed(reason: string): void {
    this.failure = reason;
  }

  /** What the next run of the workflow starts from (continue-as-new). */
  carried(): FeedCarried {
    return {
      runs: this.runs,
      paused: this.paused,
      symbols: this.symbols,
      totals: this.totals,
      last: this.last,
    };
  }

  /** The `status` query's answer: counters are totals over the feed's whole life. */
  status(): FeedStatus {
    const { input, current, totals } = this;
    const p = current ?? this.last;
    const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);
    const live = current !== undefined;
    return {
      name: input.name,
      adapter: input.adapter,
      url: input.url,
      symbols: this.symbols,
      state: this.state,
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
      lastError: this.failure ?? p?.lastError ?? null,
      lastErrorAt: iso(p?.lastErrorAt),
      runs: this.runs,
    };
  }
}

/** The innermost message of an activity failure (ActivityFailure wraps the activity's error). */
export function describeFailure(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/** setSymbols' validator: the update is refused (not the workflow failed) on a bad list. */
export function checkSymbols(next: unknown, pattern: RegExp): void {
  if (!Array.isArray(next) || next.some((s) => typeof s !== 'string' || !pattern.test(s)))
    throw new Error('symbols must be an array of ticker strings (letters, digits, : . _ - /)');
}
