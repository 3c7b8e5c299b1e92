import { createServer } from 'node:http';
import Router from '@koa/router';
import { TollgateError } from '@tollgate/core';
import {
  DEMO_LICENSE,
  DEMO_ROUTES,
  type ExampleServerOptions,
  listenExample,
  openExample,
  REQUEST_LOG_SERIALIZERS,
  type RunningServer,
} from '@tollgate/example-shared';
import { createTollgateKoa, writeKoaResponse } from '@tollgate/koa';
import Koa from 'koa';
import { pinoHttp } from 'pino-http';

export type { ExampleServerOptions, RunningServer } from '@tollgate/example-shared';

export async function startServer(options: ExampleServerOptions = {}): Promise<RunningServer> {
  const { tollgate, store, logger, httpOptions } = await openExample(options);
  const tg = createTollgateKoa(tollgate, {
    errorShape: 'detail', // the demo routes answer like the UAT/JWT API they belong to
    ...httpOptions, // unexpected 500s: logged on the Tollgate's logger (the app's pino), redacted
  });

  const app = new Koa();
  // Errors Koa itself meets (e.g. a client gone mid-response) go to the log, not to stderr.
  app.on('error', (error: unknown) => logger.warn({ err: error }, 'koa error'));
  const requestLog = pinoHttp({
    logger,
    serializers: REQUEST_LOG_SERIALIZERS,
  });
  app.use(async (ctx, next) => {
    requestLog(ctx.req, ctx.res);
    await next();
  });
  // Outermost: nothing unexpected ever reaches a client with a stack trace.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!ctx.headerSent) writeKoaResponse(ctx, tg.http.renderError(error));
    }
  });
  app.use(tg.errorHandler());
  app.use(tg.router());

  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    ctx.body = tg.http.openapi({
      title: 'Tollgate example (Koa)',
      version: '1.0.0',
      license: DEMO_LICENSE,
      appRoutes: DEMO_ROUTES,
    });
  });

  // The demo routes: each needs one permission; bodies go through Tollgate's bounded JSON parser,
  // after the caller is authenticated and authorized: a refused caller's body is never read.
  const auth = tg.authenticate();
  const body = tg.json();
  for (const route of DEMO_ROUTES) {
    const path = route.path.replace(/\{(\w+)\}/g, ':$1');
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch';
    router[method](path, auth, tg.requirePermissions(...route.permissions), body, (ctx) => {
      ctx.status = route.success.status;
      ctx.body = route.respond(ctx.params);
    });
    router.all(path, tg.methodNotAllowed(route.method));
  }
  app.use(router.routes());

  app.use((ctx) => {
    writeKoaResponse(ctx, tg.http.renderError(new TollgateError('not_found')));
  });

  const server = createServer(app.callback());
  const url = await listenExample(server, options);
  return {
    url,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}
