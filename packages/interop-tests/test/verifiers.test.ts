/**
 * Tokens other verifiers can check: the Express example on port 0 issues real tokens over HTTP, and
 * three common verifiers take its keys from its real `/.well-known/jwks.json` with the issuer, the
 * access audience and the algorithm pinned. Each must accept the access tokens (token pair, JWT login)
 * and refuse the user and delegated tokens, which carry audiences of their own (none of these
 * verifiers is told about `typ`). Then the `oauth` profile's metadata and introspection over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScryptPasswordHasher } from '@tollgate/core';
import { startServer } from '@tollgate/example-express';
import {
  DEMO_INTROSPECTION_CLIENT,
  EXAMPLE_AUDIENCE,
  EXAMPLE_ISSUER,
  type RunningServer,
} from '@tollgate/example-shared';
import express from 'express';
import { expressjwt } from 'express-jwt';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import jwksRsa from 'jwks-rsa';
import { Passport } from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ETHAN = { username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' };
const ROOT = { username: 'root@tollgate.local', password: 'Adm1n!root' };

let app: RunningServer;
let dir: string;
/** The resource server of the express-jwt and passport-jwt verifiers. */
let verifiers: { url: string; server: Server };
let jwksUri: string;

interface Tokens {
  /** Token-pair access token (scheme C). */
  readonly pairAccess: string;
  readonly refresh: string;
  /** JWT-login access token (scheme D). */
  readonly jwtLogin: string;
  /** User token (scheme A). */
  readonly user: string;
  /** Delegated security token as issued (base64url of its JWS) and the JWS inside. */
  readonly delegated: string;
  readonly delegatedJws: string;
}
let tokens: Tokens;

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${app.url}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
}

async function postJson(path: string, body: unknown): Promise<Response> {
  return call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function jsonOf<T>(response: Response, status = 200): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function tokenPair(account: { username: string; password: string }) {
  const body = await jsonOf<{ content: { token: string; refreshToken: string }[] }>(
    await postJson('/api/v2/auth/token', account),
  );
  const [pair] = body.content;
  if (!pair) throw new Error('no token pair');
  return pair;
}

async function issueTokens(): Promise<Tokens> {
  const pair = await tokenPair(ETHAN);
  const jwtLogin = await jsonOf<{ token: string }>(
    await postJson('/api/v2/auth/jwt/', { email: ETHAN.username, password: ETHAN.password }),
  );
  const query = new URLSearchParams({ ...ETHAN, environment: 'staging' });
  const user = await jsonOf<{ token: string }>(await call(`/Authentication?${query}`));
  const root = await tokenPair(ROOT);
  const delegated = await postJson('/API3/authentication/authenticateUserByToken', {
    domain: 'datastore',
    userIdentity: ETHAN.username,
    token: root.token,
  });
  const security = await delegated.text();
  expect(delegated.status, security).toBe(200);
  return {
    pairAccess: pair.token,
    refresh: pair.refreshToken,
    jwtLogin: jwtLogin.token,
    user: user.token,
    delegated: security,
    delegatedJws: Buffer.from(security, 'base64url').toString('latin1'),
  };
}

/** An Express resource server with express-jwt + jwks-rsa and passport-jwt + jwks-rsa, as their docs set them up. */
async function startVerifiers(): Promise<{ url: string; server: Server }> {
  const pinned = { issuer: EXAMPLE_ISSUER, audience: EXAMPLE_AUDIENCE, algorithms: ['ES256'] as const };
  const resource = express();
  resource.get(
    '/express-jwt',
    expressjwt({
      secret: jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: true }),
      issuer: pinned.issuer,
      audience: pinned.audience,
      algorithms: [...pinned.algorithms],
    }),
    (req, res) => {
      res.json({ sub: (req as express.Request & { auth?: { sub?: string } }).auth?.sub });
    },
  );
  const passport = new Passport();
  passport.use(
    new JwtStrategy(
      {
        secretOrKeyProvider: jwksRsa.passportJwtSecret({ jwksUri, cache: true, rateLimit: true }),
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        issuer: pinned.issuer,
        audience: pinned.audience,
        algorithms: [...pinned.algorithms],
      },
      (payload: { sub: string }, done: (error: null, user: { sub: string }) => void) =>
        done(null, { sub: payload.sub }),
    ),
  );
  resource.use(passport.initialize());
  resource.get('/passport-jwt', passport.authenticate('jwt', { session: false }), (req, res) => {
    res.json({ sub: (req.user as { sub: string }).sub });
  });
  // express-jwt's refusals: 401 without a stack trace.
  resource.use(((error, _req, res, _next) => {
    res.status(typeof error?.status === 'number' ? error.status : 500).json({ error: String(error?.code) });
  }) satisfies express.ErrorRequestHandler);
  const server = resource.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-interop-'));
  app = await startServer({
    port: 0,
    host: '127.0.0.1',
    database: join(dir, 'tollgate.db'),
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
    logger: false,
  });
  jwksUri = `${app.url}/.well-known/jwks.json`;
  tokens = await issueTokens();
  verifiers = await startVerifiers();
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => {
    if (!verifiers) return resolve();
    verifiers.server.close(() => resolve());
    verifiers.server.closeAllConnections();
  });
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const accessTokens = (): [string, string][] => [
  ['token-pair access token', tokens.pairAccess],
  ['JWT-login access token', tokens.jwtLogin],
];
const otherKinds = (): [string, string][] => [
  ['user token', tokens.user],
  ['delegated token (its JWS)', tokens.delegatedJws],
  ['delegated token (as issued)', tokens.delegated],
  ['refresh token', tokens.refresh],
];

