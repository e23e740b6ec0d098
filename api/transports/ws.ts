import type { IncomingMessage, Server } from 'node:http';
import type { DocumentNode, ExecutionArgs, GraphQLError, GraphQLSchema } from 'graphql';
import { CloseCode, type ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../lib/logger';
import type { ApiContext, Caller } from '../context';

/** What the WebSocket transport puts in yoga's initial context for each operation. */
export interface WsInitialContext {
  readonly transport: 'ws';
  readonly wsCaller: Caller;
  readonly wsRequest: IncomingMessage;
}

export interface WsTransportOptions {
  readonly server: Server;
  // Yoga's server context is the HTTP one; the ws path adds its own fields to the initial context.
  readonly yoga: YogaServerInstance<Record<string, never>, ApiContext>;
  readonly logger: Logger;
  /** Authenticates the connection from its `connection_init` params (and upgrade headers). */
  readonly authenticate: (
    connectionParams: Readonly<Record<string, unknown>> | undefined,
    request: IncomingMessage,
  ) => Promise<Caller>;
  /**
   * The document to run for a subscribe payload (persisted operations: `query` may be empty
   * when `extensions` names a hash), or the error that refuses it.
   */
  readonly resolveQuery?: (query: string, extensions: unknown) => string | GraphQLError;
  /** Checks an operation before it runs (rate limit); returns the error that refuses it. */
  readonly admit: (caller: Caller, request: IncomingMessage) => Promise<GraphQLError | undefined>;
}

type Run = (args: ExecutionArgs) => ReturnType<NonNullable<ServerOptions['execute']>>;
interface EnvelopedRoot {
  execute: Run;
  subscribe: Run;
}

/** Envelop types these loosely (any) to stay independent of the graphql version. */
interface Enveloped {
  schema: GraphQLSchema;
  execute: Run;
  subscribe: Run;
  contextFactory: () => Promise<unknown>;
  parse: (source: string) => DocumentNode;
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
}

interface Extra {
  caller?: Caller;
}

/**
 * GraphQL over WebSocket (the graphql-ws protocol) on the same port and path as HTTP. Each
 * operation runs through yoga's envelop, so plugins (limits, metrics, masking) apply as they
 * do over HTTP. Authentication happens once, at `connection_init`: a refused connection is
 * closed with 4403 and the reason.
 */
export function attachWebSocketTransport(opts: WsTransportOptions): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server: opts.server, path: opts.yoga.graphqlEndpoint });
  const log = opts.logger.child({ transport: 'ws' });
  const disposer = useServer(
    {
      // onSubscribe puts yoga's enveloped execute/subscribe in rootValue, so plugins run.
      execute: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onConnect: async (ctx) => {
        const extra = ctx.extra as typeof ctx.extra & Extra;
        try {
          extra.caller = await opts.authenticate(ctx.connectionParams, ctx.extra.request);
          return true;
        } catch (err) {
          const message = err instanceof Error ? err.message : 'unauthenticated';
          log.info({ reason: message }, 'websocket connection refused');
          // Closing with a reason tells the client why; returning false would only say "Forbidden".
          ctx.extra.socket.close(CloseCode.Forbidden, message.slice(0, 120));
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        const extra = ctx.extra as typeof ctx.extra & Extra;
        const refused = await opts.admit(extra.caller!, ctx.extra.request);
        if (refused) return [refused];
        const initial: WsInitialContext = {
          transport: 'ws',
          wsCaller: extra.caller!,
          wsRequest: ctx.extra.request,
        };
        const { schema, execute, subscribe, contextFactory, parse, validate } =
          opts.yoga.getEnveloped({ ...initial, params: payload }) as unknown as Enveloped;
        const query = opts.resolveQuery
          ? opts.resolveQuery(payload.query, payload.extensions)
          : payload.query;
        if (typeof query !== 'string') return [query];
        let document: DocumentNode;
        try {
          document = parse(query);
        } catch (err) {
          return [err as GraphQLError];
        }
        const args = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return [...errors];
        return args;
      },
    },
    wss,
  );
  return {
    async close() {
      await disposer.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
