/**
 * What every server process builds the same way, whatever its framework: the fixture (without the
 * pool), the Tollgates (JWT with the fixture's keys, UAT on SQLite) and the peers' HS256 secret.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createKeySet,
  createScryptPasswordHasher,
  createTollgate,
  generateSigningKey,
  importSigningKey,
  type Tollgate,
} from '@tollgate/core';
import { createMemoryTokenStore } from '@tollgate/core/testing';
import { openSqliteStore, seedDemoData } from '@tollgate/store-sqlite';
import { createDemoDirectory, DEMO_USER, UAT_PERMISSION } from '../fixtures.js';
import type { HttpFixture, Variant } from './common.js';

/** The fixture without the pool: a server never needs it (the load generator sends it), ~14 MB. */
export function readFixture(file: string): HttpFixture {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as HttpFixture;
  return { ...parsed, tokens: { ...parsed.tokens, hs256: { ...parsed.tokens.hs256, pool: [] } } };
}

/** A listening server of one variant: its port, the credentials to send it, how to close it. */
export interface Running {
  readonly port: number;
  /** `Authorization` values: accepted (200) and refused (401). */
  readonly valid: string;
  readonly refused: string;
  readonly close: () => Promise<void>;
}

/** A Tollgate set up for one variant, with the credentials that go with it. */
export interface TollgateSetup {
  readonly tollgate: Tollgate;
  readonly valid: string;
  readonly refused: string;
  readonly close: () => Promise<void>;
}

/** A Tollgate with the fixture's key, the in-memory store and the demo users. */
async function jwtTollgate(fixture: HttpFixture, alg: 'eddsa' | 'hs256'): Promise<TollgateSetup> {
  const tokens = fixture.tokens[alg];
  const tollgate = createTollgate({
    issuer: fixture.issuer,
    audience: fixture.audience,
    keys: createKeySet({ current: await importSigningKey(fixture.keys[alg]) }),
    store: createMemoryTokenStore(),
    users: await createDemoDirectory(),
    cache: { maxEntries: fixture.cacheEntries },
  });
  return {
    tollgate,
    valid: `Bearer ${tokens.valid}`,
    refused: `Bearer ${tokens.tampered}`,
    close: async () => {},
  };
}

/**
 * A Tollgate over `openSqliteStore` on a file in a temp dir (seeded with the demo data, a fast
 * scrypt), and a UAT made by `createUat` for the principal of a JWT login of the demo user.
 */
async function uatTollgate(fixture: HttpFixture): Promise<TollgateSetup> {
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
  const login = await tollgate.accessTokens.login(DEMO_USER);
  const caller = await tollgate.requirePrincipal({ authorization: `Bearer ${login.token}` });
  const uat = await tollgate.uats.create({
    caller,
    name: 'bench:http',
    expiresAt: new Date(Date.now() + 86_400_000),
    permissions: [UAT_PERMISSION],
  });
  // One character of the random part changed: the checksum no longer matches.
  const at = 10;
  const tampered = `${uat.token.slice(0, at)}${uat.token[at] === 'A' ? 'B' : 'A'}${uat.token.slice(at + 1)}`;
  return {
    tollgate,
    valid: `UAT ${uat.token}`,
    refused: `UAT ${tampered}`,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The Tollgate of a Tollgate variant (`…tollgate-eddsa`, `…tollgate-hs256`, `…tollgate-uat`): access
 * JWTs signed with EdDSA or HS256, or UATs on SQLite.
 */
export function tollgateSetup(fixture: HttpFixture, variant: Variant): Promise<TollgateSetup> {
  if (variant.endsWith('tollgate-eddsa')) return jwtTollgate(fixture, 'eddsa');
  if (variant.endsWith('tollgate-hs256')) return jwtTollgate(fixture, 'hs256');
  if (variant.endsWith('tollgate-uat')) return uatTollgate(fixture);
  throw new Error(`not a Tollgate variant: ${variant}`);
}

/**
 * A server of a variant, once it listens: its port, its credentials, and how to close it (every
 * connection, then the server by `closeServer`, then what the variant set up).
 */
export async function running(
  server: Server,
  built: { readonly valid: string; readonly refused: string; readonly close?: () => Promise<void> },
  closeServer: () => unknown = () => server.close(),
): Promise<Running> {
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  }
  return {
    port: (server.address() as AddressInfo).port,
    valid: built.valid,
    refused: built.refused,
    close: async () => {
      server.closeAllConnections();
      await closeServer();
      await built.close?.();
    },
  };
}

/** The HS256 secret of the fixture as a KeyObject, imported once (the peers' best setup). */
export function hs256Secret(fixture: HttpFixture): KeyObject {
  const k = fixture.keys.hs256.k;
  if (typeof k !== 'string') throw new Error('fixture: the HS256 key has no k');
  return createSecretKey(Buffer.from(k, 'base64url'));
}

/** The credentials the bare servers and the peers are sent: the fixture's HS256 tokens. */
export function hs256Credentials(fixture: HttpFixture): { valid: string; refused: string } {
  return {
    valid: `Bearer ${fixture.tokens.hs256.valid}`,
    refused: `Bearer ${fixture.tokens.hs256.tampered}`,
  };
}

/** How the peers answer a refusal: a small JSON 401 with a challenge, as Tollgate does. */
export const PEER_CHALLENGE = 'Bearer error="invalid_token"';
export const PEER_REFUSAL = {
  code: 'invalid_token',
  message: 'The token is malformed or its signature does not verify.',
} as const;

/**
 * The floor variants' table: the valid HS256 credential mapped to a principal-like object, looked
 * up by the whole `Authorization` value. What no real check can beat: a hit in a cache keyed by
 * the header, with nothing verified and nothing else read.
 */
export function floorTable(fixture: HttpFixture): {
  readonly known: ReadonlyMap<string, { readonly sub: string }>;
  readonly valid: string;
  readonly refused: string;
} {
  const credentials = hs256Credentials(fixture);
  return { known: new Map([[credentials.valid, { sub: 'floor' }]]), ...credentials };
}
