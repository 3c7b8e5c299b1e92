/**
 * The four strategies in a real Express + passport app on 127.0.0.1, over real HTTP: success with
 * a typed `req.user`, refusals that keep their code and challenge through a custom callback,
 * `session: false`, and a store failure reported as an error (503), never as a refusal.
 */
import { type Principal, TollgateError } from '@tollgate/core';
import type { TollgateHttp } from '@tollgate/core/http';
import { writeNodeResponse } from '@tollgate/core/node';
import { generateUat } from '@tollgate/core/testing';
import { ETHAN, type Listening, listen, rawRequest } from '@tollgate/test-kit';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { Passport } from 'passport';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  BearerTokenStrategy,
  isTollgateFailure,
  JwtSchemeStrategy,
  renderPassportFailure,
  SessionCookieStrategy,
  type TollgateFailure,
  tollgateRefusal,
  UatStrategy,
} from '../src/index.js';
import '../src/express-user.js'; // the opt-in: req.user is the core's Principal
import { type Demo, demoTokens, demoTollgate } from './demo.js';

const NAMES = ['tollgate-jwt', 'tollgate-uat', 'tollgate-bearer', 'tollgate-session'];
/** A strategy's challenge names its own scheme only. */
const INVALID_CHALLENGE = /^UAT realm="tollgate", error="invalid_token", error_description="[^"]+"$/;

interface Seen {
  error: unknown;
  info: unknown;
  status: unknown;
}

/** An app with each way of using the strategies, recording what passport handed its custom callback. */
function app(http: TollgateHttp, seen: Seen[]) {
  const passport = new Passport();
  passport.use(new UatStrategy(http));
  passport.use(new JwtSchemeStrategy(http));
  passport.use(new BearerTokenStrategy(http));
  passport.use(new SessionCookieStrategy(http));

  const custom =
    (names: string | string[]): RequestHandler =>
    (req, res, next) => {
      const callback = (error: unknown, user: Principal | false, info: unknown, status: unknown) => {
        seen.push({ error, info, status });
        if (error) return next(error);
        if (!user) return writeNodeResponse(res, renderPassportFailure(http, info, 'detail'));
        req.user = user;
        next();
      };
      passport.authenticate(names, { session: false }, callback)(req, res, next);
    };
  const whoami = (req: Request, res: express.Response) => {
    expectTypeOf(req.user).toEqualTypeOf<Express.User | undefined>();
    res.json({ username: req.user?.username, source: req.user?.source, session: 'session' in req });
  };

  const server = express();
  server.get('/plain/:name', (req, res, next) => {
    passport.authenticate(String(req.params.name), { session: false })(req, res, next);
  });
  server.get('/plain/:name', whoami);
  server.all('/one/:name', (req, res, next) => custom(String(req.params.name))(req, res, next), whoami);
  server.all('/any', custom(NAMES), whoami);
  server.use(((error, _req, res, _next) => {
    writeNodeResponse(res, http.renderError(error, 'detail'));
  }) satisfies ErrorRequestHandler);
  return server;
}

