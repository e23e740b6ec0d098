import type { IncomingMessage, ServerResponse } from 'node:http';
import { guardBody } from '../../../api/transports/body-guard';

/** The request's method and headers, and what the guard wrote back. */
function run(method: string, headers: Record<string, string>, limit = 100) {
  let resumed = false;
  const sent: { status?: number; headers?: Record<string, string>; body?: string } = {};
  const req = {
    method,
    headers,
    resume: () => void (resumed = true),
  } as unknown as IncomingMessage;
  const res = {
    writeHead(status: number, h: Record<string, string>) {
      sent.status = status;
      sent.headers = h;
    },
    end(body: string) {
      sent.body = body;
    },
  } as unknown as ServerResponse;
  const ok = guardBody(req, res, limit);
  const body = sent.body === undefined ? undefined : (JSON.parse(sent.body) as unknown);
  return { ok, resumed, status: sent.status, headers: sent.headers, body };
}

const error = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });

describe('guardBody (the HTTP body guard in front of yoga)', () => {
  it('lets bodiless methods, requests without a body and bodies within the limit through', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS']) {
      expect(run(m, { 'transfer-encoding': 'chunked' })).toMatchObject({ ok: true });
    }
    expect(run('POST', {})).toEqual({ ok: true, resumed: false });
    expect(run('POST', { 'content-length': '100' }).ok).toBe(true);
  });

  it('answers 413 over the limit, 411 for chunked bodies, 400 for a bad Content-Length', () => {
    expect(run('POST', { 'content-length': '101' })).toEqual({
      ok: false,
      resumed: true,
      status: 413,
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: error('Request body too large (limit 100 bytes)', 'REQUEST_ENTITY_TOO_LARGE'),
    });
    expect(run('POST', { 'transfer-encoding': 'chunked' })).toMatchObject({
      ok: false,
      status: 411,
      body: error('Content-Length required', 'LENGTH_REQUIRED'),
    });
    for (const bad of ['-1', '1e3', '', ' 5']) {
      expect(run('POST', { 'content-length': bad })).toMatchObject({
        ok: false,
        status: 400,
        body: error('Content-Length header is invalid', 'BAD_REQUEST'),
      });
    }
  });
});
