/**
 * One server variant in its own process: `server.ts <variant> <fixture.json>`. Listens on
 * 127.0.0.1 (a free port), prints one `ServerReady` JSON line, and exits when its stdin closes.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createKeySet,
  createMemoryTokenStore,
  createScryptPasswordHasher,
  createTollgate,
  generateSigningKey,
  importSigningKey,
  type Tollgate,
} from '@tollgate/core';
import { createTollgateExpress } from '@tollgate/express';
import { openSqliteStore, seedDemoData } from '@tollgate/store-sqlite';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { expressjwt } from 'express-jwt';
import passport from 'passport';
import { ExtractJwt, Strategy as JwtStrategy } from 'passport-jwt';
import { createDemoDirectory, DEMO_USER, UAT_PERMISSION } from '../fixtures.js';
import { exitWithParent, type HttpFixture, type ServerReady, VARIANTS, type Variant } from './common.js';

const variant = process.argv[2] as Variant;
const fixtureFile = process.argv[3];
if (!VARIANTS.includes(variant) || fixtureFile === undefined) {
  throw new Error(`usage: server.ts <${VARIANTS.join('|')}> <fixture.json>`);
}
/** The fixture without the pool: a server never needs it (the load generator sends it), ~14 MB. */
function readFixture(file: string): HttpFixture {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as HttpFixture;
  return { ...parsed, tokens: { ...parsed.tokens, hs256: { ...parsed.tokens.hs256, pool: [] } } };
}
const fixture = readFixture(fixtureFile);

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

/** A Tollgate with the fixture's key, the in-memory store and the demo users. */
async function jwtTollgate(jwk: HttpFixture['keys']['eddsa']): Promise<Tollgate> {
  return createTollgate({
    issuer: fixture.issuer,
    audience: fixture.audience,
    keys: createKeySet({ current: await importSigningKey(jwk) }),
    store: createMemoryTokenStore(),
    users: await createDemoDirectory(),
    cache: { maxEntries: fixture.cacheEntries },
  });
}

/** The HS256 secret of the fixture as a KeyObject, imported once (the peers' best setup). */
function hs256Secret(): KeyObject {
  const k = fixture.keys.hs256.k;
  if (typeof k !== 'string') throw new Error('fixture: the HS256 key has no k');
  return createSecretKey(Buffer.from(k, 'base64url'));
}

/** How the peers answer a refusal: a small JSON 401 with a challenge, as Tollgate does. */
const peerErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  const status = (error as { status?: unknown }).status;
  if (status !== 401) return next(error);
  res
    .status(401)
    .set('www-authenticate', 'Bearer error="invalid_token"')
    .json({ code: 'invalid_token', message: 'The token is malformed or its signature does not verify.' });
};

async function build(): Promise<Built> {
  const eddsa = fixture.tokens.eddsa;
  const hs256 = fixture.tokens.hs256;
  switch (variant) {
    case 'bare':
      return { guard: [], valid: `Bearer ${hs256.valid}`, refused: `Bearer ${hs256.tampered}` };
    case 'tollgate-eddsa':
    case 'tollgate-hs256': {
      const tokens = variant === 'tollgate-eddsa' ? eddsa : hs256;
      const tollgate = await jwtTollgate(
        variant === 'tollgate-eddsa' ? fixture.keys.eddsa : fixture.keys.hs256,
      );
      const tg = createTollgateExpress(tollgate);
      return {
        guard: [tg.authenticate()],
        valid: `Bearer ${tokens.valid}`,
        refused: `Bearer ${tokens.tampered}`,
      };
    }
    case 'tollgate-uat': {
      const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-http-'));
      const store = openSqliteStore({
        filename: join(dir, 'tollgate.db'),
        passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
      });
      await seedDemoData(store);
      const tollgate = createTollgate({
        issuer: fixture.issuer,
        audience: fixture.audience,
        keys: createKeySet({ current: await generateSigningKey() }),
        store: store.tokens,
        users: store.users,
        cache: { maxEntries: fixture.cacheEntries },
      });
      const login = await tollgate.loginForAccessToken(DEMO_USER);
      const caller = await tollgate.authenticate({ authorization: `Bearer ${login.token}` });
      const uat = await tollgate.createUat({
        caller,
        name: 'bench:http',
        expiresAt: new Date(Date.now() + 86_400_000),
        permissions: [UAT_PERMISSION],
      });
      // One character of the random part changed: the checksum no longer matches.
      const at = 10;
      const tampered = `${uat.token.slice(0, at)}${uat.token[at] === 'A' ? 'B' : 'A'}${uat.token.slice(at + 1)}`;
      const tg = createTollgateExpress(tollgate);
      return {
        guard: [tg.authenticate()],
        valid: `UAT ${uat.token}`,
        refused: `UAT ${tampered}`,
        close: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    case 'express-jwt': {
      const guard = expressjwt({
        // express-jwt passes the secret to jsonwebtoken's verify, which takes a KeyObject as is.
        secret: hs256Secret(),
        algorithms: ['HS256'],
        issuer: fixture.issuer,
        audience: fixture.audience,
      });
      return {
        guard: [guard],
        errorHandler: peerErrors,
        valid: `Bearer ${hs256.valid}`,
        refused: `Bearer ${hs256.tampered}`,
      };
    }
    case 'passport-jwt': {
      passport.use(
        new JwtStrategy(
          {
            jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
            // passport-jwt hands secretOrKey to jsonwebtoken's verify, which takes a KeyObject; its
            // types only list string | Buffer.
            secretOrKey: hs256Secret() as unknown as Buffer,
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
        valid: `Bearer ${hs256.valid}`,
        refused: `Bearer ${hs256.tampered}`,
      };
    }
  }
}

async function main(): Promise<void> {
  const built = await build();
  const app = express();
  for (const middleware of built.before ?? []) app.use(middleware);
  app.get('/hello', ...built.guard, hello);
  if (built.errorHandler) app.use(built.errorHandler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  exitWithParent(Number(process.env.BENCH_HTTP_MAX_SECONDS ?? 900), async () => {
    server.closeAllConnections();
    server.close();
    await built.close?.();
  });
  const ready: ServerReady = {
    ready: true,
    variant,
    port: (server.address() as AddressInfo).port,
    valid: built.valid,
    refused: built.refused,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

await main();
