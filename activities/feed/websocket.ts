import WebSocket, { type RawData } from 'ws';
import { backoffDelay } from '../../lib/domain';
import type { FeedSession } from './session';

/** How one connection ended. */
interface ConnectionEnd {
  /** It carried data, so the next reconnect starts the backoff afresh. */
  readonly healthy: boolean;
  readonly reason: string;
}

/**
 * Keeps a WebSocket feed connected until the session stops: connects, authenticates and
 * subscribes; on a close, an error or silence, reconnects after an exponential backoff with
 * full jitter, for as long as the run lasts.
 */
export async function runWebSocket(s: FeedSession): Promise<void> {
  const { reconnectBaseMs, reconnectMaxMs } = s.deps.config.ingest;
  let failures = 0;
  while (!s.stopped) {
    const end = await connectOnce(s);
    if (s.stopped) break;
    failures = end.healthy ? 0 : failures + 1;
    s.progress.reconnects++;
    s.deps.metrics.ingestReconnects.inc({ feed: s.input.name });
    s.reporter.error(end.reason);
    const delay = backoffDelay(
      failures,
      { baseMs: reconnectBaseMs, maxMs: reconnectMaxMs },
      Math.random,
    );
    s.log.warn({ reason: end.reason, failures, delayMs: delay }, 'feed disconnected; reconnecting');
    await s.sleep(delay);
  }
}

function connectOnce(s: FeedSession): Promise<ConnectionEnd> {
  const { adapter, input, progress, deps } = s;
  const labels = { feed: input.name };
  const silenceMs = input.silenceMs ?? deps.config.ingest.silenceMs;
  const url = adapter.connectUrl ? adapter.connectUrl(input.url, s.connect) : input.url;
  const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: silenceMs });
  let healthy = false;
  let lastAlive = deps.now();

  return new Promise<ConnectionEnd>((resolve) => {
    let ended = false;
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      clearInterval(watchdog);
      offFlow();
      s.signal.removeEventListener('abort', onStop);
      progress.connected = false;
      deps.metrics.ingestConnected.set(labels, 0);
      s.reporter.changed();
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      // A peer that ignores the close handshake must not keep the socket alive.
      setTimeout(() => ws.terminate(), 1000).unref();
      resolve({ healthy, reason });
    };

    const onStop = () => end('stopped');
    s.signal.addEventListener('abort', onStop, { once: true });

    // Reading stops while the writer or the pipeline is behind: TCP backpressure to the feed.
    const applyFlow = () => {
      if (s.hold && !ws.isPaused) ws.pause();
      else if (!s.hold && ws.isPaused) {
        ws.resume();
        lastAlive = deps.now();
      }
    };
    const offFlow = s.onFlow(applyFlow);

    const watchdog = setInterval(
      () => {
        if (ws.isPaused) return;
        const quiet = deps.now() - lastAlive;
        if (quiet > silenceMs) end(`silent for ${quiet} ms`);
      },
      Math.min(1000, Math.max(10, silenceMs / 4)),
    );

    ws.on('open', () => {
      lastAlive = deps.now();
      progress.connected = true;
      progress.connectedAt = lastAlive;
      deps.metrics.ingestConnected.set(labels, 1);
      s.reporter.changed();
      for (const m of adapter.openingMessages(s.connect)) ws.send(m);
      s.log.info({ url: input.url, symbols: input.symbols }, 'feed connected');
      applyFlow();
    });
    ws.on('ping', () => (lastAlive = deps.now()));
    ws.on('message', (data: RawData) => {
      const now = deps.now();
      lastAlive = now;
      const frame = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Buffer.concat(data as Buffer[]).toString('utf8');
      progress.messages++;
      progress.lastMessageAt = now;
      deps.metrics.feedMessage(input.name, now);
      const parsed = adapter.parseFrame(frame);
      const last = parsed.events.at(-1);
      if (last?.sourceId) progress.lastSourceId = last.sourceId;
      if (parsed.events.length > 0) healthy = true;
      progress.parseErrors += parsed.errors.length;
      s.writer.addFrame(parsed, now);
      for (const c of parsed.controls) {
        progress.controls++;
        if (c.kind === 'auth_failed') {
          s.failAuth(c.message || 'authentication failed');
          return;
        }
        if (c.kind === 'authenticated') {
          for (const m of adapter.afterAuthMessages?.(s.connect) ?? []) ws.send(m);
        } else if (c.kind === 'error') {
          s.reporter.error(`provider error: ${c.message}`);
          s.log.warn({ message: c.message }, 'provider error');
        }
      }
      if (s.writer.error) s.stop({ kind: 'failed', error: s.writer.error });
    });
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      if (status === 401 || status === 403) s.failAuth(`handshake refused: HTTP ${status}`);
      else end(`handshake refused: HTTP ${status}`);
    });
    ws.on('close', (code, reason) => end(`closed by peer: ${code} ${reason.toString()}`.trim()));
    ws.on('error', (err) => end(`socket error: ${err.message}`));
  });
}
