import type { RefreshFamilyRecord, SessionRecord, TokenStore, UatRecord } from '@tollgate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, newHash, newId, newUatRecord, newUuidv7, SECOND, T0 } from './fixtures.js';

export interface TokenStoreHandle {
  readonly store: TokenStore;
  /** Closes connections and removes files; called after every test, even a failed one. */
  readonly cleanup?: () => Promise<void>;
}

export type TokenStoreFactory = () => Promise<TokenStoreHandle>;

const USER = 'user-1';
const OTHER_USER = 'user-2';

/**
 * The one `TokenStore` contract: every implementation runs this suite unchanged, each test on a
 * fresh, empty store from `factory`. Each test names the sentence of ports.ts it checks.
 */
export function describeTokenStoreContract(name: string, factory: TokenStoreFactory): void {
  describe(`${name}: TokenStore contract`, () => {
    let handle: TokenStoreHandle | undefined;
    let store: TokenStore;

    beforeEach(async () => {
      handle = await factory();
      store = handle.store;
    });

    afterEach(async () => {
      const current = handle;
      handle = undefined;
      await current?.cleanup?.();
    });

    interface FamilyOptions {
      readonly userId?: string;
      readonly createdAt?: number;
      readonly absoluteExpiresAt?: number;
      readonly tokenExpiresAt?: number;
    }

    /** A login: a family and its first token. */
    async function login(options: FamilyOptions = {}) {
      const createdAt = options.createdAt ?? T0;
      const family = {
        id: newId(),
        userId: options.userId ?? USER,
        createdAt,
        absoluteExpiresAt: options.absoluteExpiresAt ?? createdAt + 30 * DAY,
      };
      const token = {
        hash: newHash(),
        issuedAt: createdAt,
        expiresAt: options.tokenExpiresAt ?? createdAt + DAY,
      };
      await store.createRefreshFamily({ family, token });
      return { family, token };
    }

    function rotate(
      presentedHash: string,
      now: number,
      options: { expiresAt?: number; hash?: string; reuseIntervalMs?: number } = {},
    ) {
      return store.rotateRefreshToken({
        presentedHash,
        next: { hash: options.hash ?? newHash(), issuedAt: now, expiresAt: options.expiresAt ?? now + DAY },
        now,
        revocationExpiresAt: now + 31 * DAY,
        ...(options.reuseIntervalMs === undefined ? {} : { reuseIntervalMs: options.reuseIntervalMs }),
      });
    }

    /** A session as the core would create it (not stored). */
    function session(
      overrides: Partial<Omit<SessionRecord, 'revokedAt'>> = {},
    ): Omit<SessionRecord, 'revokedAt'> {
      const createdAt = overrides.createdAt ?? T0;
      return {
        id: newUuidv7(createdAt),
        userId: USER,
        kind: 'jwt_login',
        actor: null,
        createdAt,
        lastUsedAt: createdAt,
        expiresAt: createdAt + 30 * DAY,
        clientIp: '203.0.113.7',
        userAgent: 'Mozilla/5.0 (contract)',
        customData: null,
        ...overrides,
      };
    }

    /** A token-pair login: a session and its refresh family (same id) with the first token. */
    async function sessionLogin(overrides: Partial<Omit<SessionRecord, 'revokedAt'>> = {}) {
      const record = session({ kind: 'token_pair', ...overrides });
      await store.createSession(record);
      const family = {
        id: record.id,
        userId: record.userId,
        createdAt: record.createdAt,
        absoluteExpiresAt: record.expiresAt,
      };
      const token = { hash: newHash(), issuedAt: record.createdAt, expiresAt: record.createdAt + DAY };
      await store.createRefreshFamily({ family, token });
      return { session: record, family, token };
    }

    async function allRevocations(now = T0) {
      return (await store.listRevocations({ afterSeq: 0, now })).records;
    }

    function uat(overrides: Partial<UatRecord> = {}): UatRecord {
      return newUatRecord({ userId: USER, permissions: ['brand_create', 'scans_download'], ...overrides });
    }

    describe('createRefreshFamily', () => {
      it('creates a family and its first token (generation 0)', async () => {
        const { family, token } = await login();
        const result = await rotate(token.hash, T0 + MINUTE);
        expect(result.outcome).toBe('rotated');
        if (result.outcome !== 'rotated') return;
        const expected: RefreshFamilyRecord = { ...family, revokedAt: null };
        expect(result.family).toEqual(expected);
        expect(result.next.generation).toBe(1);
        expect(result.next.familyId).toBe(family.id);
      });

      it('is atomic: a duplicate token hash rejects and leaves no family behind', async () => {
        const first = await login();
        const familyId = newId();
        const family = { id: familyId, userId: USER, createdAt: T0, absoluteExpiresAt: T0 + DAY };
        await expect(
          store.createRefreshFamily({
            family,
            token: { hash: first.token.hash, issuedAt: T0, expiresAt: T0 + HOUR },
          }),
        ).rejects.toThrow();
        // Had the family row survived, its id would now be taken.
        const token = { hash: newHash(), issuedAt: T0, expiresAt: T0 + HOUR };
        await store.createRefreshFamily({ family, token });
        const original = await rotate(first.token.hash, T0 + MINUTE);
        expect(original.outcome === 'rotated' && original.family.id).toBe(first.family.id);
      });

      it('is atomic: a duplicate family id rejects and stores no token', async () => {
        const first = await login();
        const orphan = newHash();
        await expect(
          store.createRefreshFamily({
            family: { ...first.family, userId: OTHER_USER },
            token: { hash: orphan, issuedAt: T0, expiresAt: T0 + HOUR },
          }),
        ).rejects.toThrow();
        expect((await rotate(orphan, T0 + MINUTE)).outcome).toBe('not_found');
      });
    });

    describe('rotateRefreshToken', () => {
      it('rotates: successor stored with generation + 1 in the same family, previous marked rotated', async () => {
        const { family, token } = await login();
        const now = T0 + HOUR;
        const nextHash = newHash();
        const result = await rotate(token.hash, now, { hash: nextHash, expiresAt: now + DAY });
        expect(result).toEqual({
          outcome: 'rotated',
          family: { ...family, revokedAt: null },
          retried: false,
          next: {
            hash: nextHash,
            familyId: family.id,
            generation: 1,
            issuedAt: now,
            expiresAt: now + DAY,
            rotatedAt: null,
          },
        });
        // The successor rotates in turn; the chain goes on.
        const second = await rotate(nextHash, now + HOUR);
        expect(second.outcome === 'rotated' && second.next.generation).toBe(2);
      });

      it("caps the successor's expiry at the family's absolute expiry", async () => {
        const { family, token } = await login({ absoluteExpiresAt: T0 + 2 * HOUR });
        const result = await rotate(token.hash, T0 + HOUR, { expiresAt: T0 + 5 * DAY });
        expect(result.outcome === 'rotated' && result.next.expiresAt).toBe(family.absoluteExpiresAt);
      });

      it('returns not_found for an unknown hash', async () => {
        await login();
        expect(await rotate(newHash(), T0 + MINUTE)).toEqual({ outcome: 'not_found' });
      });

      it('returns revoked for a token of a revoked family', async () => {
        const { family, token } = await login();
        await store.revokeRefreshFamilyByToken({
          hash: token.hash,
          now: T0 + MINUTE,
          revocationExpiresAt: T0 + DAY,
        });
        const result = await rotate(token.hash, T0 + HOUR);
        expect(result).toEqual({ outcome: 'revoked', family: { ...family, revokedAt: T0 + MINUTE } });
      });

      it('returns expired when the token expired (expiresAt <= now) and changes nothing', async () => {
        const { token } = await login({ tokenExpiresAt: T0 + HOUR });
        expect(await rotate(token.hash, T0 + HOUR)).toEqual({ outcome: 'expired' });
        expect(await rotate(token.hash, T0 + 2 * HOUR)).toEqual({ outcome: 'expired' });
        // Not marked rotated: presented earlier (a slow clock elsewhere), it still rotates.
        expect((await rotate(token.hash, T0 + HOUR - 1)).outcome).toBe('rotated');
        expect(await allRevocations()).toEqual([]);
      });

      it('returns expired when the family reached its absolute expiry (absoluteExpiresAt <= now)', async () => {
        // The first token outlives the family: the family's lifetime decides.
        const { token } = await login({ absoluteExpiresAt: T0 + HOUR, tokenExpiresAt: T0 + DAY });
        expect(await rotate(token.hash, T0 + HOUR)).toEqual({ outcome: 'expired' });
        expect((await rotate(token.hash, T0 + HOUR - 1)).outcome).toBe('rotated');
      });

      it('on reuse of a rotated token revokes the family and records a family revocation', async () => {
        const { family, token } = await login();
        const first = await rotate(token.hash, T0 + MINUTE);
        const reusedAt = T0 + HOUR;
        const result = await store.rotateRefreshToken({
          presentedHash: token.hash,
          next: { hash: newHash(), issuedAt: reusedAt, expiresAt: reusedAt + DAY },
          now: reusedAt,
          revocationExpiresAt: reusedAt + 40 * DAY,
        });
        expect(result).toEqual({ outcome: 'reused', family: { ...family, revokedAt: reusedAt } });
        const revocations = await allRevocations(reusedAt);
        expect(revocations).toHaveLength(1);
        expect(revocations[0]).toMatchObject({
          kind: 'session',
          id: family.id,
          revokedAt: reusedAt,
          expiresAt: reusedAt + 40 * DAY,
        });
        // The successor died with its family.
        if (first.outcome !== 'rotated') throw new Error('expected the first rotation to win');
        expect(await rotate(first.next.hash, reusedAt + MINUTE)).toEqual({
          outcome: 'revoked',
          family: { ...family, revokedAt: reusedAt },
        });
      });

      it('has exactly one winner among 16 concurrent rotations of one token; the others are reuse', async () => {
        const { family, token } = await login();
        const now = T0 + HOUR;
        const nextHashes = Array.from({ length: 16 }, () => newHash());
        const results = await Promise.all(nextHashes.map((hash) => rotate(token.hash, now, { hash })));
        const winners = results.filter((r) => r.outcome === 'rotated');
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => r.outcome === 'reused')).toHaveLength(15);
        // The family is revoked once, by the first reuse.
        const revocations = await allRevocations(now);
        expect(revocations.map((r) => [r.kind, r.id])).toEqual([['session', family.id]]);
        const winner = winners[0];
        if (winner?.outcome !== 'rotated') throw new Error('unreachable');
        expect(nextHashes).toContain(winner.next.hash);
        expect(await rotate(winner.next.hash, now + MINUTE)).toEqual({
          outcome: 'revoked',
          family: { ...family, revokedAt: now },
        });
        // The losers' successors were never stored.
        const losers = nextHashes.filter((hash) => hash !== winner.next.hash);
        for (const hash of losers) expect(await rotate(hash, now + MINUTE)).toEqual({ outcome: 'not_found' });
      });

      it('revokes the session of the same id on reuse', async () => {
        const { session: record, token } = await sessionLogin();
        await rotate(token.hash, T0 + MINUTE);
        expect((await rotate(token.hash, T0 + HOUR)).outcome).toBe('reused');
        expect(await store.findSession(record.id)).toEqual({ ...record, revokedAt: T0 + HOUR });
        expect((await allRevocations()).map((r) => [r.kind, r.id])).toEqual([['session', record.id]]);
      });

      it('reports reuse of a rotated token even after a logout, without a second revocation', async () => {
        const { family, token } = await login();
        await rotate(token.hash, T0 + MINUTE);
        await store.revokeRefreshFamilyByToken({
          hash: token.hash,
          now: T0 + HOUR,
          revocationExpiresAt: T0 + DAY,
        });
        const result = await rotate(token.hash, T0 + 2 * HOUR);
        expect(result).toEqual({ outcome: 'reused', family: { ...family, revokedAt: T0 + HOUR } });
        expect(await allRevocations()).toHaveLength(1);
      });

      it('checks expiry before reuse: an expired rotated token is expired and revokes nothing', async () => {
        const { token } = await login({ tokenExpiresAt: T0 + HOUR });
        await rotate(token.hash, T0 + MINUTE);
        expect(await rotate(token.hash, T0 + 2 * HOUR)).toEqual({ outcome: 'expired' });
        expect(await allRevocations()).toEqual([]);
      });

      it('checks revocation before expiry: an unrotated token of a revoked family is revoked', async () => {
        const { family, token } = await login({ tokenExpiresAt: T0 + HOUR });
        await store.revokeRefreshFamilyByToken({
          hash: token.hash,
          now: T0 + MINUTE,
          revocationExpiresAt: T0 + DAY,
        });
        expect(await rotate(token.hash, T0 + 2 * HOUR)).toEqual({
          outcome: 'revoked',
          family: { ...family, revokedAt: T0 + MINUTE },
        });
      });

      it('rejects a successor whose hash is already stored, and changes nothing', async () => {
        const a = await login();
        const b = await login();
        await expect(rotate(a.token.hash, T0 + MINUTE, { hash: b.token.hash })).rejects.toThrow();
        // The presented token was not marked rotated.
        expect((await rotate(a.token.hash, T0 + 2 * MINUTE)).outcome).toBe('rotated');
      });
    });

    describe('rotateRefreshToken: the reuse interval', () => {
      const INTERVAL = 30 * SECOND;

      it('treats a rotated token presented just inside the interval as a retry: rotated, retried, one live token', async () => {
        const { family, token } = await login();
        const rotatedAt = T0 + HOUR;
        const first = await rotate(token.hash, rotatedAt, { reuseIntervalMs: INTERVAL });
        expect(first).toMatchObject({ outcome: 'rotated', retried: false, next: { generation: 1 } });
        if (first.outcome !== 'rotated') throw new Error('expected a rotation');

        const now = rotatedAt + INTERVAL - 1;
        const nextHash = newHash();
        const retry = await rotate(token.hash, now, {
          hash: nextHash,
          expiresAt: now + DAY,
          reuseIntervalMs: INTERVAL,
        });
        expect(retry).toEqual({
          outcome: 'rotated',
          family: { ...family, revokedAt: null },
          retried: true,
          next: {
            hash: nextHash,
            familyId: family.id,
            // After the newest token of the family, not after the presented one.
            generation: 2,
            issuedAt: now,
            expiresAt: now + DAY,
            rotatedAt: null,
          },
        });
        expect(await allRevocations()).toEqual([]);

        // The first successor was marked rotated at `now` by the retry: presented after the interval it
        // is reuse, not a second live token.
        expect(await rotate(first.next.hash, now + INTERVAL, { reuseIntervalMs: INTERVAL })).toEqual({
          outcome: 'reused',
          family: { ...family, revokedAt: now + INTERVAL },
        });
      });

      it("leaves the retry's successor as the family's live token: it rotates as a first rotation", async () => {
        const { token } = await login();
        const first = await rotate(token.hash, T0 + HOUR, { reuseIntervalMs: INTERVAL });
        const retryAt = T0 + HOUR + SECOND;
        const retry = await rotate(token.hash, retryAt, { reuseIntervalMs: INTERVAL });
        if (first.outcome !== 'rotated' || retry.outcome !== 'rotated') throw new Error('expected rotations');
        // The retry's successor is the family's live token: it rotates normally.
        const later = T0 + 2 * HOUR;
        const next = await rotate(retry.next.hash, later, { reuseIntervalMs: INTERVAL });
        expect(next).toMatchObject({ outcome: 'rotated', retried: false, next: { generation: 3 } });
      });

      it('is reuse at exactly the interval after the rotation (now - rotatedAt = reuseIntervalMs): family and session revoked', async () => {
        const { session: record, family, token } = await sessionLogin();
        const rotatedAt = T0 + HOUR;
        const first = await rotate(token.hash, rotatedAt, { reuseIntervalMs: INTERVAL });
        if (first.outcome !== 'rotated') throw new Error('expected a rotation');
        const now = rotatedAt + INTERVAL;
        expect(await rotate(token.hash, now, { reuseIntervalMs: INTERVAL })).toEqual({
          outcome: 'reused',
          family: { ...family, revokedAt: now },
        });
        expect(await allRevocations(now)).toMatchObject([
          { kind: 'session', id: family.id, revokedAt: now, expiresAt: now + 31 * DAY },
        ]);
        expect(await store.findSession(record.id)).toEqual({ ...record, revokedAt: now });
        expect(await rotate(first.next.hash, now + 1, { reuseIntervalMs: INTERVAL })).toEqual({
          outcome: 'revoked',
          family: { ...family, revokedAt: now },
        });
      });

      it('is reuse beyond the interval too', async () => {
        const { family, token } = await login();
        await rotate(token.hash, T0 + HOUR, { reuseIntervalMs: INTERVAL });
        const now = T0 + HOUR + INTERVAL + MINUTE;
        expect(await rotate(token.hash, now, { reuseIntervalMs: INTERVAL })).toEqual({
          outcome: 'reused',
          family: { ...family, revokedAt: now },
        });
      });

      it("measures the interval from the presented token's own rotation, which a retry leaves unchanged", async () => {
        const { family, token } = await login();
        const rotatedAt = T0 + HOUR;
        await rotate(token.hash, rotatedAt, { reuseIntervalMs: INTERVAL });
        const retry = await rotate(token.hash, rotatedAt + INTERVAL - 2, { reuseIntervalMs: INTERVAL });
        expect(retry).toMatchObject({ outcome: 'rotated', retried: true });
        expect(
          await rotate(token.hash, rotatedAt + INTERVAL - 1, { reuseIntervalMs: INTERVAL }),
        ).toMatchObject({
          outcome: 'rotated',
          retried: true,
          next: { generation: 3 },
        });
        // Had a retry moved the token's rotatedAt, this would still be inside the interval.
        expect(await rotate(token.hash, rotatedAt + INTERVAL, { reuseIntervalMs: INTERVAL })).toEqual({
          outcome: 'reused',
          family: { ...family, revokedAt: rotatedAt + INTERVAL },
        });
      });

      it('is no retry once the family is revoked (logout): reuse, with no second revocation', async () => {
        const { family, token } = await login();
        await rotate(token.hash, T0 + HOUR, { reuseIntervalMs: INTERVAL });
        await store.revokeRefreshFamilyByToken({
          hash: token.hash,
          now: T0 + HOUR + 1,
          revocationExpiresAt: T0 + DAY,
        });
        expect(await rotate(token.hash, T0 + HOUR + 2, { reuseIntervalMs: INTERVAL })).toEqual({
          outcome: 'reused',
          family: { ...family, revokedAt: T0 + HOUR + 1 },
        });
        expect(await allRevocations()).toHaveLength(1);
      });

      it('checks expiry before the retry: an expired rotated token is expired', async () => {
        const { token } = await login({ tokenExpiresAt: T0 + HOUR });
        await rotate(token.hash, T0 + HOUR - SECOND, { reuseIntervalMs: INTERVAL });
        expect(await rotate(token.hash, T0 + HOUR, { reuseIntervalMs: INTERVAL })).toEqual({
          outcome: 'expired',
        });
        expect(await allRevocations()).toEqual([]);
      });

      it('is off by default and at 0: a second presentation is reuse at once', async () => {
        const a = await login();
        await rotate(a.token.hash, T0 + HOUR);
        expect((await rotate(a.token.hash, T0 + HOUR)).outcome).toBe('reused');
        const b = await login();
        await rotate(b.token.hash, T0 + HOUR, { reuseIntervalMs: 0 });
        expect((await rotate(b.token.hash, T0 + HOUR, { reuseIntervalMs: 0 })).outcome).toBe('reused');
      });

      it('answers all of 16 concurrent presentations of one token rotated, and leaves the family one live token', async () => {
        const { family, token } = await login();
        const now = T0 + HOUR;
        const nextHashes = Array.from({ length: 16 }, () => newHash());
        const results = await Promise.all(
          nextHashes.map((hash) => rotate(token.hash, now, { hash, reuseIntervalMs: INTERVAL })),
        );
        const successors = results.map((result) => {
          if (result.outcome !== 'rotated') throw new Error(`expected rotated, got ${result.outcome}`);
          return result;
        });
        expect(successors.filter((r) => !r.retried)).toHaveLength(1);
        expect(successors.filter((r) => r.retried)).toHaveLength(15);
        expect(successors.map((r) => r.next.hash).sort()).toEqual([...nextHashes].sort());
        // One after the other: each retry stored its successor after the newest.
        expect(successors.map((r) => r.next.generation).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 16 }, (_, i) => i + 1),
        );
        expect(await allRevocations(now)).toEqual([]);

        // Exactly one successor is live: the newest rotates as a first rotation...
        const newest = successors.reduce((a, b) => (b.next.generation > a.next.generation ? b : a));
        const later = now + INTERVAL;
        expect(await rotate(newest.next.hash, later, { reuseIntervalMs: INTERVAL })).toMatchObject({
          outcome: 'rotated',
          retried: false,
        });
        // ...and every other one had been rotated: presented after the interval, each is reuse (an
        // unrotated token of the then revoked family would answer `revoked`).
        for (const other of successors) {
          if (other === newest) continue;
          expect(await rotate(other.next.hash, later, { reuseIntervalMs: INTERVAL })).toEqual({
            outcome: 'reused',
            family: { ...family, revokedAt: later },
          });
        }
        expect((await allRevocations(later)).map((r) => [r.kind, r.id])).toEqual([['session', family.id]]);
      });
    });

    describe('revokeRefreshFamilyByToken', () => {
      it('returns null for an unknown hash and records nothing', async () => {
        await login();
        expect(
          await store.revokeRefreshFamilyByToken({ hash: newHash(), now: T0, revocationExpiresAt: T0 + DAY }),
        ).toBeNull();
        expect(await store.listRevocations({ afterSeq: 0, now: T0 })).toEqual({ records: [], lastSeq: 0 });
      });

      it('revokes the whole family and records a family revocation until revocationExpiresAt', async () => {
        const { family, token } = await login();
        const rotated = await rotate(token.hash, T0 + MINUTE);
        if (rotated.outcome !== 'rotated') throw new Error('expected a rotation');
        // Logout through an older token of the family revokes the current one too.
        const id = await store.revokeRefreshFamilyByToken({
          hash: token.hash,
          now: T0 + HOUR,
          revocationExpiresAt: T0 + 30 * DAY,
        });
        expect(id).toBe(family.id);
        expect(await rotate(rotated.next.hash, T0 + 2 * HOUR)).toEqual({
          outcome: 'revoked',
          family: { ...family, revokedAt: T0 + HOUR },
        });
        const revocations = await allRevocations();
        expect(revocations).toEqual([
          {
            seq: revocations[0]?.seq,
            kind: 'session',
            id: family.id,
            revokedAt: T0 + HOUR,
            expiresAt: T0 + 30 * DAY,
          },
        ]);
      });

      it('revokes the session of the same id too', async () => {
        const { session: record, token } = await sessionLogin();
        const other = await sessionLogin();
        expect(
          await store.revokeRefreshFamilyByToken({
            hash: token.hash,
            now: T0 + HOUR,
            revocationExpiresAt: T0 + DAY,
          }),
        ).toBe(record.id);
        expect(await store.findSession(record.id)).toEqual({ ...record, revokedAt: T0 + HOUR });
        expect(await store.listSessionsByUser({ userId: USER, now: T0 + HOUR })).toEqual([
          { ...other.session, revokedAt: null },
        ]);
        expect((await allRevocations()).map((r) => [r.kind, r.id])).toEqual([['session', record.id]]);
      });

      it('is a no-op on a revoked family that still returns its id', async () => {
        const { family, token } = await login();
        await store.revokeRefreshFamilyByToken({
          hash: token.hash,
          now: T0 + MINUTE,
          revocationExpiresAt: T0 + DAY,
        });
        const again = await store.revokeRefreshFamilyByToken({
          hash: token.hash,
          now: T0 + HOUR,
          revocationExpiresAt: T0 + 2 * DAY,
        });
        expect(again).toBe(family.id);
        const revocations = await allRevocations();
        expect(revocations).toHaveLength(1);
        expect(revocations[0]).toMatchObject({ revokedAt: T0 + MINUTE, expiresAt: T0 + DAY });
        expect(await rotate(token.hash, T0 + 2 * HOUR)).toEqual({
          outcome: 'revoked',
          family: { ...family, revokedAt: T0 + MINUTE },
        });
      });

      it('leaves other families alone', async () => {
        const a = await login();
        const b = await login();
        await store.revokeRefreshFamilyByToken({
          hash: a.token.hash,
          now: T0,
          revocationExpiresAt: T0 + DAY,
        });
        expect((await rotate(b.token.hash, T0 + MINUTE)).outcome).toBe('rotated');
      });
    });

    describe('UATs', () => {
      it('stores a UAT and finds it by hash, as it was inserted', async () => {
        const record = uat();
        await store.insertUat(record);
        expect(await store.findUatByHash(record.hash)).toEqual(record);
        expect(await store.findUatByHash(newHash())).toBeNull();
      });

      it('rejects a second UAT with the same hash or id, keeping the first', async () => {
        const record = uat();
        await store.insertUat(record);
        await expect(store.insertUat(uat({ hash: record.hash, name: 'copy' }))).rejects.toThrow();
        await expect(store.insertUat(uat({ id: record.id, name: 'copy' }))).rejects.toThrow();
        expect(await store.findUatByHash(record.hash)).toEqual(record);
        expect(await store.listUatsByUser(USER)).toEqual([record]);
      });

      it('returns revoked and expired UATs from findUatByHash as they are', async () => {
        const expired = uat({ expiresAt: T0 + HOUR });
        const revoked = uat();
        await store.insertUat(expired);
        await store.insertUat(revoked);
        await store.revokeUat({
          id: revoked.id,
          userId: USER,
          now: T0 + MINUTE,
          revocationExpiresAt: T0 + DAY,
        });
        expect(await store.findUatByHash(expired.hash)).toEqual(expired);
        expect(await store.findUatByHash(revoked.hash)).toEqual({ ...revoked, revokedAt: T0 + MINUTE });
      });

      it("lists a user's UATs newest first, revoked and expired included, nobody else's", async () => {
        const oldest = uat({ createdAt: T0, expiresAt: T0 + HOUR, permissions: [] });
        const middle = uat({ createdAt: T0 + MINUTE });
        const newest = uat({ createdAt: T0 + 2 * MINUTE, name: 'deploy' });
        const foreign = uat({ userId: OTHER_USER, createdAt: T0 + 3 * MINUTE });
        for (const record of [middle, foreign, newest, oldest]) await store.insertUat(record);
        await store.revokeUat({ id: middle.id, userId: USER, now: T0 + HOUR, revocationExpiresAt: T0 + DAY });
        expect(await store.listUatsByUser(USER)).toEqual([
          newest,
          { ...middle, revokedAt: T0 + HOUR },
          oldest,
        ]);
        expect(await store.listUatsByUser(OTHER_USER)).toEqual([foreign]);
        expect(await store.listUatsByUser('nobody')).toEqual([]);
      });

      it("revokes the owner's UAT and records a uat revocation until revocationExpiresAt", async () => {
        const record = uat();
        await store.insertUat(record);
        expect(
          await store.revokeUat({
            id: record.id,
            userId: USER,
            now: T0 + HOUR,
            revocationExpiresAt: T0 + 90 * DAY,
          }),
        ).toBe(true);
        expect(await store.findUatByHash(record.hash)).toEqual({ ...record, revokedAt: T0 + HOUR });
        expect(await allRevocations()).toMatchObject([
          { kind: 'uat', id: record.id, revokedAt: T0 + HOUR, expiresAt: T0 + 90 * DAY },
        ]);
      });

      it("returns false for someone else's UAT and changes nothing", async () => {
        const record = uat({ userId: OTHER_USER });
        await store.insertUat(record);
        expect(
          await store.revokeUat({
            id: record.id,
            userId: USER,
            now: T0 + HOUR,
            revocationExpiresAt: T0 + DAY,
          }),
        ).toBe(false);
        expect(await store.findUatByHash(record.hash)).toEqual(record);
        expect(await store.listRevocations({ afterSeq: 0, now: T0 })).toEqual({ records: [], lastSeq: 0 });
      });

      it('returns false for an unknown id', async () => {
        await store.insertUat(uat());
        expect(
          await store.revokeUat({ id: newId(), userId: USER, now: T0 + HOUR, revocationExpiresAt: T0 + DAY }),
        ).toBe(false);
        expect(await allRevocations()).toEqual([]);
      });

      it('returns true and changes nothing when the UAT is already revoked', async () => {
        const record = uat();
        await store.insertUat(record);
        await store.revokeUat({
          id: record.id,
          userId: USER,
          now: T0 + MINUTE,
          revocationExpiresAt: T0 + DAY,
        });
        expect(
          await store.revokeUat({
            id: record.id,
            userId: USER,
            now: T0 + HOUR,
            revocationExpiresAt: T0 + 2 * DAY,
          }),
        ).toBe(true);
        expect(await store.findUatByHash(record.hash)).toEqual({ ...record, revokedAt: T0 + MINUTE });
        const revocations = await allRevocations();
        expect(revocations).toHaveLength(1);
        expect(revocations[0]).toMatchObject({ revokedAt: T0 + MINUTE, expiresAt: T0 + DAY });
      });

      it('records the last use of a UAT', async () => {
        const record = uat();
        const other = uat();
        await store.insertUat(record);
        await store.insertUat(other);
        await store.touchUat({ id: record.id, at: T0 + MINUTE });
        expect((await store.findUatByHash(record.hash))?.lastUsedAt).toBe(T0 + MINUTE);
        await store.touchUat({ id: record.id, at: T0 + HOUR });
        expect(await store.findUatByHash(record.hash)).toEqual({ ...record, lastUsedAt: T0 + HOUR });
        expect((await store.findUatByHash(other.hash))?.lastUsedAt).toBeNull();
        await expect(store.touchUat({ id: newId(), at: T0 })).resolves.toBeUndefined();
      });
    });

    describe('sessions', () => {
      it('stores a session and finds it by id, as it was created and not revoked', async () => {
        const record = session({
          kind: 'delegated',
          actor: { userId: 'admin-1', username: 'root@tollgate.local' },
          clientIp: '2001:db8::1',
          userAgent: 'curl/8.5.0',
          customData: 'ticket 4711: “printer” ünïcode ✓',
        });
        const bare = session({ kind: 'user_token', clientIp: null, userAgent: null });
        expect(await store.createSession(record)).toEqual({ ...record, revokedAt: null });
        await store.createSession(bare);
        expect(await store.findSession(record.id)).toEqual({ ...record, revokedAt: null });
        expect(await store.findSession(bare.id)).toEqual({ ...bare, revokedAt: null });
        expect(await store.findSession(newUuidv7(T0))).toBeNull();
      });

      it('rejects a second session with the same id, keeping the first', async () => {
        const record = session();
        await store.createSession(record);
        await expect(store.createSession({ ...record, userId: OTHER_USER })).rejects.toThrow();
        expect(await store.findSession(record.id)).toEqual({ ...record, revokedAt: null });
      });

      it('finds revoked and expired sessions as they are', async () => {
        const expired = session({ expiresAt: T0 + HOUR });
        const revoked = session();
        await store.createSession(expired);
        await store.createSession(revoked);
        await store.revokeSessions({
          userId: USER,
          ids: [revoked.id],
          now: T0 + MINUTE,
          revocationExpiresAt: T0 + DAY,
        });
        expect(await store.findSession(expired.id)).toEqual({ ...expired, revokedAt: null });
        expect(await store.findSession(revoked.id)).toEqual({ ...revoked, revokedAt: T0 + MINUTE });
      });

      it("lists the user's sessions live at now, newest first: not revoked, expiresAt > now, nobody else's", async () => {
        const now = T0 + HOUR;
        const oldest = session({ createdAt: T0 });
        const middle = session({ createdAt: T0 + MINUTE, kind: 'user_token' });
        const newest = session({ createdAt: T0 + 2 * MINUTE, kind: 'token_pair' });
        const expiresNow = session({ createdAt: T0 + 3 * MINUTE, expiresAt: now });
        const expiresJustAfter = session({ createdAt: T0 - MINUTE, expiresAt: now + 1 });
        const revoked = session({ createdAt: T0 + 4 * MINUTE });
        const foreign = session({ createdAt: T0 + 5 * MINUTE, userId: OTHER_USER });
        for (const record of [middle, foreign, expiresNow, newest, revoked, oldest, expiresJustAfter]) {
          await store.createSession(record);
        }
        await store.revokeSessions({
          userId: USER,
          ids: [revoked.id],
          now: T0,
          revocationExpiresAt: T0 + DAY,
        });
        const live = (record: Omit<SessionRecord, 'revokedAt'>): SessionRecord => ({
          ...record,
          revokedAt: null,
        });
        expect(await store.listSessionsByUser({ userId: USER, now })).toEqual([
          live(newest),
          live(middle),
          live(oldest),
          live(expiresJustAfter),
        ]);
        expect(await store.listSessionsByUser({ userId: OTHER_USER, now })).toEqual([live(foreign)]);
        expect(await store.listSessionsByUser({ userId: 'nobody', now })).toEqual([]);
      });

      it('records the last use of a session, only moving it forward', async () => {
        const record = session();
        const other = session();
        await store.createSession(record);
        await store.createSession(other);
        await store.touchSession({ id: record.id, at: T0 + HOUR });
        expect((await store.findSession(record.id))?.lastUsedAt).toBe(T0 + HOUR);
        // A touch that arrives late, with an older instant, changes nothing.
        await store.touchSession({ id: record.id, at: T0 + MINUTE });
        expect(await store.findSession(record.id)).toEqual({
          ...record,
          lastUsedAt: T0 + HOUR,
          revokedAt: null,
        });
        await store.touchSession({ id: record.id, at: T0 + 2 * HOUR });
        expect((await store.findSession(record.id))?.lastUsedAt).toBe(T0 + 2 * HOUR);
        expect((await store.findSession(other.id))?.lastUsedAt).toBe(T0);
        await expect(store.touchSession({ id: newUuidv7(T0), at: T0 })).resolves.toBeUndefined();
      });
    });

    describe('revokeSessions', () => {
      it("revokes only the user's live sessions among ids, each with its family and one session revocation", async () => {
        const now = T0 + HOUR;
        const pair = await sessionLogin();
        // Returned whole: the core's end-of-delegation event reads its customData from here.
        const single = session({
          kind: 'delegated',
          actor: { userId: 'admin-1', username: 'root@tollgate.local' },
          customData: 'ticket 99',
        });
        const untouched = await sessionLogin();
        const foreign = session({ userId: OTHER_USER });
        const expired = session({ expiresAt: now });
        const revokedBefore = session();
        for (const record of [single, foreign, expired, revokedBefore]) await store.createSession(record);
        await store.revokeSessions({
          userId: USER,
          ids: [revokedBefore.id],
          now: T0,
          revocationExpiresAt: T0 + DAY,
        });
        const before = await store.listRevocations({ afterSeq: 0, now: T0 });

        const revoked = await store.revokeSessions({
          userId: USER,
          ids: [pair.session.id, single.id, foreign.id, expired.id, revokedBefore.id, newUuidv7(T0)],
          now,
          revocationExpiresAt: now + 30 * DAY,
        });
        expect([...revoked].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(
          [
            { ...pair.session, revokedAt: now },
            { ...single, revokedAt: now },
          ].sort((a, b) => (a.id < b.id ? -1 : 1)),
        );
        const after = await store.listRevocations({ afterSeq: before.lastSeq, now });
        expect(after.records.map((r) => [r.kind, r.id, r.revokedAt, r.expiresAt]).sort()).toEqual(
          [
            ['session', pair.session.id, now, now + 30 * DAY],
            ['session', single.id, now, now + 30 * DAY],
          ].sort(),
        );

        // The family of the revoked session answers `revoked`; the untouched one still rotates.
        expect(await rotate(pair.token.hash, now + MINUTE)).toEqual({
          outcome: 'revoked',
          family: { ...pair.family, revokedAt: now },
        });
        expect((await rotate(untouched.token.hash, now + MINUTE)).outcome).toBe('rotated');
        expect(await store.findSession(foreign.id)).toEqual({ ...foreign, revokedAt: null });
        expect(await store.findSession(expired.id)).toEqual({ ...expired, revokedAt: null });
        expect(await store.findSession(revokedBefore.id)).toEqual({ ...revokedBefore, revokedAt: T0 });
        expect((await store.listSessionsByUser({ userId: USER, now })).map((s) => s.id)).toEqual([
          untouched.session.id,
        ]);
      });

      it('returns nothing and records nothing for no ids, or for ids that are all skipped', async () => {
        const foreign = session({ userId: OTHER_USER });
        await store.createSession(foreign);
        expect(
          await store.revokeSessions({ userId: USER, ids: [], now: T0, revocationExpiresAt: T0 + DAY }),
        ).toEqual([]);
        expect(
          await store.revokeSessions({
            userId: USER,
            ids: [foreign.id],
            now: T0,
            revocationExpiresAt: T0 + DAY,
          }),
        ).toEqual([]);
        expect(await store.listRevocations({ afterSeq: 0, now: T0 })).toEqual({ records: [], lastSeq: 0 });
      });

      it('revokes a session named twice once', async () => {
        const record = session();
        await store.createSession(record);
        const revoked = await store.revokeSessions({
          userId: USER,
          ids: [record.id, record.id],
          now: T0 + MINUTE,
          revocationExpiresAt: T0 + DAY,
        });
        expect(revoked).toEqual([{ ...record, revokedAt: T0 + MINUTE }]);
        expect(await allRevocations()).toHaveLength(1);
      });
    });

    describe('revokeUser', () => {
      it("revokes the user's live sessions, their families and UATs, recording one user revocation at now", async () => {
        const now = T0 + HOUR;
        const pair = await sessionLogin();
        const single = session({ kind: 'user_token' });
        const alreadyRevoked = session();
        const expired = session({ expiresAt: now });
        for (const record of [single, alreadyRevoked, expired]) await store.createSession(record);
        // A family from before sessions, with no session row.
        const legacy = await login();
        const token = uat();
        const revokedUat = uat();
        await store.insertUat(token);
        await store.insertUat(revokedUat);
        await store.revokeUat({ id: revokedUat.id, userId: USER, now: T0, revocationExpiresAt: T0 + DAY });
        await store.revokeSessions({
          userId: USER,
          ids: [alreadyRevoked.id],
          now: T0,
          revocationExpiresAt: T0 + DAY,
        });
        // Someone else's credentials.
        const otherPair = await sessionLogin({ userId: OTHER_USER });
        const otherUat = uat({ userId: OTHER_USER });
        await store.insertUat(otherUat);
        const { lastSeq } = await store.listRevocations({ afterSeq: 0, now: T0 });

        expect(await store.revokeUser({ userId: USER, now, revocationExpiresAt: now + 30 * DAY })).toEqual({
          sessions: 2,
          uats: 1,
        });

        const after = await store.listRevocations({ afterSeq: lastSeq, now });
        expect(after.records).toEqual([
          { seq: after.lastSeq, kind: 'user', id: USER, revokedAt: now, expiresAt: now + 30 * DAY },
        ]);
        expect(await store.findSession(pair.session.id)).toEqual({ ...pair.session, revokedAt: now });
        expect(await store.findSession(single.id)).toEqual({ ...single, revokedAt: now });
        expect(await store.findSession(alreadyRevoked.id)).toEqual({ ...alreadyRevoked, revokedAt: T0 });
        expect(await store.findSession(expired.id)).toEqual({ ...expired, revokedAt: null });
        expect(await store.listSessionsByUser({ userId: USER, now })).toEqual([]);
        expect(await rotate(pair.token.hash, now + MINUTE)).toEqual({
          outcome: 'revoked',
          family: { ...pair.family, revokedAt: now },
        });
        expect(await rotate(legacy.token.hash, now + MINUTE)).toEqual({
          outcome: 'revoked',
          family: { ...legacy.family, revokedAt: now },
        });
        expect(await store.findUatByHash(token.hash)).toEqual({ ...token, revokedAt: now });
        expect(await store.findUatByHash(revokedUat.hash)).toEqual({ ...revokedUat, revokedAt: T0 });

        expect(await store.findSession(otherPair.session.id)).toEqual({
          ...otherPair.session,
          revokedAt: null,
        });
        expect(await store.findUatByHash(otherUat.hash)).toEqual(otherUat);
        expect((await rotate(otherPair.token.hash, now + MINUTE)).outcome).toBe('rotated');
      });

      it('leaves sessions and families created after now alone: checked after it, as memory spares them', async () => {
        const now = T0 + HOUR;
        const before = await sessionLogin({ createdAt: now });
        const after = await sessionLogin({ createdAt: now + 1 });
        expect(await store.revokeUser({ userId: USER, now, revocationExpiresAt: now + DAY })).toEqual({
          sessions: 1,
          uats: 0,
        });
        expect(await store.findSession(before.session.id)).toEqual({ ...before.session, revokedAt: now });
        expect(await store.findSession(after.session.id)).toEqual({ ...after.session, revokedAt: null });
        expect((await rotate(before.token.hash, now + MINUTE)).outcome).toBe('revoked');
        expect((await rotate(after.token.hash, now + MINUTE)).outcome).toBe('rotated');
      });

      it('a session created afterwards but checked before it (createdAt <= now) is stored revoked by it', async () => {
        const now = T0 + HOUR;
        await store.revokeUser({ userId: USER, now, revocationExpiresAt: now + DAY });
        await store.revokeUser({ userId: USER, now: now - MINUTE, revocationExpiresAt: now + DAY });
        const checkedBefore = session({ createdAt: T0 });
        const checkedAt = session({ createdAt: now });
        const checkedAfter = session({ createdAt: now + 1 });
        const otherUser = session({ createdAt: T0, userId: OTHER_USER });
        // By the latest revocation it comes before.
        expect(await store.createSession(checkedBefore)).toEqual({ ...checkedBefore, revokedAt: now });
        expect(await store.createSession(checkedAt)).toEqual({ ...checkedAt, revokedAt: now });
        expect(await store.createSession(checkedAfter)).toEqual({ ...checkedAfter, revokedAt: null });
        expect(await store.createSession(otherUser)).toEqual({ ...otherUser, revokedAt: null });
        expect(await store.findSession(checkedBefore.id)).toEqual({ ...checkedBefore, revokedAt: now });
        expect((await store.listSessionsByUser({ userId: USER, now: now + 2 })).map((s) => s.id)).toEqual([
          checkedAfter.id,
        ]);
      });

      it('concurrent with sessions being created: every one checked before it ends up revoked', async () => {
        for (let round = 0; round < 10; round++) {
          const now = T0 + (round + 1) * HOUR;
          const racing = Array.from({ length: 6 }, () => session({ createdAt: now - MINUTE }));
          await Promise.all([
            ...racing.slice(0, 3).map((record) => store.createSession(record)),
            store.revokeUser({ userId: USER, now, revocationExpiresAt: now + DAY }),
            ...racing.slice(3).map((record) => store.createSession(record)),
          ]);
          for (const record of racing) {
            expect((await store.findSession(record.id))?.revokedAt, `round ${round}`).toBe(now);
          }
        }
      });

      it('a UAT whose creator was checked before it (creatorSince <= now) is refused, nothing stored', async () => {
        const now = T0 + HOUR;
        await store.revokeUser({ userId: USER, now, revocationExpiresAt: now + DAY });
        const { lastSeq } = await store.listRevocations({ afterSeq: 0, now: T0 });
        // Created after the revocation, by callers whose sessions started before, at and after it.
        const before = uat({ createdAt: now + MINUTE });
        const at = uat({ createdAt: now + MINUTE });
        const after = uat({ createdAt: now + MINUTE });
        const otherUser = uat({ createdAt: now + MINUTE, userId: OTHER_USER });
        const unchecked = uat({ createdAt: now + MINUTE });
        expect(await store.insertUat(before, { creatorSince: T0 })).toBe(false);
        expect(await store.insertUat(at, { creatorSince: now })).toBe(false);
        expect(await store.insertUat(after, { creatorSince: now + 1 })).toBe(true);
        expect(await store.insertUat(otherUser, { creatorSince: T0 })).toBe(true);
        expect(await store.insertUat(unchecked)).toBe(true);
        expect(await store.findUatByHash(before.hash)).toBeNull();
        expect(await store.findUatByHash(at.hash)).toBeNull();
        expect(await store.findUatByHash(after.hash)).toEqual(after);
        expect((await store.listUatsByUser(USER)).map((u) => u.id).sort()).toEqual(
          [after.id, unchecked.id].sort(),
        );
        // A refusal records nothing.
        expect((await store.listRevocations({ afterSeq: lastSeq, now: T0 })).records).toEqual([]);
      });

      it('concurrent with UATs being created: every one whose creator was checked before it is refused or revoked', async () => {
        for (let round = 0; round < 10; round++) {
          const now = T0 + (round + 1) * HOUR;
          // Created at `now` or after it, by callers whose sessions started a minute before it.
          const racing = Array.from({ length: 6 }, (_, i) => uat({ createdAt: now + (i % 2) }));
          const check = { creatorSince: now - MINUTE };
          const [first, , second] = await Promise.all([
            Promise.all(racing.slice(0, 3).map((record) => store.insertUat(record, check))),
            store.revokeUser({ userId: USER, now, revocationExpiresAt: now + DAY }),
            Promise.all(racing.slice(3).map((record) => store.insertUat(record, check))),
          ]);
          const stored = [...first, ...second];
          // Stored before the revocation and revoked by it, or refused after it: none is live.
          for (const [i, record] of racing.entries()) {
            const found = await store.findUatByHash(record.hash);
            expect(found !== null, `round ${round}, UAT ${i}: stored`).toBe(stored[i]);
            if (found !== null) expect(found.revokedAt, `round ${round}, UAT ${i}`).toBe(now);
          }
        }
      });

      it('records the user revocation even when the user has nothing live', async () => {
        expect(await store.revokeUser({ userId: USER, now: T0, revocationExpiresAt: T0 + DAY })).toEqual({
          sessions: 0,
          uats: 0,
        });
        expect(await allRevocations()).toMatchObject([
          { kind: 'user', id: USER, revokedAt: T0, expiresAt: T0 + DAY },
        ]);
      });

      it('records one user revocation per call, in seq order', async () => {
        await store.revokeUser({ userId: USER, now: T0, revocationExpiresAt: T0 + DAY });
        await store.revokeUser({ userId: USER, now: T0 + HOUR, revocationExpiresAt: T0 + 2 * DAY });
        const records = await allRevocations();
        expect(records.map((r) => [r.kind, r.id, r.revokedAt])).toEqual([
          ['user', USER, T0],
          ['user', USER, T0 + HOUR],
        ]);
        expect(records[1]!.seq).toBeGreaterThan(records[0]!.seq);
      });
    });

    describe('listRevocations', () => {
      it('is empty with lastSeq 0 on an empty store', async () => {
        expect(await store.listRevocations({ afterSeq: 0, now: T0 })).toEqual({ records: [], lastSeq: 0 });
      });

      it('lists revocations in seq order, strictly increasing in commit order, after afterSeq', async () => {
        const families = [await login(), await login(), await login()];
        const token = uat();
        await store.insertUat(token);
        const ids: string[] = [];
        for (const [i, { family, token: refresh }] of families.entries()) {
          await store.revokeRefreshFamilyByToken({
            hash: refresh.hash,
            now: T0 + i,
            revocationExpiresAt: T0 + DAY,
          });
          ids.push(family.id);
          if (i === 0) {
            await store.revokeUat({
              id: token.id,
              userId: USER,
              now: T0 + 10,
              revocationExpiresAt: T0 + DAY,
            });
            ids.push(token.id);
          }
        }
        const all = await store.listRevocations({ afterSeq: 0, now: T0 });
        expect(all.records.map((r) => r.id)).toEqual(ids);
        expect(all.records.map((r) => r.kind)).toEqual(['session', 'uat', 'session', 'session']);
        const seqs = all.records.map((r) => r.seq);
        for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
        expect(all.lastSeq).toBe(seqs.at(-1));

        const afterSecond = await store.listRevocations({ afterSeq: seqs[1]!, now: T0 });
        expect(afterSecond.records).toEqual(all.records.slice(2));
        expect(afterSecond.lastSeq).toBe(all.lastSeq);
        expect(await store.listRevocations({ afterSeq: all.lastSeq, now: T0 })).toEqual({
          records: [],
          lastSeq: all.lastSeq,
        });
      });

      it('leaves out revocations that have expired at now (expiresAt <= now), still counting them in lastSeq', async () => {
        const short = await login();
        const long = await login();
        await store.revokeRefreshFamilyByToken({
          hash: short.token.hash,
          now: T0,
          revocationExpiresAt: T0 + HOUR,
        });
        await store.revokeRefreshFamilyByToken({
          hash: long.token.hash,
          now: T0,
          revocationExpiresAt: T0 + DAY,
        });
        const before = await store.listRevocations({ afterSeq: 0, now: T0 + HOUR - 1 });
        expect(before.records.map((r) => r.id)).toEqual([short.family.id, long.family.id]);
        const at = await store.listRevocations({ afterSeq: 0, now: T0 + HOUR });
        expect(at.records.map((r) => r.id)).toEqual([long.family.id]);
        expect(at.lastSeq).toBe(before.lastSeq);
        expect(await store.listRevocations({ afterSeq: 0, now: T0 + DAY })).toEqual({
          records: [],
          lastSeq: before.lastSeq,
        });
      });

      it('never hands out a seq again, even after its revocation was purged', async () => {
        const a = await login({ absoluteExpiresAt: T0 + HOUR, tokenExpiresAt: T0 + HOUR });
        await store.revokeRefreshFamilyByToken({
          hash: a.token.hash,
          now: T0,
          revocationExpiresAt: T0 + HOUR,
        });
        const { lastSeq } = await store.listRevocations({ afterSeq: 0, now: T0 });
        while ((await store.purgeExpired({ now: T0 + DAY, limit: 100 })) > 0) {}
        expect((await store.listRevocations({ afterSeq: 0, now: T0 + DAY })).lastSeq).toBe(lastSeq);
        const b = await login({ createdAt: T0 + DAY });
        await store.revokeRefreshFamilyByToken({
          hash: b.token.hash,
          now: T0 + DAY,
          revocationExpiresAt: T0 + 2 * DAY,
        });
        const after = await store.listRevocations({ afterSeq: lastSeq, now: T0 + DAY });
        expect(after.records).toHaveLength(1);
        expect(after.records[0]?.seq).toBeGreaterThan(lastSeq);
        expect(after.lastSeq).toBe(after.records[0]?.seq);
      });
    });

    describe('purgeExpired', () => {
      it('deletes only expired rows, at most `limit` per call, until it returns 0', async () => {
        const now = T0 + DAY;
        // 4 expired families of one token each: 8 rows.
        for (let i = 0; i < 4; i++) await login({ absoluteExpiresAt: T0 + HOUR, tokenExpiresAt: T0 + HOUR });
        // 3 expired UATs, 2 of them revoked with revocations that expired too: 5 rows.
        const expiredUats = [
          uat({ expiresAt: T0 + HOUR }),
          uat({ expiresAt: T0 + HOUR }),
          uat({ expiresAt: T0 + 1 }),
        ];
        for (const record of expiredUats) await store.insertUat(record);
        for (const record of expiredUats.slice(0, 2)) {
          await store.revokeUat({ id: record.id, userId: USER, now: T0, revocationExpiresAt: T0 + HOUR });
        }
        const expiredRows = 8 + 5;

        // Live rows: an active family, a revoked one whose revocation is still in force, a UAT.
        const active = await login({ absoluteExpiresAt: T0 + 30 * DAY, tokenExpiresAt: T0 + 2 * DAY });
        const loggedOut = await login({ absoluteExpiresAt: T0 + 30 * DAY, tokenExpiresAt: T0 + 2 * DAY });
        await store.revokeRefreshFamilyByToken({
          hash: loggedOut.token.hash,
          now: T0,
          revocationExpiresAt: T0 + 30 * DAY,
        });
        const liveUat = uat({ expiresAt: T0 + 30 * DAY });
        await store.insertUat(liveUat);

        const batches: number[] = [];
        for (let guard = 0; guard < 20; guard++) {
          const deleted = await store.purgeExpired({ now, limit: 5 });
          batches.push(deleted);
          if (deleted === 0) break;
        }
        expect(batches[0]).toBe(5);
        for (const deleted of batches) expect(deleted).toBeLessThanOrEqual(5);
        expect(batches.at(-1)).toBe(0);
        expect(batches.reduce((a, b) => a + b, 0)).toBe(expiredRows);

        for (const record of expiredUats) expect(await store.findUatByHash(record.hash)).toBeNull();
        expect(await store.listUatsByUser(USER)).toEqual([liveUat]);
        expect((await allRevocations(T0)).map((r) => r.id)).toEqual([loggedOut.family.id]);
        expect((await rotate(loggedOut.token.hash, now)).outcome).toBe('revoked');
        expect((await rotate(active.token.hash, now)).outcome).toBe('rotated');
      });

      it('deletes a refresh token that expired before now even while its family lives', async () => {
        const { token } = await login({ absoluteExpiresAt: T0 + 30 * DAY, tokenExpiresAt: T0 + HOUR });
        expect(await store.purgeExpired({ now: T0 + DAY, limit: 10 })).toBe(1);
        expect(await rotate(token.hash, T0 + DAY)).toEqual({ outcome: 'not_found' });
      });

      it('keeps rows whose expiry is not before now', async () => {
        // "whose expiry is before `now`": a row expiring exactly at now stays one more round.
        const { token } = await login({ absoluteExpiresAt: T0 + HOUR, tokenExpiresAt: T0 + HOUR });
        const record = uat({ expiresAt: T0 + HOUR });
        await store.insertUat(record);
        await store.revokeUat({ id: record.id, userId: USER, now: T0, revocationExpiresAt: T0 + HOUR });
        expect(await store.purgeExpired({ now: T0 + HOUR, limit: 100 })).toBe(0);
        expect(await store.findUatByHash(record.hash)).not.toBeNull();
        expect(await rotate(token.hash, T0 + HOUR)).toEqual({ outcome: 'expired' });
        expect(await store.purgeExpired({ now: T0 + HOUR + 1, limit: 100 })).toBe(4);
      });

      it('deletes sessions that expired before now, bounded by limit, and keeps the others', async () => {
        const now = T0 + DAY;
        const expired = [
          session({ expiresAt: T0 + HOUR }),
          session({ expiresAt: now - 1 }),
          session({ expiresAt: T0 + 1, userId: OTHER_USER }),
        ];
        const atNow = session({ expiresAt: now });
        const live = session({ expiresAt: now + DAY });
        for (const record of [...expired, atNow, live]) await store.createSession(record);
        // A revoked session goes when it expires, not before.
        await store.revokeSessions({ userId: USER, ids: [live.id], now: T0, revocationExpiresAt: now + DAY });

        expect(await store.purgeExpired({ now, limit: 2 })).toBe(2);
        expect(await store.purgeExpired({ now, limit: 2 })).toBe(1);
        expect(await store.purgeExpired({ now, limit: 2 })).toBe(0);
        for (const record of expired) expect(await store.findSession(record.id)).toBeNull();
        expect(await store.findSession(atNow.id)).toEqual({ ...atNow, revokedAt: null });
        expect(await store.findSession(live.id)).toEqual({ ...live, revokedAt: T0 });
      });

      it('returns 0 on an empty store', async () => {
        expect(await store.purgeExpired({ now: T0, limit: 100 })).toBe(0);
      });
    });

    describe('close', () => {
      it('rejects calls after close rather than answering them (when the store has close)', async () => {
        if (!store.close) return;
        const { token } = await login();
        await store.close();
        await expect(rotate(token.hash, T0 + MINUTE)).rejects.toThrow();
        await expect(store.findUatByHash(newHash())).rejects.toThrow();
        await expect(store.listRevocations({ afterSeq: 0, now: T0 })).rejects.toThrow();
        await expect(store.findSession(newUuidv7(T0))).rejects.toThrow();
      });
    });
  });
}
