import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import demo from '../demo-data.json' with { type: 'json' };
import {
  createFakeClock,
  createMemoryTokenStore,
  createMemoryUserDirectory,
  createScryptPasswordHasher,
  createTollgate,
  exportSigningKey,
  fileKeyStore,
  generateSigningKey,
  type KeySet,
  keySetFromEnv,
  openKeySet,
  rotateSigningKey,
  SigningKeyConfigError,
} from './helpers/internals.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newFile = () => path.join(dir, `keys-${++files}`, 'signing-keys.json');

const hasher = createScryptPasswordHasher({ logN: 10, r: 8, p: 1 });
const usersPromise = createMemoryUserDirectory(demo as never, { passwordHasher: hasher });
const store = createMemoryTokenStore();

async function tollgateWith(keys: KeySet, clock?: { now(): number }) {
  return createTollgate({
    issuer: 'https://tollgate.test',
    audience: 'api',
    keys,
    store,
    users: await usersPromise,
    ...(clock ? { clock } : {}),
    lifetimes: { accessToken: 7200 },
  });
}

const login = async (tg: Awaited<ReturnType<typeof tollgateWith>>) =>
  (await tg.accessTokens.login({ username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' })).token;
const check = async (tg: Awaited<ReturnType<typeof tollgateWith>>, token: string) => {
  const result = await tg.authenticate({ authorization: `JWT ${token}` });
  return result.ok ? 'ok' : result.error.code;
};
const kidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

describe('keySetFromEnv', () => {
  it('reads a private JWK, and the key keeps verifying after a restart', async () => {
    const jwk = await exportSigningKey(await generateSigningKey({ alg: 'ES256' }));
    const env = { TOLLGATE_SIGNING_KEY: JSON.stringify(jwk) };
    const first = await tollgateWith(await keySetFromEnv({ env }));
    const token = await login(first);
    first.close();
    const second = await tollgateWith(await keySetFromEnv({ env }));
    expect(await check(second, token)).toBe('ok');
    expect(kidOf(token)).toBe(jwk.kid);
    second.close();
  });

  it('reads a PKCS#8 PEM (EC P-256 and Ed25519), naming it by its thumbprint on every start', async () => {
    for (const [type, alg] of [
      ['ec', 'ES256'],
      ['ed25519', 'EdDSA'],
    ] as const) {
      const { privateKey } = generateKeyPairSync(type as 'ec', { namedCurve: 'P-256' });
      const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
      const a = await keySetFromEnv({ env: { KEY: pem }, variable: 'KEY' });
      // The same PEM on one line, its newlines escaped as a .env file writes them.
      const b = await keySetFromEnv({ env: { KEY: pem.trim().replaceAll('\n', '\\n') }, variable: 'KEY' });
      expect(a.current.alg).toBe(alg);
      expect(a.current.kid).toBe(b.current.kid);
      expect(a.current.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const tg = await tollgateWith(a);
      const token = await login(tg);
      tg.close();
      const again = await tollgateWith(b);
      expect(await check(again, token)).toBe('ok');
      again.close();
    }
  });

  it('reads {"keys": [...]}: the first signs, the others verify', async () => {
    const old = await generateSigningKey({ alg: 'ES256' });
    const next = await generateSigningKey({ alg: 'EdDSA' });
    const before = await tollgateWith(
      await keySetFromEnv({
        env: { K: JSON.stringify({ keys: [await exportSigningKey(old)] }) },
        variable: 'K',
      }),
    );
    const oldToken = await login(before);
    before.close();
    const text = JSON.stringify({ keys: [await exportSigningKey(next), await exportSigningKey(old)] });
    const keys = await keySetFromEnv({ env: { K: text }, variable: 'K' });
    expect(keys.current.kid).toBe(next.kid);
    expect((await keys.jwks()).keys.map((key) => key.kid)).toEqual([next.kid, old.kid]);
    const after = await tollgateWith(keys);
    expect(kidOf(await login(after))).toBe(next.kid);
    expect(await check(after, oldToken)).toBe('ok');
    after.close();
  });

  it('refuses a missing or bad value with an error naming the variable, never quoting it', async () => {
    const secretish = 'SUPERSECRET-d-value-0123456789';
    const hs = await exportSigningKey(await generateSigningKey({ alg: 'HS256' }));
    const cases: [string | undefined, RegExp][] = [
      [undefined, /^MY_KEY: not set$/],
      ['  ', /^MY_KEY: not set$/],
      [secretish, /^MY_KEY: neither JSON/],
      [`{"kty":"EC","crv":"P-256","d":"${secretish}"}`, /^MY_KEY: /],
      [`-----BEGIN PRIVATE KEY-----\n${secretish}\n-----END PRIVATE KEY-----`, /^MY_KEY: not a PKCS#8/],
      [JSON.stringify({ keys: [] }), /^MY_KEY: "keys" is not a non-empty array$/],
      [JSON.stringify({ ...hs, k: Buffer.from(secretish.slice(0, 8)).toString('base64url') }), /32 bytes/],
      [JSON.stringify({ kty: 'RSA', alg: 'RS256', d: secretish }), /unsupported "alg"/],
    ];
    for (const [value, message] of cases) {
      const env = value === undefined ? {} : { MY_KEY: value };
      const error = await keySetFromEnv({ env, variable: 'MY_KEY' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SigningKeyConfigError);
      expect((error as SigningKeyConfigError).code).toBe('invalid_signing_key');
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(secretish);
      expect((error as Error).message).not.toContain(secretish.slice(0, 8));
      expect(String((error as Error).stack)).not.toContain(secretish);
    }
  });
});

describe('openKeySet on a file', () => {
  it('creates the file once (mode 0600): a restart signs and verifies with the same key', async () => {
    const file = newFile();
    const keys = await openKeySet({ store: fileKeyStore(file) });
    expect(keys.current.alg).toBe('ES256');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const first = await tollgateWith(keys);
    const token = await login(first);
    first.close();
    keys.close();
    const restarted = await openKeySet({ store: fileKeyStore(file) });
    expect(restarted.current.kid).toBe(keys.current.kid);
    const second = await tollgateWith(restarted);
    expect(await check(second, token)).toBe('ok');
    second.close();
    restarted.close();
  });

  it('of instances starting together on a missing file, all get the one key', async () => {
    const file = newFile();
    const sets = await Promise.all(
      Array.from({ length: 8 }, () => openKeySet({ store: fileKeyStore(file) })),
    );
    expect(new Set(sets.map((set) => set.current.kid)).size).toBe(1);
    expect(JSON.parse(readFileSync(file, 'utf8')).keys).toHaveLength(1);
    for (const set of sets) set.close();
  });

  it('refuses a corrupt file naming the file, not quoting it', async () => {
    const file = newFile();
    await openKeySet({ store: fileKeyStore(file) }).then((set) => set.close());
    writeFileSync(file, '{"keys": [{"kty": "EC", "d": "SECRETSECRET"');
    const error = await openKeySet({ store: fileKeyStore(file) }).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe(
      `${file}: neither JSON (a JWK or {"keys": [...]}) nor a PEM private key`,
    );
  });
});

describe('rotation', () => {
  it('publishes the new key before it signs; the old one verifies through the overlap, then not at all', async () => {
    const clock = createFakeClock();
    const keyStore = fileKeyStore(newFile());
    const keys = await openKeySet({ store: keyStore, clock, reloadIntervalMs: 0 });
    const changes: string[] = [];
    keys.subscribe(() => changes.push(keys.current.kid));
    const tg = await tollgateWith(keys, clock);
    const oldKid = keys.current.kid;
    const oldToken = await login(tg);
    // Seen twice: the verdict is cached, which a dropped key must not outlive.
    expect(await check(tg, oldToken)).toBe('ok');
    expect(await check(tg, oldToken)).toBe('ok');

    const added = await rotateSigningKey(keyStore, { clock, publishForSeconds: 600, overlapSeconds: 3600 });
    await keys.reload();
    // Published, verifying, not signing yet.
    expect((await keys.jwks()).keys.map((key) => key.kid)).toEqual([oldKid, added.kid]);
    expect(keys.get(added.kid)).toBeDefined();
    expect(kidOf(await login(tg))).toBe(oldKid);

    clock.advance(600_000);
    await keys.reload();
    expect(keys.current.kid).toBe(added.kid);
    const newToken = await login(tg);
    expect(kidOf(newToken)).toBe(added.kid);
    expect(await check(tg, oldToken)).toBe('ok');
    expect(await check(tg, newToken)).toBe('ok');

    clock.advance(3_599_000); // the last second of the overlap
    await keys.reload();
    expect(await check(tg, oldToken)).toBe('ok');
    clock.advance(1000);
    await keys.reload();
    expect(keys.get(oldKid)).toBeUndefined();
    expect((await keys.jwks()).keys.map((key) => key.kid)).toEqual([added.kid]);
    expect(await check(tg, oldToken)).toBe('invalid_token');
    expect(await check(tg, newToken)).toBe('ok');
    expect(changes).toEqual([oldKid, added.kid, added.kid]);

    // The next rotation removes the expired key from the file.
    await rotateSigningKey(keyStore, { clock });
    expect((await keyStore.list()).map((key) => key.kid)).not.toContain(oldKid);
    tg.close();
    keys.close();
  });

  it('takes effect on schedule without a reload, from the timer', async () => {
    const keyStore = fileKeyStore(newFile());
    const keys = await openKeySet({ store: keyStore, reloadIntervalMs: 0 });
    const added = await rotateSigningKey(keyStore, { publishForSeconds: 1, overlapSeconds: 1 });
    await keys.reload();
    // The file keeps whole seconds (the key may sign up to a second early): this is its instant.
    const { activatesAt } = (await keyStore.list()).find((key) => key.kid === added.kid)!;
    expect(added.activatesAt - activatesAt).toBeLessThan(1000);
    // The timer switches keys at that instant, never before; on a busy machine it may already have
    // passed here, and the switch with it.
    const switched = new Promise<number>((resolve) => {
      if (keys.current.kid === added.kid) resolve(Date.now());
      else keys.subscribe(() => keys.current.kid === added.kid && resolve(Date.now()));
    });
    if (Date.now() < activatesAt) expect(keys.current.kid).not.toBe(added.kid);
    expect(await switched).toBeGreaterThanOrEqual(activatesAt);
    expect(keys.current.kid).toBe(added.kid);
    keys.close();
  });

  it('reads the store again on an unknown kid, at most once per interval', async () => {
    const clock = createFakeClock();
    let reads = 0;
    const inner = fileKeyStore(newFile());
    const counting = {
      ...inner,
      list: () => {
        reads++;
        return inner.list();
      },
    };
    const keys = await openKeySet({
      store: counting,
      clock,
      reloadIntervalMs: 0,
      unknownKidReloadIntervalMs: 30_000,
    });
    const readsAtStart = reads;
    const added = await rotateSigningKey(inner, { clock, publishForSeconds: 600 });
    const changed = new Promise<void>((resolve) => keys.subscribe(resolve));
    for (let i = 0; i < 100; i++) expect(keys.get(`made-up-${i}`)).toBeUndefined();
    await changed;
    expect(reads - readsAtStart).toBe(1);
    expect(keys.get(added.kid)).toBeDefined();
    clock.advance(29_000);
    keys.get('another-made-up');
    expect(reads - readsAtStart).toBe(1);
    clock.advance(1000);
    keys.get('another-made-up');
    expect(reads - readsAtStart).toBe(2);
    keys.close();
  });
});
