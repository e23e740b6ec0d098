import type { IncomingMessage } from 'node:http';
import pino from 'pino';
import type { AuditEntry, Principal } from '../../api/auth';
import type { ApiServices } from '../../api/context';
import { createContextFactory, lazyLogger } from '../../api/context-factory';
import { createRequestLogging } from '../../api/plugins/request-logging';
import type { Logger } from '../../lib/logger';

const operator: Principal = { subject: 'ops', via: 'jwt', role: 'operator' };

function setup(append: (e: AuditEntry) => Promise<string>) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
  );
  const services = {
    auth: {
      principalFor: () => Promise.resolve(operator),
      audit: { append },
    },
  } as unknown as ApiServices;
  const factory = createContextFactory({
    services,
    logger,
    requests: createRequestLogging(logger),
  });
  return { factory, lines };
}

describe('createContextFactory (the per-request context)', () => {
  it('builds an HTTP context: the authenticated caller, the request id, the transport', async () => {
    const { factory } = setup(() => Promise.resolve('1-0'));
    const request = new Request('http://x/graphql', {
      headers: { 'x-request-id': 'req-7', accept: 'text/event-stream' },
    });
    const ctx = await factory({ request });
    expect(ctx).toMatchObject({ caller: operator, requestId: 'req-7', transport: 'sse' });
    expect(() => ctx.authorize('operator', 'startFeed')).not.toThrow();
    expect(() => ctx.authorize('admin', 'resetAll')).toThrow();
  });

  it('builds a graphql-ws context from the connection caller, and writes its audit entries', async () => {
    const written: AuditEntry[] = [];
    const { factory } = setup((e) => {
      written.push(e);
      return Promise.resolve('1-0');
    });
    const wsCaller: Principal = { subject: 'k', via: 'api-key', role: 'admin', keyId: 'id1' };
    const ctx = await factory({
      transport: 'ws',
      wsCaller,
      wsRequest: {} as IncomingMessage,
    });
    expect(ctx.transport).toBe('ws');
    expect(ctx.caller).toBe(wsCaller);
    expect(ctx.requestId).toMatch(/^[0-9a-f-]{36}$/);
    await ctx.audit({ action: 'pausePipeline', args: {}, result: 'ok', workflowId: 'pipeline' });
    expect(written).toEqual([
      {
        actor: { subject: 'k', via: 'api-key', role: 'admin', keyId: 'id1' },
        action: 'pausePipeline',
        args: {},
        requestId: ctx.requestId,
        result: { ok: true, workflowId: 'pipeline', runId: undefined },
      },
    ]);
  });

  it('logs a failed audit write with the request id instead of failing the mutation', async () => {
    const { factory, lines } = setup(() => Promise.reject(new Error('redis down')));
    const request = new Request('http://x/graphql', { headers: { 'x-request-id': 'req-9' } });
    const ctx = await factory({ request });
    await expect(
      ctx.audit({ action: 'startFeed', args: {}, result: 'error', errorCode: 'CONFLICT' }),
    ).resolves.toBeUndefined();
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'audit write failed',
        action: 'startFeed',
        reqId: 'req-9',
        sub: 'ops',
        role: 'operator',
      }),
    ]);
  });

  it('lazyLogger builds its logger on first use only', () => {
    let made = 0;
    const calls: string[] = [];
    const log = lazyLogger(() => {
      made++;
      return { info: (m: string) => void calls.push(m), level: 'info' } as unknown as Logger;
    });
    expect(made).toBe(0);
    log.info('a');
    log.info('b');
    expect(log.level).toBe('info');
    expect({ made, calls }).toEqual({ made: 1, calls: ['a', 'b'] });
  });
});
