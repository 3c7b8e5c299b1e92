import { createScryptPasswordHasher, type PasswordHasher } from '../operations/password-hashing.js';
import { decideRotation } from '../operations/rotation.js';
import {
  type DirectorySeed,
  type NewRefreshToken,
  type RefreshFamilyRecord,
  type RefreshTokenRecord,
  type RevocationKind,
  type RevocationRecord,
  type RotateRefreshTokenResult,
  type TokenStore,
  type UatRecord,
  type UserDirectory,
  usernameKey,
} from '../ports.js';
import type { Environment, UserRecord } from '../types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * An in-process `TokenStore` for unit tests and single-process demos. Nothing survives a restart.
 *
 * Every method does all its work synchronously before its promise settles, so no other call can
 * interleave with it: each method is atomic, and concurrent rotations of one token have one winner.
 */
export function createMemoryTokenStore(): TokenStore {
  const families = new Map<string, Mutable<RefreshFamilyRecord>>();
  const tokens = new Map<string, Mutable<RefreshTokenRecord>>();
  const uats = new Map<string, Mutable<UatRecord> & { readonly order: number }>();
  const uatIdByHash = new Map<string, string>();
  // Kept in seq order; Map iteration follows insertion order.
  const revocations = new Map<number, RevocationRecord>();
  let lastSeq = 0;
  let uatOrder = 0;
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new Error('The memory token store is closed');
  };

  const recordRevocation = (kind: RevocationKind, id: string, revokedAt: number, expiresAt: number): void => {
    lastSeq += 1;
    revocations.set(lastSeq, Object.freeze({ seq: lastSeq, kind, id, revokedAt, expiresAt }));
  };

  const revokeFamily = (family: Mutable<RefreshFamilyRecord>, now: number, expiresAt: number): void => {
    if (family.revokedAt !== null) return;
    family.revokedAt = now;
    recordRevocation('family', family.id, now, expiresAt);
  };

  const copyFamily = (family: RefreshFamilyRecord): RefreshFamilyRecord => Object.freeze({ ...family });
  const copyUat = ({ order: _order, ...uat }: Mutable<UatRecord> & { readonly order: number }): UatRecord =>
    Object.freeze({ ...uat, permissions: Object.freeze([...uat.permissions]) });

  const storeToken = (familyId: string, generation: number, token: NewRefreshToken): RefreshTokenRecord => {
    const record: RefreshTokenRecord = {
      hash: token.hash,
      familyId,
      generation,
      issuedAt: token.issuedAt,
      expiresAt: token.expiresAt,
      rotatedAt: null,
    };
    tokens.set(token.hash, { ...record });
    return Object.freeze(record);
  };

  return {
    async createRefreshFamily({ family, token }) {
      ensureOpen();
      // Check every constraint before the first write, so a refusal leaves nothing behind.
      if (families.has(family.id)) throw new Error('A refresh family with this id already exists');
      if (tokens.has(token.hash)) throw new Error('A refresh token with this hash already exists');
      families.set(family.id, {
        id: family.id,
        userId: family.userId,
        createdAt: family.createdAt,
        absoluteExpiresAt: family.absoluteExpiresAt,
        revokedAt: null,
      });
      storeToken(family.id, 0, token);
    },

    async rotateRefreshToken({
      presentedHash,
      next,
      now,
      revocationExpiresAt,
    }): Promise<RotateRefreshTokenResult> {
      ensureOpen();
      const token = tokens.get(presentedHash);
      const family = token && families.get(token.familyId);
      if (!token || !family) return { outcome: 'not_found' };
      const decision = decideRotation({ token, family, now, nextExpiresAt: next.expiresAt });
      switch (decision.action) {
        case 'not_found':
        case 'expired':
          return { outcome: decision.action };
        case 'revoked':
          return { outcome: 'revoked', family: copyFamily(family) };
        case 'reused':
          revokeFamily(family, now, revocationExpiresAt);
          return { outcome: 'reused', family: copyFamily(family) };
      }
      if (tokens.has(next.hash)) throw new Error('A refresh token with this hash already exists');
      token.rotatedAt = now;
      const stored = storeToken(family.id, token.generation + 1, {
        hash: next.hash,
        issuedAt: next.issuedAt,
        expiresAt: decision.nextExpiresAt,
      });
      return { outcome: 'rotated', family: copyFamily(family), next: stored };
    },

    async revokeRefreshFamilyByToken({ hash, now, revocationExpiresAt }) {
      ensureOpen();
      const token = tokens.get(hash);
      const family = token && families.get(token.familyId);
      if (!family) return null;
      revokeFamily(family, now, revocationExpiresAt);
      return family.id;
    },

    async insertUat(record) {
      ensureOpen();
      if (uats.has(record.id)) throw new Error('A UAT with this id already exists');
      if (uatIdByHash.has(record.hash)) throw new Error('A UAT with this hash already exists');
      uatOrder += 1;
      uats.set(record.id, { ...record, permissions: [...record.permissions], order: uatOrder });
      uatIdByHash.set(record.hash, record.id);
    },

    async findUatByHash(hash) {
      ensureOpen();
      const id = uatIdByHash.get(hash);
      const uat = id === undefined ? undefined : uats.get(id);
      return uat ? copyUat(uat) : null;
    },

    async listUatsByUser(userId) {
      ensureOpen();
      return [...uats.values()]
        .filter((uat) => uat.userId === userId)
        .sort((a, b) => b.createdAt - a.createdAt || b.order - a.order)
        .map(copyUat);
    },

    async revokeUat({ id, userId, now, revocationExpiresAt }) {
      ensureOpen();
      const uat = uats.get(id);
      if (!uat || uat.userId !== userId) return false;
      if (uat.revokedAt === null) {
        uat.revokedAt = now;
        recordRevocation('uat', id, now, revocationExpiresAt);
      }
      return true;
    },

    async touchUat({ id, at }) {
      ensureOpen();
      const uat = uats.get(id);
      // Last use only moves forward, whatever order concurrent touches arrive in.
      if (uat && (uat.lastUsedAt === null || uat.lastUsedAt < at)) uat.lastUsedAt = at;
    },

    async listRevocations({ afterSeq, now }) {
      ensureOpen();
      const records = [...revocations.values()].filter((r) => r.seq > afterSeq && r.expiresAt > now);
      return { records, lastSeq };
    },

    async purgeExpired({ now, limit }) {
      ensureOpen();
      let deleted = 0;
      const room = (): boolean => deleted < limit;
      // Tokens before families, the same order a relational store needs for its foreign keys.
      for (const [hash, token] of tokens) {
        if (!room()) break;
        const family = families.get(token.familyId);
        if (token.expiresAt < now || (family !== undefined && family.absoluteExpiresAt < now)) {
          tokens.delete(hash);
          deleted += 1;
        }
      }
      if (room()) {
        const withTokens = new Set<string>();
        for (const token of tokens.values()) withTokens.add(token.familyId);
        for (const [id, family] of families) {
          if (!room()) break;
          if (family.absoluteExpiresAt < now && !withTokens.has(id)) {
            families.delete(id);
            deleted += 1;
          }
        }
      }
      for (const [id, uat] of uats) {
        if (!room()) break;
        if (uat.expiresAt < now) {
          uats.delete(id);
          uatIdByHash.delete(uat.hash);
          deleted += 1;
        }
      }
      for (const [seq, revocation] of revocations) {
        if (!room()) break;
        if (revocation.expiresAt < now) {
          revocations.delete(seq);
          deleted += 1;
        }
      }
      return deleted;
    },

    async close() {
      closed = true;
    },
  };
}

