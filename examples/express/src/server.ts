import { createServer } from 'node:http';
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
import { createTollgateExpress } from '@tollgate/express';
import express from 'express';
import { pinoHttp } from 'pino-http';
import { portal } from './portal.js';

export type { ExampleServerOptions, RunningServer } from '@tollgate/example-shared';

export async function startServer(options: ExampleServerOptions = {}): Promise<RunningServer> {
  const { tollgate, store, logger, httpOptions } = await openExample(options);
  const tg = createTollgateExpress(tollgate, {
    errorShape: 'detail', // the demo routes answer like the UAT/JWT API they belong to
    ...httpOptions, // unexpected 500s: logged on the Tollgate's logger (the app's pino), redacted
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(
    pinoHttp({
      logger,
      serializers: REQUEST_LOG_SERIALIZERS,
    }),
  );

  app.get('/openapi.json', (_req, res) => {
    res.json(
      tg.http.openapi({
        title: 'Tollgate example (Express)',
        version: '1.0.0',
        license: DEMO_LICENSE,
        appRoutes: DEMO_ROUTES,
      }),
    );
  });
  // The self-service page (examples/portal): static files under a strict CSP, calling the API above.
  app.use('/portal', ...portal());
  app.use(tg.router());

  // The demo routes: each needs one permission; bodies go through Tollgate's bounded JSON parser,
  // after the caller is authenticated and authorized: a refused caller's body is never read.
  const auth = tg.authenticate();
  const body = tg.json();
  for (const route of DEMO_ROUTES) {
    const path = route.path.replace(/\{(\w+)\}/g, ':$1');
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch';
    app[method](path, auth, tg.requirePermissions(...route.permissions), body, (req, res) => {
      res.status(route.success.status).json(route.respond(req.params as Record<string, string>));
    });
    app.all(path, tg.methodNotAllowed(route.method));
  }

  app.use((_req, res) => {
    const response = tg.http.renderError(new TollgateError('not_found'));
    res.status(response.status).set(response.headers).send(response.body);
  });
  app.use(tg.errorHandler());
  // Last: nothing unexpected ever reaches a client with a stack trace.
  app.use(((error, _req, res, _next) => {
    // Express's own 4xx errors (e.g. a path parameter that is not valid percent-encoding) are the
    // client's fault: answer them as malformed requests, never as a 500.
    const status: unknown =
      typeof error === 'object' && error !== null ? Reflect.get(error, 'status') : undefined;
    const clientError = typeof status === 'number' && status >= 400 && status < 500;
    const response = tg.http.renderError(
      clientError ? new TollgateError('malformed_request', { cause: error }) : error,
    );
    if (!res.headersSent) res.status(response.status).set(response.headers).send(response.body);
  }) satisfies express.ErrorRequestHandler);

  const server = createServer(app);
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