describe('the tokens and the key set', () => {
  it('the access tokens are ES256 JWTs of the example issuer and audience, with a key in the JWKS', async () => {
    const jwks = await jsonOf<{ keys: { kid: string; alg: string; kty: string; crv: string }[] }>(
      await call('/.well-known/jwks.json'),
    );
    for (const [, token] of accessTokens()) {
      const header = decodeProtectedHeader(token);
      expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
      expect(jwks.keys).toContainEqual(
        expect.objectContaining({ kid: header.kid, alg: 'ES256', kty: 'EC', crv: 'P-256' }),
      );
      expect(decodeJwt(token)).toMatchObject({
        iss: EXAMPLE_ISSUER,
        aud: EXAMPLE_AUDIENCE,
        client_id: 'tollgate',
        preferred_username: ETHAN.username,
        entitlements: expect.arrayContaining(['brand_create']),
      });
    }
    expect(decodeJwt(tokens.user).aud).toBe(`${EXAMPLE_AUDIENCE}:user-token`);
    expect(decodeJwt(tokens.delegatedJws).aud).toBe(`${EXAMPLE_AUDIENCE}:delegated-token`);
  });
});

// The two Express verifiers answer on their own routes the same way: 200 with `sub`, or 401.
describe.each([
  { name: 'express-jwt + jwks-rsa (jsonwebtoken underneath)', route: '/express-jwt' },
  { name: 'passport-jwt with jwks-rsa passportJwtSecret', route: '/passport-jwt' },
])('$name', ({ route }) => {
  const ask = (token: string) =>
    fetch(`${verifiers.url}${route}`, { headers: { authorization: `Bearer ${token}` } });

  it('accepts the access tokens', async () => {
    for (const [name, token] of accessTokens()) {
      const response = await ask(token);
      expect(response.status, name).toBe(200);
      expect(await response.json()).toEqual({ sub: decodeJwt(token).sub });
    }
  });

  it('refuses the other kinds', async () => {
    for (const [name, token] of otherKinds()) expect((await ask(token)).status, name).toBe(401);
  });
});

describe('jose createRemoteJWKSet + jwtVerify', () => {
  const verify = (token: string) =>
    jwtVerify(token, createRemoteJWKSet(new URL(jwksUri)), {
      issuer: EXAMPLE_ISSUER,
      audience: EXAMPLE_AUDIENCE,
      algorithms: ['ES256'],
    });

  it('accepts the access tokens', async () => {
    for (const [, token] of accessTokens()) {
      const { payload, protectedHeader } = await verify(token);
      expect(protectedHeader.typ).toBe('at+jwt');
      expect(payload.sub).toBe(decodeJwt(token).sub);
    }
  });

  it('refuses the user and delegated tokens on their audience, without being told about typ', async () => {
    for (const token of [tokens.user, tokens.delegatedJws]) {
      await expect(verify(token)).rejects.toMatchObject({
        code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
        claim: 'aud',
      });
    }
    await expect(verify(tokens.delegated)).rejects.toThrow();
    await expect(verify(tokens.refresh)).rejects.toThrow();
  });
});

