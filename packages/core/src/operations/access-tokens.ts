import type { OperationContext } from './context.js';
import { signAccessToken } from './issue.js';
import type { PasswordLogin } from './login.js';
import { auditLoginSucceeded, signInWithPassword, startSession } from './sessions.js';

export interface AccessTokenResult {
  readonly token: string;
  readonly expiresAt: Date;
}

/** Scheme D's JWT login (seed `uat-and-jwt.txt`). */
export interface AccessTokenOperations {
  /**
   * Password login to an access token carrying all the user's rights (`Authorization: JWT`), in a
   * session of its own (kind `jwt_login`, as long as the token) that can be listed and revoked.
   */
  login(input: PasswordLogin): Promise<AccessTokenResult>;
}

export function createAccessTokenOperations(context: OperationContext): AccessTokenOperations {
  return {
    login: (credentials) =>
      signInWithPassword(context, credentials, async (user, start) => {
        const now = context.clock.now();
        // The session ends with its one token (whole seconds, as the token's `exp`).
        const expiresAt = (Math.floor(now / 1000) + context.lifetimes.accessToken) * 1000;
        const sessionId = await startSession(context, {
          start,
          user,
          kind: 'jwt_login',
          actor: null,
          expiresAt,
          client: credentials,
        });
        const { token, expiresAt: tokenExpiresAt } = await signAccessToken(context, user, sessionId);
        auditLoginSucceeded(context, credentials, {
          userId: user.id,
          sessionId,
          scheme: 'jwt_login',
        });
        return { token, expiresAt: tokenExpiresAt };
      }),
  };
}
