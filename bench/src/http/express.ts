/** The Express 5 variants: bare, Tollgate (EdDSA, HS256, UAT), express-jwt, passport-jwt, the floor. */
import { createTollgateExpress } from '@tollgate/express';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { expressjwt } from 'express-jwt';
import passport from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import type { HttpFixture, Variant } from './common.js';
import {
  floorTable,
  hs256Credentials,
  hs256Secret,
  PEER_CHALLENGE,
  PEER_REFUSAL,
  type Running,
  running,
  tollgateSetup,
} from './setup.js';

/** The one route of every variant. */
const hello: RequestHandler = (_req, res) => {
  res.json({ hello: 'world' });
};

interface Built {
  /** What runs before `hello` on `GET /hello` (nothing for bare Express). */
  readonly guard: readonly RequestHandler[];
  /** App-level middleware mounted before the route. */
  readonly before?: readonly RequestHandler[];
  readonly errorHandler?: ErrorRequestHandler;
  readonly valid: string;
  readonly refused: string;
  readonly close?: () => Promise<void>;
}

/** How the peers answer a refusal: a small JSON 401 with a challenge, as Tollgate does. */
const peerErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  const status = (error as { status?: unknown }).status;
  if (status !== 401) return next(error);
  res.status(401).set('www-authenticate', PEER_CHALLENGE).json(PEER_REFUSAL);
};

/** Routes the request on from the event loop's check phase instead of the socket's read callback. */
const deferred: RequestHandler = (_req, _res, next) => {
  setImmediate(next);
};

async function build(variant: Variant, fixture: HttpFixture): Promise<Built> {
  if (variant.endsWith('-deferred')) {
    const built = await build(variant.slice(0, -'-deferred'.length) as Variant, fixture);
    return { ...built, guard: [deferred, ...built.guard] };
  }
  switch (variant) {
    case 'bare':
      return { guard: [], ...hs256Credentials(fixture) };
    case 'tollgate-eddsa':
    case 'tollgate-hs256':
    case 'tollgate-uat': {
      const { tollgate, valid, refused, close } = await tollgateSetup(fixture, variant);
      const tg = createTollgateExpress(tollgate, { profiles: [] }); // the guard alone, no token API
      return { guard: [tg.authenticate()], valid, refused, close };
    }
    case 'express-jwt': {
      const guard = expressjwt({
        // express-jwt passes the secret to jsonwebtoken's verify, which takes a KeyObject as is.
        secret: hs256Secret(fixture),
        algorithms: ['HS256'],
        issuer: fixture.issuer,
        audience: fixture.audience,
      });
      return { guard: [guard], errorHandler: peerErrors, ...hs256Credentials(fixture) };
    }
    case 'passport-jwt': {
      passport.use(
        new JwtStrategy(
          {
            jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
            // passport-jwt hands secretOrKey to jsonwebtoken's verify, which takes a KeyObject; its
            // types only list string | Buffer.
            secretOrKey: hs256Secret(fixture) as unknown as Buffer,
            algorithms: ['HS256'],
            issuer: fixture.issuer,
            audience: fixture.audience,
          },
          (payload: unknown, done: (error: unknown, user?: unknown) => void) => done(null, payload),
        ),
      );
      return {
        before: [passport.initialize()],
        guard: [passport.authenticate('jwt', { session: false })],
        ...hs256Credentials(fixture),
      };
    }
    case 'floor': {
      const { known, valid, refused } = floorTable(fixture);
      const guard: RequestHandler = (req, res, next) => {
        const principal = known.get(req.headers.authorization ?? '');
        if (principal === undefined) {
          res.status(401).set('www-authenticate', PEER_CHALLENGE).json(PEER_REFUSAL);
          return;
        }
        res.locals.principal = principal;
        next();
      };
      return { guard: [guard], valid, refused };
    }
    default:
      throw new Error(`not an Express variant: ${variant}`);
  }
}

export async function start(variant: Variant, fixture: HttpFixture): Promise<Running> {
  const built = await build(variant, fixture);
  const app = express();
  for (const middleware of built.before ?? []) app.use(middleware);
  app.get('/hello', ...built.guard, hello);
  if (built.errorHandler) app.use(built.errorHandler);
  return running(app.listen(0, '127.0.0.1'), built);
}
