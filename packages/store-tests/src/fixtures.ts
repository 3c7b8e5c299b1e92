import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  createScryptPasswordHasher,
  type DirectorySeed,
  type PasswordHasher,
  type UatRecord,
} from '@tollgate/core';
import { demoData } from '@tollgate/core/testing';

/** 2026-01-01T00:00:00Z: every contract test counts time from here, never from the wall clock. */
export const T0 = Date.UTC(2026, 0, 1);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The demo data file, with `kind` checked (JSON imports type it as a plain string). */
export const demoSeed: DirectorySeed = demoData;

/** scrypt at N = 2^10: the real algorithm, fast enough to seed a directory in every test. */
export function createFastPasswordHasher(): PasswordHasher {
  return createScryptPasswordHasher({ logN: 10, r: 8, p: 1 });
}

export interface CountingPasswordHasher extends PasswordHasher {
  readonly calls: { hash: number; verify: number; verifyDummy: number };
  reset(): void;
}

/** A real hasher that counts its calls, to prove a directory does the same work for unknown users. */
export function countCalls(inner: PasswordHasher): CountingPasswordHasher {
  const calls = { hash: 0, verify: 0, verifyDummy: 0 };
  return {
    calls,
    reset() {
      calls.hash = 0;
      calls.verify = 0;
      calls.verifyDummy = 0;
    },
    hash(password) {
      calls.hash += 1;
      return inner.hash(password);
    },
    verify(password, encoded) {
      calls.verify += 1;
      return inner.verify(password, encoded);
    },
    verifyDummy(password) {
      calls.verifyDummy += 1;
      return inner.verifyDummy(password);
    },
  };
}

/** A fresh opaque token value, as the core would issue it. */
export function newTokenValue(prefix = 'tg_'): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** What the core hands a store: SHA-256 of the token value, base64url. */
export function hashToken(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** A hash of a fresh token value. */
export function newHash(): string {
  return hashToken(newTokenValue());
}

export function newId(): string {
  return randomUUID();
}

/** A UAT record as the core hands it to `insertUat`: user-1's, valid 90 days from T0, unused. */
export function newUatRecord(overrides: Partial<UatRecord> = {}): UatRecord {
  return {
    id: newId(),
    userId: 'user-1',
    name: 'ci',
    hash: newHash(),
    prefix: 'tgu_abcd',
    permissions: [],
    createdAt: T0,
    expiresAt: T0 + 90 * DAY,
    revokedAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}

/** A UUIDv7 whose first 48 bits are `ms` (session and audit event ids are these). */
export function newUuidv7(ms: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Math.floor(ms), 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