describe('@tollgate/passport strategies', () => {
  let demo: Demo;
  let tokens: Awaited<ReturnType<typeof demoTokens>>;
  let server: Listening;
  const seen: Seen[] = [];
  const last = (): Seen => seen.at(-1) ?? { error: undefined, info: undefined, status: undefined };

  beforeAll(async () => {
    demo = await demoTollgate();
    tokens = await demoTokens(demo.tollgate);
    server = await listen(app(demo.http, seen));
  });
  afterAll(() => server.close());

  const get = (
    path: string,
    headers: Readonly<Record<string, string | readonly string[]>> = {},
    method = 'GET',
  ) => rawRequest(`${server.url}${path}`, { method, headers });

  describe('success: req.user is the principal', () => {
    it('types req.user as the core Principal, never any', () => {
      expectTypeOf<Express.User>().toExtend<Principal>();
      expectTypeOf<Principal>().toExtend<Express.User>();
      expectTypeOf<Request['user']>().not.toBeAny();
      expectTypeOf<NonNullable<Request['user']>['permissions']>().toEqualTypeOf<readonly string[]>();
    });

    it('each strategy accepts its own scheme (no custom callback, session: false)', async () => {
      const cases = [
        ['tollgate-jwt', { authorization: `JWT ${tokens.jwt}` }, ETHAN.username, 'JWT'],
        ['tollgate-uat', { authorization: `UAT ${tokens.uat}` }, ETHAN.username, 'UAT'],
        ['tollgate-bearer', { authorization: `Bearer ${tokens.access}` }, 'bob@acme.test', 'Bearer'],
        ['tollgate-bearer', { authorization: `Bearer ${tokens.delegated}` }, ETHAN.username, 'Bearer'],
        ['tollgate-session', { cookie: `tollgate_session=${tokens.delegated}` }, ETHAN.username, 'cookie'],
      ] as const;
      for (const [name, headers, username, source] of cases) {
        const reply = await get(`/plain/${name}`, headers);
        expect(reply.status, `${name}: ${reply.text}`).toBe(200);
        expect(reply.body).toEqual({ username, source, session: false });
        expect(reply.headers.get('set-cookie')).toBeNull();
      }
    });

    it('each strategy succeeds through a custom callback too, and so does the four-strategy chain', async () => {
      expect((await get('/one/tollgate-uat', { authorization: `UAT ${tokens.uat}` })).status).toBe(200);
      expect(last()).toMatchObject({ error: null, info: undefined });
      for (const headers of [
        { authorization: `JWT ${tokens.jwt}` },
        { authorization: `UAT ${tokens.uat}` },
        { authorization: `Bearer ${tokens.access}` },
        { cookie: `tollgate_session=${tokens.delegated}` },
      ]) {
        const reply = await get('/any', headers);
        expect(reply.status, reply.text).toBe(200);
      }
    });
  });

  describe('refusals keep their code and challenge', () => {
    it('hands a custom callback the TollgateFailure as info, with its status', async () => {
      const reply = await get('/one/tollgate-uat', { authorization: 'UAT tgu_not-a-real-token' });
      const { error, info, status } = last();
      expect(error).toBeNull();
      expect(status).toBe(401);
      expect(isTollgateFailure(info)).toBe(true);
      const failure = info as TollgateFailure;
      expect(failure).toMatchObject({
        strategy: 'tollgate-uat',
        code: 'invalid_token',
        status: 401,
        message: 'The token is malformed or its signature does not verify.',
      });
      expect(failure.error).toBeInstanceOf(TollgateError);
      expect(failure.challenge).toMatch(INVALID_CHALLENGE);
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toBe(failure.challenge);
      expect(reply.headers.get('tollgate-error-code')).toBe('invalid_token');
      expect(reply.text).toBe(JSON.stringify({ detail: failure.message }));
    });

    it('no credentials: credentials_missing with the bare challenge', async () => {
      const reply = await get('/one/tollgate-jwt');
      expect((last().info as TollgateFailure).challenge).toBe('JWT realm="tollgate"');
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toBe('JWT realm="tollgate"');
      expect(reply.text).toBe('{"detail":"Authentication credentials were not provided."}');
    });

    it('several strategies: the 401 challenges the schemes of every one that refused, in their order', async () => {
      const missing = await get('/any');
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe(
        'JWT realm="tollgate", UAT realm="tollgate", Bearer realm="tollgate"',
      );
      const bad = await get('/any', { authorization: 'UAT tgu_not-a-real-token' });
      expect(bad.headers.get('tollgate-error-code')).toBe('invalid_token');
      expect(bad.headers.get('www-authenticate')).toMatch(
        /^JWT realm="tollgate", error="invalid_token", error_description="[^"]+", UAT realm="tollgate", error="invalid_token"/,
      );
      expect((last().info as TollgateFailure[]).map((failure) => failure.sources)).toEqual([
        ['JWT'],
        ['UAT'],
        ['Bearer'],
        ['cookie'],
      ]);
    });

    it('another scheme than the strategy’s own: unsupported_scheme', async () => {
      const reply = await get('/one/tollgate-uat', { authorization: `JWT ${tokens.jwt}` });
      expect(reply.headers.get('tollgate-error-code')).toBe('unsupported_scheme');
      expect(reply.status).toBe(401);
    });

    it('a non-401 refusal keeps its status and has no challenge (CSRF: 403)', async () => {
      const reply = await get(
        '/one/tollgate-session',
        { cookie: `tollgate_session=${tokens.delegated}` },
        'POST',
      );
      expect(last()).toMatchObject({ status: 403, info: { code: 'csrf_origin_mismatch', challenge: null } });
      expect(reply.status).toBe(403);
      expect(reply.headers.get('tollgate-error-code')).toBe('csrf_origin_mismatch');
      const own = await get(
        '/one/tollgate-session',
        { cookie: `tollgate_session=${tokens.delegated}`, origin: server.url },
        'POST',
      );
      expect(own.status, own.text).toBe(200);
    });

    it('several strategies: the refusal of the one the credential was meant for', async () => {
      const cases = [
        [{ authorization: `Bearer ${tokens.uat}` }, 401, 'wrong_token_kind'],
        [{ authorization: `JWT ${tokens.uat}` }, 401, 'wrong_token_kind'],
        [{ authorization: `UAT ${tokens.jwt}` }, 401, 'wrong_token_kind'],
        [{ authorization: 'UAT garbage' }, 401, 'invalid_token'],
        [{ authorization: 'Basic dXNlcjpwYXNz' }, 401, 'unsupported_scheme'],
        [{}, 401, 'credentials_missing'],
        [{ authorization: [`JWT ${tokens.jwt}`, `JWT ${tokens.jwt}`] }, 400, 'ambiguous_credentials'],
        [
          { authorization: `Bearer ${tokens.access}`, cookie: `tollgate_session=${tokens.delegated}` },
          400,
          'ambiguous_credentials',
        ],
      ] as const;
      for (const [headers, status, code] of cases) {
        const reply = await get('/any', headers);
        expect(reply.status, `${JSON.stringify(headers)}: ${reply.text}`).toBe(status);
        expect(reply.headers.get('tollgate-error-code')).toBe(code);
        const { info } = last();
        expect(Array.isArray(info) && info.length).toBe(NAMES.length);
        expect(tollgateRefusal(info).code).toBe(code);
      }
      const csrf = await get('/any', { cookie: `tollgate_session=${tokens.delegated}` }, 'POST');
      expect(csrf.status).toBe(403);
      expect(csrf.headers.get('tollgate-error-code')).toBe('csrf_origin_mismatch');
    });

    it('without a custom callback, passport answers with the failure’s status', async () => {
      expect((await get('/plain/tollgate-uat', { authorization: 'UAT nope' })).status).toBe(401);
      const repeated = await get('/plain/tollgate-jwt', { authorization: [`JWT ${tokens.jwt}`, 'JWT x'] });
      expect(repeated.status).toBe(400);
    });

    it('renders a failure from another kind of strategy, or none, as invalid_credentials', () => {
      expect(tollgateRefusal('Missing credentials').code).toBe('invalid_credentials');
      expect(tollgateRefusal(undefined).code).toBe('invalid_credentials');
      const response = renderPassportFailure(demo.http, [{ message: 'nope' }], 'default');
      expect(response.status).toBe(401);
      expect(response.body).toBe('{"code":"invalid_credentials","message":"Invalid credentials."}');
    });
  });

  describe('a store failure is an error, never a refusal', () => {
    it('goes to this.error: the custom callback gets the error (503), no failure info', async () => {
      // A well-formed UAT never seen before: its lookup needs the store.
      const unseen = { authorization: `UAT ${generateUat().token}` };
      demo.store.down = true;
      try {
        const reply = await get('/any', unseen);
        expect(reply.status, reply.text).toBe(503);
        expect(reply.headers.get('tollgate-error-code')).toBe('store_unavailable');
        const { error, info } = last();
        expect(error).toBeInstanceOf(TollgateError);
        expect((error as TollgateError).code).toBe('store_unavailable');
        expect(info).toBeUndefined();
        expect((await get('/plain/tollgate-uat', unseen)).status).toBe(503);
        expect((await get('/one/tollgate-uat', unseen)).status).toBe(503);
      } finally {
        demo.store.down = false;
      }
      expect((await get('/one/tollgate-uat', unseen)).status).toBe(401);
    });
  });
});
