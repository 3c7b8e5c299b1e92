// The memory token store's state and the steps its methods share: one object, so the store's
// methods can live in more than one file.
import type {
  NewRefreshToken,
  RefreshFamilyRecord,
  RefreshTokenRecord,
  RevocationKind,
  RevocationRecord,
  SessionRecord,
  UatRecord,
} from '../ports.js';

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type StoredUat = Mutable<UatRecord> & { readonly order: number };

export interface MemoryState {
  readonly families: Map<string, Mutable<RefreshFamilyRecord>>;
  readonly tokens: Map<string, Mutable<RefreshTokenRecord>>;
  readonly uats: Map<string, StoredUat>;
  readonly uatIdByHash: Map<string, string>;
  readonly sessions: Map<string, Mutable<SessionRecord>>;
  /** Kept in seq order; Map iteration follows insertion order. */
  readonly revocations: Map<number, RevocationRecord>;
  lastSeq: number;
  uatOrder: number;
  closed: boolean;
}

export function createMemoryState(): MemoryState {
  return {
    families: new Map(),
    tokens: new Map(),
    uats: new Map(),
    uatIdByHash: new Map(),
    sessions: new Map(),
    revocations: new Map(),
    lastSeq: 0,
    uatOrder: 0,
    closed: false,
  };
}

export function ensureOpen(state: MemoryState): void {
  if (state.closed) throw new Error('The memory token store is closed');
}

export function recordRevocation(
  state: MemoryState,
  kind: RevocationKind,
  id: string,
  revokedAt: number,
  expiresAt: number,
): void {
  state.lastSeq += 1;
  state.revocations.set(state.lastSeq, Object.freeze({ seq: state.lastSeq, kind, id, revokedAt, expiresAt }));
}

/** The latest `user` revocation of `userId` at or after `since`, or null when none is recorded. */
export function userRevokedSince(state: MemoryState, userId: string, since: number): number | null {
  let latest: number | null = null;
  for (const revocation of state.revocations.values()) {
    if (revocation.kind !== 'user' || revocation.id !== userId || revocation.revokedAt < since) continue;
    latest = Math.max(latest ?? 0, revocation.revokedAt);
  }
  return latest;
}

/**
 * Revokes the session `id` and its refresh family (same id), whichever exist and are not revoked
 * yet, recording one `session` revocation when either changed. Returns whether anything changed.
 */
export function revokeSession(state: MemoryState, id: string, now: number, expiresAt: number): boolean {
  let changed = false;
  const family = state.families.get(id);
  if (family && family.revokedAt === null) {
    family.revokedAt = now;
    changed = true;
  }
  const session = state.sessions.get(id);
  if (session && session.revokedAt === null) {
    session.revokedAt = now;
    changed = true;
  }
  if (changed) recordRevocation(state, 'session', id, now, expiresAt);
  return changed;
}

export const isLiveSession = (session: SessionRecord, now: number): boolean =>
  session.revokedAt === null && session.expiresAt > now;
export const copySession = (session: SessionRecord): SessionRecord =>
  Object.freeze({ ...session, actor: session.actor === null ? null : Object.freeze({ ...session.actor }) });
export const newestFirst = (a: SessionRecord, b: SessionRecord): number =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export const copyFamily = (family: RefreshFamilyRecord): RefreshFamilyRecord => Object.freeze({ ...family });
export const copyUat = ({ order: _order, ...uat }: StoredUat): UatRecord =>
  Object.freeze({ ...uat, permissions: Object.freeze([...uat.permissions]) });

export function storeToken(
  state: MemoryState,
  familyId: string,
  generation: number,
  token: NewRefreshToken,
): RefreshTokenRecord {
  const record: RefreshTokenRecord = {
    hash: token.hash,
    familyId,
    generation,
    issuedAt: token.issuedAt,
    expiresAt: token.expiresAt,
    rotatedAt: null,
  };
  state.tokens.set(token.hash, { ...record });
  return Object.freeze(record);
}
