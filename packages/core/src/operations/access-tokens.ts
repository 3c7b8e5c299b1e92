import type { OperationContext } from './context.js';
import { signAccessToken } from './issue.js';
import type { PasswordLogin } from './login.js';

export interface AccessTokenResult {
  readonly token: string;
  readonly expiresAt: Date;
}

/** Scheme D's JWT login (seed `uat-and-jwt.txt`). */
export interface AccessTokenOperations {
  /** Password login to an access token carrying all the user's rights (`Authorization: JWT`). */
  login(input: PasswordLogin): Promise<AccessTokenResult>;
}

export function createAccessTokenOperations(context: OperationContext): AccessTokenOperations {
  return {
    async login(credentials) {
      const user = await context.login(credentials);
      const { token, expiresAt } = await signAccessToken(context, user, null);
      return { token, expiresAt };
    },
  };
}
