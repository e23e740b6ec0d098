import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { Registry } from 'prom-client';
import { createApiAuth, requireRole, type ApiAuth, type Principal } from '../../../api/auth';
import { createRateLimitAdmission, createRateLimiter, useRateLimit } from '../../../api/limits';
import type { Config } from '../../../lib/config';
import { createLogger } from '../../../lib/logger';
import type { GqlResponse } from '../../support/api';
import type { RedisFixture } from '../../support/stack';

/**
 * A Yoga server wired the way createApp is meant to wire the auth layer: the principal in the
 * context, useRateLimit in the plugins, requireRole + audit in each mutation resolver.
 * `quote` needs viewer, `startFeed` operator, `resetAll` admin.
 */
export interface AuthHarness {
  readonly auth: ApiAuth;
  readonly registry: Registry;
  readonly url: string;
  post(
    query: string,
    headers?: Record<string, string>,
    variables?: Record<string, unknown>,
  ): Promise<GqlReply>;
  close(): Promise<void>;
}

export type GqlReply = GqlResponse;

// A type, not an interface: Yoga's server context wants an index-signature-compatible shape.
type Ctx = {
  principal: Principal;
  requestId: string;
};

export async function startAuthHarness(config: Config, fx: RedisFixture): Promise<AuthHarness> {
  const registry = new Registry();
  const logger = createLogger({ level: 'silent', name: 'auth-test' });
  const auth = createApiAuth({ config, redis: fx.redis, keys: fx.keys, registry, logger });
  const limiter = createRateLimiter({ redis: fx.redis, keys: fx.keys, ...config.api.rateLimit });
  let requests = 0;
  const yoga = createYoga<object, Ctx>({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        type Query {
          quote: String!
        }
        type Mutation {
          startFeed(feed: String!, secret: String): String!
          resetAll: Boolean!
        }
      `,
      resolvers: {
        Query: {
          quote: (_: unknown, __: unknown, ctx: Ctx) => {
            requireRole(ctx.principal, 'viewer', 'quote');
            return 'AAPL 1.00';
          },
        },
        Mutation: {
          startFeed: (_: unknown, args: { feed: string }, ctx: Ctx) =>
            auth.audit
              .record(
                ctx,
                'startFeed',
                args,
                () => {
                  requireRole(ctx.principal, 'operator', 'startFeed');
                  return Promise.resolve({ workflowId: `feed-${args.feed}`, runId: 'run-1' });
                },
                (r) => r,
              )
              .then((r) => r.workflowId),
          resetAll: (_: unknown, __: unknown, ctx: Ctx) =>
            auth.audit.record(ctx, 'resetAll', {}, () => {
              requireRole(ctx.principal, 'admin', 'resetAll');
              return Promise.resolve(true);
            }),
        },
      },
    }),
    context: async ({ request }) => ({
      principal: await auth.principalFor(request),
      requestId: `req-${++requests}`,
    }),
    maskedErrors: true,
    logging: false,
    plugins: [
      useRateLimit({
        admission: createRateLimitAdmission({
          limiter,
          mutationCost: config.api.rateLimit.mutationCost,
          registry,
        }),
        identify: auth.clientId,
      }),
    ],
  });
  const server: Server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    auth,
    registry,
    url,
    async post(query, headers = {}, variables) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          ...headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return {
        status: res.status,
        headers: res.headers,
        body: (await res.json()) as GqlReply['body'],
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await yoga.dispose();
    },
  };
}
