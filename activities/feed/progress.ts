import { Context } from '@temporalio/activity';
import type { Logger } from '../../lib/logger';
import { feedProgressSignal, type FeedProgress } from '../../contract';

export function emptyProgress(): FeedProgress {
  return {
    connected: false,
    throttled: false,
    lag: null,
    messages: 0,
    events: 0,
    parseErrors: 0,
    controls: 0,
    unchanged: 0,
    reconnects: 0,
    lastError: null,
    lastErrorAt: 0,
    lastSourceId: '',
    lastMessageAt: 0,
    connectedAt: 0,
    messagesPerSecond: 0,
    eventsPerSecond: 0,
    reportedAt: 0,
  };
}

/**
 * Heartbeats progress every `heartbeatMs` and signals it to the workflow every `statusMs`, and
 * soon after a state change (connected, throttled, error) — at most once a second, so a
 * flapping connection cannot flood the workflow's history.
 */
export class ProgressReporter {
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private changeTimer: NodeJS.Timeout | undefined;
  private last = { at: 0, messages: 0, events: 0 };
  private sending: Promise<void> = Promise.resolve();

  constructor(
    readonly progress: FeedProgress,
    private readonly opts: {
      readonly ctx: Context;
      readonly heartbeatMs: number;
      readonly statusMs: number;
      readonly now: () => number;
      readonly logger: Logger;
    },
  ) {
    this.last = { at: opts.now(), messages: progress.messages, events: progress.events };
  }

  start(): this {
    this.heartbeatTimer = setInterval(
      () => this.opts.ctx.heartbeat(this.progress),
      this.opts.heartbeatMs,
    );
    this.statusTimer = setInterval(() => void this.report(), this.opts.statusMs);
    void this.report();
    return this;
  }

  /** Records an error as the feed's last one and reports it. */
  error(message: string): void {
    this.progress.lastError = message;
    this.progress.lastErrorAt = this.opts.now();
    this.changed();
  }

  /** A state change worth showing soon. */
  changed(): void {
    this.changeTimer ??= setTimeout(() => {
      this.changeTimer = undefined;
      void this.report();
    }, 1000);
  }

  /** Signals the current progress to the workflow; failures are logged, never thrown. */
  report(): Promise<void> {
    const p = this.progress;
    const now = this.opts.now();
    const secs = Math.max(0.001, (now - this.last.at) / 1000);
    p.messagesPerSecond = Math.round((p.messages - this.last.messages) / secs);
    p.eventsPerSecond = Math.round((p.events - this.last.events) / secs);
    p.reportedAt = now;
    this.last = { at: now, messages: p.messages, events: p.events };
    const snapshot = { ...p };
    this.opts.ctx.heartbeat(snapshot);
    // One signal at a time, in order: a slow server must not reorder reports.
    this.sending = this.sending.then(() => this.signal(snapshot));
    return this.sending;
  }

  private async signal(snapshot: FeedProgress): Promise<void> {
    const wf = this.opts.ctx.info.workflowExecution;
    if (!wf) return;
    try {
      await this.opts.ctx.client.workflow
        .getHandle(wf.workflowId, wf.runId)
        .signal(feedProgressSignal, snapshot);
    } catch (err) {
      this.opts.logger.debug({ err }, 'progress signal not delivered');
    }
  }

  /** Stops the timers and sends a last report. */
  async stop(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.statusTimer);
    clearTimeout(this.changeTimer);
    await this.report();
  }
}
