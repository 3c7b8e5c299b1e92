import {
  createTollgate,
  type KeySet,
  type LiveKeySet,
  openKeySet,
  rotateSigningKey,
  type SigningKeyStore,
  signingKeyStatuses,
} from '@tollgate/core';
import {
  createFakeClock,
  createMemoryTokenStore,
  createMemoryUserDirectory,
  demoData,
} from '@tollgate/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFastPasswordHasher } from './fixtures.js';

/** One instance of the app on the shared database: its own connection and its key store. */
export interface SigningKeyInstance {
  readonly keys: SigningKeyStore;
  readonly close: () => Promise<void>;
}

export interface SigningKeyStoreHandle {
  /** Opens another instance on the same (initially empty) database. */
  readonly open: () => Promise<SigningKeyInstance>;
  /** Closes what is left and removes files; called after every test, even a failed one. */
  readonly cleanup?: () => Promise<void>;
}

export type SigningKeyStoreFactory = () => Promise<SigningKeyStoreHandle>;

let users: ReturnType<typeof createMemoryUserDirectory> | undefined;
const demoUsers = () => {
  users ??= createMemoryUserDirectory(demoData, { passwordHasher: createFastPasswordHasher() });
  return users;
};
const tokens = createMemoryTokenStore();

async function tollgateOn(keys: KeySet, clock?: { now(): number }) {
  return createTollgate({
    issuer: 'https://tollgate.test',
    audience: 'api',
    keys,
    store: tokens,
    users: await demoUsers(),
    lifetimes: { accessToken: 7200 },
    ...(clock ? { clock } : {}),
  });
}
type Tg = Awaited<ReturnType<typeof tollgateOn>>;
const signIn = async (tg: Tg) =>
  (await tg.accessTokens.login({ username: 'bob@acme.test', password: 'Acme!user1' })).token;
const verdict = async (tg: Tg, token: string) => {
  const result = await tg.authenticate({ authorization: `JWT ${token}` });
  return result.ok ? 'ok' : result.error.code;
};
const kidOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

/**
 * The one `SigningKeyStore` contract, run by every store that keeps signing keys: restarts and
 * instances share one key, the first key is created once however many instances race, rotations
 * publish before they sign and drop a key after the overlap.
 */
export function describeSigningKeyStoreContract(name: string, factory: SigningKeyStoreFactory): void {
  describe(`${name}: SigningKeyStore contract`, () => {
    let handle: SigningKeyStoreHandle | undefined;
    const closers: (() => unknown)[] = [];
    const instance = async () => {
      const opened = await handle!.open();
      closers.push(opened.close);
      return opened;
    };
    const keySet = async (keys: SigningKeyStore, options: Partial<Parameters<typeof openKeySet>[0]> = {}) => {
      const set = await openKeySet({ store: keys, reloadIntervalMs: 0, ...options });
      closers.push(() => set.close());
      return set;
    };

    beforeEach(async () => {
      handle = await factory();
    });
    afterEach(async () => {
      for (const close of closers.splice(0).reverse()) await close();
      const current = handle;
      handle = undefined;
      await current?.cleanup?.();
    });

    it('keeps its key across a restart: a token signed before it verifies after', async () => {
      const first = await instance();
      const before = await keySet(first.keys);
      expect(before.current.alg).toBe('ES256');
      const tg = await tollgateOn(before);
      const token = await signIn(tg);
      tg.close();
      before.close();
      await first.close();

      const restarted = await instance();
      const after = await keySet(restarted.keys);
      expect(after.current.kid).toBe(kidOf(token));
      const again = await tollgateOn(after);
      expect(await verdict(again, token)).toBe('ok');
      again.close();
    });

    it('stores one first key when instances start together on an empty database', async () => {
      const instances = await Promise.all(Array.from({ length: 4 }, () => instance()));
      for (let round = 0; round < 3; round++) {
        const sets = await Promise.all(instances.map((opened) => keySet(opened.keys)));
        expect(new Set(sets.map((set) => set.current.kid)).size).toBe(1);
        expect(await instances[0]!.keys.list()).toHaveLength(1);
      }
    });

    it('rotates: published before it signs, the old key verifying through the overlap and not after', async () => {
      const clock = createFakeClock();
      const [a, b] = [await instance(), await instance()];
      const setA = await keySet(a.keys, { clock });
      const setB = await keySet(b.keys, { clock, unknownKidReloadIntervalMs: 1_000_000 });
      expect(setB.current.kid).toBe(setA.current.kid);
      const oldKid = setA.current.kid;
      const tgA = await tollgateOn(setA, clock);
      const tgB = await tollgateOn(setB, clock);
      const oldToken = await signIn(tgA);
      expect(await verdict(tgB, oldToken)).toBe('ok');
      expect(await verdict(tgB, oldToken)).toBe('ok');

      const added = await rotateSigningKey(a.keys, { clock, publishForSeconds: 600, overlapSeconds: 3600 });
      await Promise.all([setA.reload(), setB.reload()]);
      expect((await setB.jwks()).keys.map((key) => key.kid)).toEqual([oldKid, added.kid]);
      expect(kidOf(await signIn(tgA))).toBe(oldKid);
      const stored = await b.keys.list();
      expect(Object.fromEntries(signingKeyStatuses(stored, clock.now()))).toEqual({
        [oldKid]: 'current',
        [added.kid]: 'next',
      });
      expect(stored.find((key) => key.kid === oldKid)?.expiresAt).toBe(added.activatesAt + 3_600_000);

      clock.advance(600_000);
      await Promise.all([setA.reload(), setB.reload()]);
      const newToken = await signIn(tgA);
      expect(kidOf(newToken)).toBe(added.kid);
      expect(await verdict(tgB, newToken)).toBe('ok');
      expect(await verdict(tgB, oldToken)).toBe('ok');

      clock.advance(3_600_000);
      await setB.reload();
      expect(await verdict(tgB, oldToken)).toBe('invalid_token');
      expect(await verdict(tgB, newToken)).toBe('ok');

      // The next rotation removes the expired key.
      await rotateSigningKey(b.keys, { clock });
      expect((await a.keys.list()).map((key) => key.kid)).not.toContain(oldKid);
      tgA.close();
      tgB.close();
    });

    it('lets an instance learn of a key it has not seen from a token naming it', async () => {
      const [a, b] = [await instance(), await instance()];
      const setA: LiveKeySet = await keySet(a.keys);
      const setB = await keySet(b.keys, { unknownKidReloadIntervalMs: 60_000 });
      // Signing at once (no publication): B learns of the key only from the token.
      const added = await rotateSigningKey(a.keys, { publishForSeconds: 0 });
      await setA.reload();
      expect(setA.current.kid).toBe(added.kid);
      const changed = new Promise<void>((resolve) => setB.subscribe(resolve));
      expect(setB.get(added.kid)).toBeUndefined();
      await changed;
      expect(setB.get(added.kid)?.kid).toBe(added.kid);
    });
  });
}
