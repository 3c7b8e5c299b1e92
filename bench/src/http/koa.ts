/** The Koa 3 variants (routes by @koa/router): bare, Tollgate (EdDSA, HS256, UAT), koa-jwt, the floor. */
import Router from '@koa/router';
import { createTollgateKoa } from '@tollgate/koa';
import Koa, { type Middleware } from 'koa';
import koaJwt from 'koa-jwt';
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

/** The one route of every variant: Koa serializes the object as JSON. */
const hello: Middleware = (ctx) => {
  ctx.body = { hello: 'world' };
};

interface Built {
  /** What runs before `hello` on `GET /hello` (nothing for bare Koa). */
  readonly guard: readonly Middleware[];
  /** App-level middleware mounted before the router. */
  readonly before?: readonly Middleware[];
  readonly valid: string;
  readonly refused: string;
  readonly close?: () => Promise<void>;
}

/**
 * How koa-jwt's refusal is answered: a small JSON 401 with a challenge, as Tollgate does (and as
 * the Express peers are), instead of Koa's default text body.
 */
const peerErrors: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if ((error as { status?: unknown }).status !== 401) throw error;
    ctx.status = 401;
    ctx.set('www-authenticate', PEER_CHALLENGE);
    ctx.body = PEER_REFUSAL;
  }
};

async function build(variant: Variant, fixture: HttpFixture): Promise<Built> {
  switch (variant) {
    case 'koa-bare':
      return { guard: [], ...hs256Credentials(fixture) };
    case 'koa-tollgate-eddsa':
    case 'koa-tollgate-hs256':
    case 'koa-tollgate-uat': {
      const { tollgate, valid, refused, close } = await tollgateSetup(fixture, variant);
      // As @tollgate/koa's README protects a route: `tg.authenticate()` in front of the handler.
      const tg = createTollgateKoa(tollgate, { profiles: [] }); // the guard alone, no token API
      return { guard: [tg.authenticate()], valid, refused, close };
    }
    case 'koa-jwt': {
      const guard = koaJwt({
        // koa-jwt passes the secret and these options to jsonwebtoken's verify, which takes a
        // KeyObject as is (imported once here); its types only list string | Buffer.
        secret: hs256Secret(fixture) as unknown as Buffer,
        algorithms: ['HS256'],
        issuer: fixture.issuer,
        audience: fixture.audience,
      });
      return { before: [peerErrors], guard: [guard], ...hs256Credentials(fixture) };
    }
    case 'koa-floor': {
      const { known, valid, refused } = floorTable(fixture);
      const guard: Middleware = (ctx, next) => {
        const principal = known.get(ctx.get('authorization'));
        if (principal === undefined) {
          ctx.status = 401;
          ctx.set('www-authenticate', PEER_CHALLENGE);
          ctx.body = PEER_REFUSAL;
          return;
        }
        ctx.state.floor = principal;
        return next();
      };
      return { guard: [guard], valid, refused };
    }
    default:
      throw new Error(`not a Koa variant: ${variant}`);
  }
}

export async function start(variant: Variant, fixture: HttpFixture): Promise<Running> {
  const built = await build(variant, fixture);
  const app = new Koa();
  for (const middleware of built.before ?? []) app.use(middleware);
  const router = new Router();
  router.get('/hello', ...built.guard, hello);
  app.use(router.routes());
  return running(app.listen(0, '127.0.0.1'), built);
}
