import { auditActor, mutationAuditEntry, type Principal } from '../../../api/auth';

const viaKey: Principal = { subject: 'ci', via: 'api-key', role: 'operator', keyId: 'k1' };

describe('mutationAuditEntry (a mutation context audit record → the audit log entry)', () => {
  it('records the actor and the workflow ids of a success', () => {
    expect(
      mutationAuditEntry(
        {
          action: 'startFeed',
          args: { feed: 'a' },
          result: 'ok',
          workflowId: 'feed-a',
          runId: 'r1',
        },
        viaKey,
        'req-1',
      ),
    ).toEqual({
      actor: { subject: 'ci', via: 'api-key', role: 'operator', keyId: 'k1' },
      action: 'startFeed',
      args: { feed: 'a' },
      requestId: 'req-1',
      result: { ok: true, workflowId: 'feed-a', runId: 'r1' },
    });
  });

  it('records the code and message of a failure, INTERNAL and empty when it had none', () => {
    const jwt: Principal = { subject: 'ann', via: 'jwt', role: 'admin' };
    const failed = (errorCode?: string, error?: string) =>
      mutationAuditEntry(
        { action: 'stopFeed', args: {}, result: 'error', errorCode, error },
        jwt,
        'req-2',
      ).result;
    expect(failed('UNKNOWN_FEED', 'No feed named "x"')).toEqual({
      ok: false,
      code: 'UNKNOWN_FEED',
      message: 'No feed named "x"',
    });
    expect(failed()).toEqual({ ok: false, code: 'INTERNAL', message: '' });
    expect(auditActor(jwt)).toEqual({
      subject: 'ann',
      via: 'jwt',
      role: 'admin',
      keyId: undefined,
    });
  });
});
