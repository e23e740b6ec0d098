import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { createControlHandler, type SimulatorControl } from './control-api';
import { Emitter, type EmitterLimits, type FeedClient } from './emitter';
import { Market } from './market';
import { createSimulatorMetrics } from './metrics';
import { UNIVERSE, type TickerSpec } from './universe';

/** Dependencies of {@link createSimulator}. */
export interface SimulatorDeps {
  readonly config: Config['simulator'];
  readonly logger: Logger;
  readonly registry: Registry;
  /**
   * The instruments to simulate.
   * @defaultValue UNIVERSE (every ticker of reference/sectors.json)
   */
  readonly tickers?: readonly TickerSpec[];
  readonly limits?: EmitterLimits;
  /**
   * Sequence number of the first event (see `MarketOptions.firstSeq`); simulator/main.ts
   * passes a time-based one so that a restarted process continues its ids.
   * @defaultValue 1
   */
  readonly firstSeq?: number;
}

/** Where a started simulator listens. */
export interface SimulatorAddress {
  readonly port: number;
  /** `ws://host:port`; any path on it is the feed. */
  readonly url: string;
}

/** A running market simulator: a WebSocket feed and its HTTP control API on one port. */
export interface Simulator extends SimulatorControl {
  start(): Promise<SimulatorAddress>;
  /** Stops the feed, closes clients with 1001 and the servers; resolves once all are closed. */
  stop(): Promise<void>;
}

const CONNECTED_FRAME = '[{"T":"status","msg":"connected"}]';
/** Acknowledges a subscribe, so a client knows every later frame is filtered. */
const SUBSCRIBED_FRAME = '[{"T":"status","msg":"subscribed"}]';
/** How long stop() waits for clients and HTTP requests to finish before cutting them off. */
const CLOSE_GRACE_MS = 1000;

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * Reads a client message; returns the new filter (null for all tickers) or undefined if the
 * message is not a subscribe. A subscribe replaces the previous one; "*" means every ticker.
 */
function parseSubscribe(data: RawData): ReadonlySet<string> | null | undefined {
  let m: unknown;
  try {
    m = JSON.parse(rawText(data));
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  const { action, symbols } = m as { action?: unknown; symbols?: unknown };
  if (action !== 'subscribe' || !Array.isArray(symbols)) return undefined;
  const names = symbols.filter((s): s is string => typeof s === 'string');
  if (names.includes('*')) return null;
  return new Set(names.map((s) => s.toUpperCase()));
}

/**
 * A filter given in the connection URL (`?symbols=AAPL,MSFT`): it applies from the first frame,
 * where a subscribe message can only apply once it arrives. Null for every ticker.
 */
function filterFromUrl(url: string | undefined): ReadonlySet<string> | null {
  const symbols = new URL(url ?? '/', 'ws://simulator').searchParams.get('symbols');
  if (!symbols) return null;
  const names = symbols.split(',').filter((s) => s !== '');
  return names.length === 0 || names.includes('*')
    ? null
    : new Set(names.map((s) => s.toUpperCase()));
}

/** Builds the simulator; nothing listens until start(). */
export function createSimulator(deps: SimulatorDeps): Simulator {
  const { config, registry } = deps;
  const log = deps.logger.child({ module: 'simulator' });
  const market = new Market({
    tickers: deps.tickers ?? UNIVERSE,
    seed: config.seed,
    spikeProbability: config.spikeProbability,
    spikePct: config.spikePct,
    firstSeq: deps.firstSeq,
  });
  const metrics = createSimulatorMetrics(registry);
  const emitter = new Emitter(market, metrics, config.eventsPerSecond, deps.limits);
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // Clients only ever send small subscribe messages.
    maxPayload: 64 * 1024,
  });
  let stopping: Promise<void> | undefined;

  const countClients = () => metrics.clients.set(emitter.clients.size);

  const onConnection = (ws: WebSocket, req: IncomingMessage): void => {
    const client: FeedClient = { ws, filter: filterFromUrl(req.url) };
    ws.send(CONNECTED_FRAME);
    emitter.clients.add(client);
    countClients();
    log.debug({ clients: emitter.clients.size }, 'client connected');
    ws.on('message', (data) => {
      const filter = parseSubscribe(data);
      if (filter === undefined) {
        log.debug({ message: rawText(data).slice(0, 200) }, 'ignored client message');
        return;
      }
      client.filter = filter;
      ws.send(SUBSCRIBED_FRAME);
    });
    ws.on('error', (err) => log.debug({ err }, 'client socket error'));
    ws.on('close', () => {
      emitter.clients.delete(client);
      countClients();
      log.debug({ clients: emitter.clients.size }, 'client disconnected');
    });
  };

  const sim: Simulator = {
    pause: () => emitter.pause(),
    resume: () => emitter.resume(),
    setRate: (eventsPerSecond) => emitter.setRate(eventsPerSecond),
    hasTicker: (ticker) => market.has(ticker),
    spike(ticker, pct = config.spikePct) {
      const req = market.requestSpike(ticker, pct);
      log.info({ ...req, pct }, 'spike requested');
      return req;
    },
    disconnectAll() {
      const n = emitter.clients.size;
      for (const c of emitter.clients) c.ws.terminate();
      return n;
    },
    sendRaw: (frame) => emitter.broadcast(frame),
    state: () => ({
      seq: market.seq,
      paused: emitter.paused,
      eventsPerSecond: emitter.eventsPerSecond,
      clients: emitter.clients.size,
      tickers: market.snapshot(),
    }),
    start,
    stop: () => (stopping ??= shutdown()),
  };

  const server = createServer(createControlHandler(sim, registry, log, config.spikePct));
  // No path check: the feed is on every path, as with most providers' single endpoint.
  server.on('upgrade', (req, socket, head) => {
    if (stopping) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, onConnection);
  });

  async function start(): Promise<SimulatorAddress> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => log.error({ err }, 'simulator server error'));
    emitter.start();
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return { port, url: `ws://${host}:${port}` };
  }

  async function shutdown(): Promise<void> {
    emitter.stop();
    const clients = [...emitter.clients];
    const cutOff = setTimeout(() => {
      for (const c of clients) c.ws.terminate();
    }, CLOSE_GRACE_MS);
    await Promise.all(
      clients.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.ws.readyState === WebSocket.CLOSED) return resolve();
            c.ws.once('close', () => resolve());
            c.ws.close(1001, 'simulator shutting down');
          }),
      ),
    );
    clearTimeout(cutOff);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (!server.listening) return;
    await new Promise<void>((resolve, reject) => {
      const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      server.close((err) => {
        clearTimeout(force);
        if (err) reject(err);
        else resolve();
      });
      server.closeIdleConnections();
    });
    log.debug('simulator stopped');
  }

  return sim;
}
