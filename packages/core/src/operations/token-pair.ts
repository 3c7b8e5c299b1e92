import { z } from 'zod';
import { MAX_CREDENTIAL_LENGTH } from '../credentials/authorization.js';
import { TollgateError } from '../errors.js';
import { fromStore } from '../store-errors.js';
import {
  generateRefreshToken,
  hashOpaqueToken,
  isWellFormedRefreshToken,
  UAT_PREFIX,
} from '../tokens/opaque.js';
import type { UserRecord } from '../types.js';
import { activeUser, familyRevocationExpiry, type OperationContext } from './context.js';
import { parseInput } from './input.js';
import { signAccessToken } from './issue.js';
import type { PasswordLogin } from './login.js';
import { auditLoginSucceeded, signInWithPassword, startSession } from './sessions.js';

export const RefreshTokenInput = z.object({ refreshToken: z.string().min(1).max(MAX_CREDENTIAL_LENGTH) });

export interface TokenPairResult {
  readonly customerId: string;
  readonly token: string;
  readonly refreshToken: string;
  /** Seconds the access token is valid. */
  readonly validityTime: number;
  readonly expiresAt: Date;
  readonly refreshTokenExpiresAt: Date;
}

/** Scheme C: an access token and a rotating refresh token (seed `token-pair.txt`). */
export interface TokenPairOperations {
  /** Password login to an access token and a rotating refresh token. */
  login(input: PasswordLogin): Promise<TokenPairResult>;
  /**
   * Rotates a refresh token. A reused one revokes its whole family (its session), unless it is
   * presented again within the reuse interval of its rotation (a retry): then it gets a new pair too,
   * and the family keeps exactly one live refresh token.
   */
  refresh(input: z.input<typeof RefreshTokenInput>): Promise<TokenPairResult>;
  /** Logout: revokes the family of a refresh token. False for an unknown token. */
  revoke(input: z.input<typeof RefreshTokenInput>): Promise<boolean>;
}

export function createTokenPairOperations(context: OperationContext): TokenPairOperations {
  const { store, clock, lifetimes, revocations } = context;

  const pair = async (
    user: UserRecord,
    familyId: string,
    refreshToken: string,
    refreshExpiresAt: number,
    sessionEndsAt: number,
  ): Promise<TokenPairResult> => {
    const access = await signAccessToken(context, user, familyId, sessionEndsAt);
    return {
      customerId: user.customerId,
      token: access.token,
      refreshToken,
      validityTime: access.validitySeconds,
      expiresAt: access.expiresAt,
      refreshTokenExpiresAt: new Date(refreshExpiresAt),
    };
  };

  return {
    login: (credentials) =>
      signInWithPassword(context, credentials, async (user, start) => {
        const now = clock.now();
        const absoluteExpiresAt = now + lifetimes.session * 1000;
        // The family's id is its session's.
        const familyId = await startSession(context, {
          start,
          user,
          kind: 'token_pair',
          actor: null,
          expiresAt: absoluteExpiresAt,
          client: credentials,
        });
        const refreshToken = generateRefreshToken();
        const refreshExpiresAt = Math.min(now + lifetimes.refreshToken * 1000, absoluteExpiresAt);
        await fromStore(() =>
          store.createRefreshFamily({
            // Created with its session: a user revocation takes both or neither.
            family: { id: familyId, userId: user.id, createdAt: start.createdAt, absoluteExpiresAt },
            token: { hash: hashOpaqueToken(refreshToken), issuedAt: now, expiresAt: refreshExpiresAt },
          }),
        );
        auditLoginSucceeded(context, credentials, {
          userId: user.id,
          sessionId: familyId,
          scheme: 'token_pair',
        });
        return pair(user, familyId, refreshToken, refreshExpiresAt, absoluteExpiresAt);
      }),

    async refresh(input) {
      const { refreshToken } = parseInput(RefreshTokenInput, input);
      if (!isWellFormedRefreshToken(refreshToken)) {
        const otherKind = refreshToken.startsWith(UAT_PREFIX) || refreshToken.includes('.');
        throw new TollgateError(otherKind ? 'wrong_token_kind' : 'invalid_token');
      }
      const now = clock.now();
      const next = generateRefreshToken();
      const revocationExpiresAt = familyRevocationExpiry(context, now);
      const result = await fromStore(() =>
        store.rotateRefreshToken({
          presentedHash: hashOpaqueToken(refreshToken),
          next: {
            hash: hashOpaqueToken(next),
            issuedAt: now,
            expiresAt: now + lifetimes.refreshToken * 1000,
          },
          now,
          revocationExpiresAt,
          reuseIntervalMs: context.reuseIntervalMs,
        }),
      );
      switch (result.outcome) {
        case 'not_found':
          throw new TollgateError('invalid_token');
        case 'expired':
          throw new TollgateError('token_expired');
        case 'revoked':
          revocations.note('family', result.family.id, revocationExpiresAt);
          throw new TollgateError('token_revoked');
        case 'reused': {
          revocations.publish('session', result.family.id, revocationExpiresAt);
          const subject = { userId: result.family.userId, sessionId: result.family.id };
          context.audit.emit('refresh.reuse_detected', subject, {});
          throw new TollgateError('refresh_token_reused');
        }
        case 'rotated': {
          const { family } = result;
          // A revoked session or user (disabled, password changed) has its family revoked in the same
          // store transaction: the rotation above refused it already, with or without Redis.
          const user = await activeUser(context.users, family.userId);
          context.touches.note(family.id, now);
          const subject = { userId: user.id, sessionId: family.id };
          context.audit.emit('token.refreshed', subject, { tokenKind: 'access', retry: result.retried });
          return pair(user, family.id, next, result.next.expiresAt, family.absoluteExpiresAt);
        }
      }
    },

    async revoke(input) {
      const { refreshToken } = parseInput(RefreshTokenInput, input);
      if (!isWellFormedRefreshToken(refreshToken)) return false;
      const now = clock.now();
      const revocationExpiresAt = familyRevocationExpiry(context, now);
      const familyId = await fromStore(() =>
        store.revokeRefreshFamilyByToken({ hash: hashOpaqueToken(refreshToken), now, revocationExpiresAt }),
      );
      if (familyId === null) return false;
      revocations.publish('session', familyId, revocationExpiresAt);
      context.audit.emit('session.revoked', { sessionId: familyId }, { by: 'user' });
      return true;
    },
  };
}