export interface MemoryUserDirectoryOptions {
  /** Hashes the seed's passwords and verifies logins; scrypt with OWASP parameters by default. */
  readonly passwordHasher?: PasswordHasher;
}

/**
 * An in-process, read-only `UserDirectory` built from a seed (the demo data file has its shape).
 * The seed's plaintext passwords are hashed once here and then forgotten.
 */
export async function createMemoryUserDirectory(
  seed: DirectorySeed,
  options: MemoryUserDirectoryOptions = {},
): Promise<UserDirectory> {
  const hasher = options.passwordHasher ?? createScryptPasswordHasher();
  const organisations = new Map(seed.organisations.map((o) => [o.id, o]));
  const byId = new Map<string, { readonly user: UserRecord; readonly passwordHash: string }>();
  const idByUsername = new Map<string, string>();

  for (const entry of seed.users) {
    const organisation = organisations.get(entry.organisationId);
    if (!organisation) throw new Error(`User ${entry.id} names an unknown organisation`);
    const key = usernameKey(entry.username);
    if (byId.has(entry.id) || idByUsername.has(key)) throw new Error(`User ${entry.id} is not unique`);
    const user: UserRecord = Object.freeze({
      id: entry.id,
      username: entry.username,
      email: entry.email,
      kind: entry.kind,
      customerId: organisation.id,
      domain: organisation.domain,
      roles: Object.freeze([...entry.roles]),
      permissions: Object.freeze([...entry.permissions]),
      environments: Object.freeze([...entry.environments]),
      disabled: false,
    });
    byId.set(entry.id, { user, passwordHash: await hasher.hash(entry.password) });
    idByUsername.set(key, entry.id);
  }
  const environments: readonly Environment[] = Object.freeze(
    seed.environments.map((e) => Object.freeze({ id: e.id, name: e.name })),
  );
  const permissions: readonly string[] = Object.freeze([...seed.permissions]);

  const byUsername = (username: string) => {
    const id = idByUsername.get(usernameKey(username));
    return id === undefined ? undefined : byId.get(id);
  };

  return {
    async findUserById(id) {
      return byId.get(id)?.user ?? null;
    },
    async findUserByUsername(username) {
      return byUsername(username)?.user ?? null;
    },
    async verifyPassword(username, password) {
      const entry = byUsername(username);
      // An unknown or disabled user costs one hash verification too, so timing tells nothing.
      if (!entry || entry.user.disabled) {
        await hasher.verifyDummy(password);
        return null;
      }
      return (await hasher.verify(password, entry.passwordHash)) ? entry.user : null;
    },
    async listEnvironments() {
      return environments;
    },
    async listPermissions() {
      return permissions;
    },
  };
}