describe('the oauth profile over HTTP', () => {
  const basic = `Basic ${Buffer.from(`${DEMO_INTROSPECTION_CLIENT.id}:${DEMO_INTROSPECTION_CLIENT.secret}`).toString('base64')}`;
  const introspect = async (token: string, authorization = basic) =>
    call('/oauth/introspect', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
    });

  it('RFC 8414 metadata names the example issuer and URLs under it (its default public URL)', async () => {
    const metadata = await jsonOf<Record<string, unknown>>(
      await call('/.well-known/oauth-authorization-server'),
    );
    expect(metadata).toEqual({
      issuer: EXAMPLE_ISSUER,
      jwks_uri: `${EXAMPLE_ISSUER}/.well-known/jwks.json`,
      introspection_endpoint: `${EXAMPLE_ISSUER}/oauth/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
      response_types_supported: [],
      grant_types_supported: [],
      token_endpoint_auth_methods_supported: [],
    });
    const openapi = await jsonOf<{ paths: Record<string, unknown> }>(await call('/openapi.json'));
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/.well-known/jwks.json',
        '/.well-known/oauth-authorization-server',
        '/oauth/introspect',
      ]),
    );
  });

  it('introspection without the client credentials: 401 with a Basic challenge', async () => {
    const response = await call('/oauth/introspect', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${tokens.pairAccess}`,
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="tollgate", charset="UTF-8"');
    const wrong = `Basic ${Buffer.from(`${DEMO_INTROSPECTION_CLIENT.id}:not-the-secret-at-all`).toString('base64')}`;
    expect((await introspect(tokens.pairAccess, wrong)).status).toBe(401);
  });

  it('a live token is active with its claims; after logout it is not', async () => {
    const pair = await tokenPair(ETHAN);
    const live = await jsonOf<Record<string, unknown>>(await introspect(pair.token));
    expect(live).toMatchObject({
      active: true,
      iss: EXAMPLE_ISSUER,
      aud: EXAMPLE_AUDIENCE,
      client_id: 'tollgate',
      username: ETHAN.username,
      token_type: 'Bearer',
      token_kind: 'access',
      sid: expect.any(String),
    });
    expect((await postJson('/api/v2/auth/token/revoke', { refreshToken: pair.refreshToken })).status).toBe(
      204,
    );
    expect(await jsonOf(await introspect(pair.token))).toEqual({ active: false });
    // Still a good signature to a verifier that cannot ask: why introspection exists.
    const { payload } = await jwtVerify(pair.token, createRemoteJWKSet(new URL(jwksUri)), {
      issuer: EXAMPLE_ISSUER,
      audience: EXAMPLE_AUDIENCE,
    });
    expect(payload.sub).toBe(live.sub);
  });

  it('a UAT is active until revoked; a refresh token and garbage are never active', async () => {
    const created = await call('/api/v2/me/tokens/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `JWT ${tokens.jwtLogin}` },
      body: JSON.stringify({
        name: 'interop',
        expires_at: new Date(Date.now() + 86_400_000).toISOString(),
        permissions: ['scans_download'],
      }),
    });
    const uat = await jsonOf<{ id: string; token: string }>(created, 201);
    expect(await jsonOf(await introspect(uat.token))).toMatchObject({
      active: true,
      token_type: 'UAT',
      token_kind: 'uat',
      jti: uat.id,
      entitlements: ['scans_download'],
    });
    const revoked = await call(`/api/v2/me/tokens/${uat.id}/`, {
      method: 'DELETE',
      headers: { authorization: `JWT ${tokens.jwtLogin}` },
    });
    expect(revoked.status).toBe(204);
    expect(await jsonOf(await introspect(uat.token))).toEqual({ active: false });
    expect(await jsonOf(await introspect(tokens.refresh))).toEqual({ active: false });
    expect(await jsonOf(await introspect('garbage'))).toEqual({ active: false });
  });

  it('user and delegated tokens introspect with their own kind and audience', async () => {
    expect(await jsonOf(await introspect(tokens.user))).toMatchObject({
      active: true,
      token_kind: 'user',
      aud: `${EXAMPLE_AUDIENCE}:user-token`,
    });
    expect(await jsonOf(await introspect(tokens.delegated))).toMatchObject({
      active: true,
      token_kind: 'delegated',
      aud: `${EXAMPLE_AUDIENCE}:delegated-token`,
      act: { sub: expect.any(String), preferred_username: ROOT.username },
    });
  });
});
