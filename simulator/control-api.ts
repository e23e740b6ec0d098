import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Logger } from '../lib/logger';
import type { SpikeRequest, TickerSnapshot } from './market';

/** What the control API reports at `GET /state`. */
export interface SimulatorState {
  /** Last sequence number issued (the first one less one before the first event). */
  readonly seq: number;
  readonly paused: boolean;
  readonly eventsPerSecond: number;
  readonly clients: number;
  readonly tickers: Readonly<Record<string, TickerSnapshot>>;
}

/** The operations the control API drives; the simulator implements them. */
export interface SimulatorControl {
  pause(): void;
  resume(): void;
  setRate(eventsPerSecond: number): void;
  /** @throws RangeError for an unknown ticker or pct <= -100. */
  spike(ticker: string, pct?: number): SpikeRequest;
  hasTicker(ticker: string): boolean;
  disconnectAll(): number;
  sendRaw(frame: string): number;
  state(): SimulatorState;
}

/** Same bound as SIMULATOR_EVENTS_PER_SECOND in lib/config/simulator.ts. */
const MAX_RATE = 10_000_000;
const MAX_BODY_BYTES = 1024 * 1024;

const rateBody = z.object({ eventsPerSecond: z.number().min(0).max(MAX_RATE) });
const spikeBody = z.object({ ticker: z.string().min(1), pct: z.number().gt(-100).optional() });
const sendRawBody = z.object({ frame: z.string() });

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Handler = (body: () => Promise<unknown>) => unknown;

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const detail = r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new HttpError(400, detail.join('; '));
  }
  return r.data;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * The HTTP control API, used by tests and demos to steer the feed. JSON in and out, except
 * `/metrics` (Prometheus text).
 */
export function createControlHandler(
  sim: SimulatorControl,
  registry: Registry,
  logger: Logger,
  defaultSpikePct: number,
): (req: IncomingMessage, res: ServerResponse) => void {
  const routes: Record<string, Record<string, Handler>> = {
    '/healthz': { GET: () => ({ status: 'ok' }) },
    '/state': { GET: () => sim.state() },
    '/pause': {
      POST: () => {
        sim.pause();
        return { paused: true };
      },
    },
    '/resume': {
      POST: () => {
        sim.resume();
        return { paused: false };
      },
    },
    '/rate': {
      POST: async (body) => {
        const { eventsPerSecond } = parse(rateBody, await body());
        sim.setRate(eventsPerSecond);
        return { eventsPerSecond };
      },
    },
    '/spike': {
      POST: async (body) => {
        const { ticker, pct } = parse(spikeBody, await body());
        const symbol = ticker.toUpperCase();
        if (!sim.hasTicker(symbol)) throw new HttpError(404, `unknown ticker ${ticker}`);
        return sim.spike(symbol, pct ?? defaultSpikePct);
      },
    },
    '/disconnect': { POST: () => ({ disconnected: sim.disconnectAll() }) },
    '/send-raw': {
      POST: async (body) => ({ sent: sim.sendRaw(parse(sendRawBody, await body()).frame) }),
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    if (path === '/metrics' && req.method === 'GET') {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
      return;
    }
    const methods = routes[path];
    if (!methods) throw new HttpError(404, `no route ${path}`);
    const handler = methods[req.method ?? 'GET'];
    if (!handler) {
      res.setHeader('allow', Object.keys(methods).join(', '));
      throw new HttpError(405, `${req.method} not allowed on ${path}`);
    }
    sendJson(res, 200, await handler(() => readJson(req)));
  };

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof RangeError ? 400 : 500;
      if (status === 500) logger.error({ err, url: req.url }, 'control request failed');
      if (res.headersSent) {
        res.end();
        return;
      }
      // Unread request bodies would otherwise keep a keep-alive connection from reuse.
      req.resume();
      sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  };
}
