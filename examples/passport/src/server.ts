import { createServer } from 'node:http';
import { type Principal, TollgateError } from '@tollgate/core';
import { writeNodeResponse } from '@tollgate/core/node';
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
import {
  BearerTokenStrategy,
  JwtSchemeStrategy,
  renderPassportFailure,
  SessionCookieStrategy,
  UatStrategy,
} from '@tollgate/passport';
import express from 'express';
import { Passport } from 'passport';
import { pinoHttp } from 'pino-http';

/** The strategies of `@tollgate/passport`, one per scheme: together they accept every credential. */
const STRATEGIES = ['tollgate-jwt', 'tollgate-uat', 'tollgate-bearer', 'tollgate-session'];

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
        title: 'Tollgate example (passport)',
        version: '1.0.0',
        license: DEMO_LICENSE,
        appRoutes: DEMO_ROUTES,
      }),
    );
  });
  app.use(tg.router());

  // The demo routes are protected by passport alone: one strategy per scheme. Passport hands the
  // custom callback every strategy's refusal; the helper renders the one the credential was meant
  // for, in the profile's shape. The permission check is the core's.
  const passport = new Passport();
  passport.use(new JwtSchemeStrategy(tg.http));
  passport.use(new UatStrategy(tg.http));
  passport.use(new BearerTokenStrategy(tg.http));
  passport.use(new SessionCookieStrategy(tg.http));
  const protect =
    (permissions: readonly string[]): express.RequestHandler =>
    (req, res, next) => {
      const decide = (error: unknown, user: Principal | false, info: unknown) => {
        if (error) return next(error); // store_unavailable: 503 from the error handler, never a 401
        if (!user) return writeNodeResponse(res, renderPassportFailure(tg.http, info, 'detail'));
        const refusal = tg.http.check(user, { permissions }, 'detail');
        if (refusal) return writeNodeResponse(res, refusal);
        req.user = user;
        next();
      };
      passport.authenticate(STRATEGIES, { session: false }, decide)(req, res, next);
    };
  // Bodies go through Tollgate's bounded JSON parser, after passport: a refused caller's body is never read.
  const body = tg.json();
  for (const route of DEMO_ROUTES) {
    const path = route.path.replace(/\{(\w+)\}/g, ':$1');
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch';
    app[method](path, protect(route.permissions), body, (req, res) => {
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
    const response = tg.http.renderError(error);
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
