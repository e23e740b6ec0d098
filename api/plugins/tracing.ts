import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { getOperationAST, type DocumentNode, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ATTR, tracer } from '../../lib/tracing';

const headerGetter: TextMapGetter<Headers> = {
  get: (h, key) => h.get(key) ?? undefined,
  keys: (h) => [...h.keys()],
};

/**
 * Traces the API when tracing is on (app.ts adds it then only): a server span per HTTP request
 * (`GET /graphql`, continuing the caller's W3C `traceparent`), and inside it a span per GraphQL
 * operation (`query quote`: `graphql.operation.type` and `graphql.operation.name`) in whose
 * context the resolvers run, so their Redis commands are its children. Operations over
 * WebSocket have no HTTP span: theirs is a root.
 */
export function useTracing(): Plugin {
  const requests = new WeakMap<Request, { span: Span; ctx: Context }>();
  const operation = (
    document: DocumentNode,
    operationName: string | null | undefined,
    contextValue: unknown,
  ) => {
    const op = getOperationAST(document, operationName ?? undefined);
    const type = op?.operation ?? 'query';
    const name = op?.name?.value ?? operationName ?? undefined;
    const request = (contextValue as { request?: Request } | undefined)?.request;
    const parent = (request && requests.get(request)?.ctx) ?? context.active();
    const span = tracer().startSpan(
      name ? `${type} ${name}` : type,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ATTR.graphqlOperationType]: type,
          ...(name ? { [ATTR.graphqlOperationName]: name } : {}),
        },
      },
      parent,
    );
    return { span, ctx: trace.setSpan(parent, span) };
  };
  /** Runs `fn` in the operation's span, ending it when its result (or error) is there. */
  const traced = <R>(args: ExecutionArgs, fn: () => R | Promise<R>): Promise<R> => {
    const { span, ctx } = operation(args.document, args.operationName, args.contextValue);
    return context.with(ctx, () =>
      Promise.resolve(fn()).then(
        (r) => {
          const errors = (r as { errors?: readonly unknown[] } | undefined)?.errors;
          if (errors?.length) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          return r;
        },
        (err: unknown) => {
          span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
          span.end();
          throw err;
        },
      ),
    );
  };
  return {
    onRequest({ request, url }) {
      const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
      const span = tracer().startSpan(
        `${request.method} ${url.pathname}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR.httpMethod]: request.method,
            [ATTR.urlPath]: url.pathname,
            [ATTR.httpRoute]: url.pathname,
          },
        },
        parent,
      );
      requests.set(request, { span, ctx: trace.setSpan(parent, span) });
    },
    onResponse({ request, response }) {
      const state = requests.get(request);
      if (!state) return;
      requests.delete(request);
      state.span.setAttribute(ATTR.httpStatus, response.status);
      if (response.status >= 500) state.span.setStatus({ code: SpanStatusCode.ERROR });
      state.span.end();
    },
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((a: ExecutionArgs) => traced<unknown>(a, () => executeFn(a) as unknown));
    },
    onSubscribe({ subscribeFn, setSubscribeFn }) {
      // The span covers setting the subscription up; deliveries have spans of their own.
      setSubscribeFn((a: ExecutionArgs) => traced<unknown>(a, () => subscribeFn(a) as unknown));
    },
  };
}
