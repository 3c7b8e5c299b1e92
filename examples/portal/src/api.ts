// Everything the portal asks the server, all through @tollgate/client (no fetch of its own).
import {
  type AnySession,
  type CookieSession,
  type CreatedUat,
  type CurrentEnvironment,
  createLocalStorage,
  createTollgateClient,
  type Environment,
  isTollgateClientError,
  type Me,
  type SessionSummary,
  type TollgateClient,
  type UatSummary,
  type UserTokenSession,
} from '@tollgate/client';

/** How the page signs in: scheme D (JWT login) or scheme A (user token, with environments). */
export type SignInMethod = 'jwt' | 'user';

/**
 * Sessions the portal works with: a token one this tab keeps, or the server's HttpOnly session cookie
 * (an administrator's sign-in link); a UAT session (scheme D, `Authorization: UAT`) is not one.
 */
export type PortalSession = Exclude<AnySession, { readonly scheme: 'uat' }> | CookieSession;

export interface Portal {
  /**
   * The session this tab kept (sessionStorage) or, when there is none, the one the server's HttpOnly
   * session cookie may carry: nothing is asked yet (`me` tells; `credentials_missing`: no cookie).
   */
  resume(): Promise<PortalSession>;
  signIn(method: SignInMethod, email: string, password: string): Promise<PortalSession>;
  me(session: PortalSession): Promise<Me>;
  listTokens(session: PortalSession): Promise<UatSummary[]>;
  createToken(
    session: PortalSession,
    input: { name: string; expiresAt: string; permissions: readonly string[] },
  ): Promise<CreatedUat>;
  revokeToken(session: PortalSession, id: string): Promise<void>;
  environments(session: UserTokenSession): Promise<Environment[]>;
  /** `GET /Environment/current`; null for a token without an environment (`environment_required`). */
  currentEnvironment(session: UserTokenSession): Promise<CurrentEnvironment | null>;
  switchEnvironment(session: UserTokenSession, environment: string): Promise<void>;
  /** `GET /api/v2/sessions/`: the user's live sessions, newest first, this one marked `current`. */
  listSessions(session: PortalSession): Promise<SessionSummary[]>;
  /** `DELETE /api/v2/sessions/{id}/`: another session of the user ends at once. */
  endSession(session: PortalSession, id: string): Promise<void>;
  /** `POST /api/v2/sessions/revoke-others/`: every other session ends; how many did. */
  endOtherSessions(session: PortalSession): Promise<number>;
  /**
   * Signing out: `DELETE /api/v2/sessions/current/` ends this session on the server (for a cookie
   * session the answer clears the cookie), then here. A session the server already ended is
   * forgotten here; a token session is forgotten whatever the refusal. A cookie session that could
   * not be ended throws: its cookie is still there.
   */
  endThisSession(session: PortalSession): Promise<void>;
  /** Forgets the session here only (its token leaves sessionStorage), after the server refused it. */
  forget(session: PortalSession): Promise<void>;
}

/** The key of this tab's session in sessionStorage (gone when the tab closes; never a cookie). */
export const SESSION_KEY = 'tollgate.portal.session';

export function createPortal(options: { baseUrl: string; storage: Storage }): Portal {
  const client: TollgateClient = createTollgateClient({
    baseUrl: options.baseUrl,
    storage: createLocalStorage({ key: SESSION_KEY, storage: options.storage }),
    // A token session sends no cookie: beside a stale session cookie (a delegated session ended
    // elsewhere) the server would refuse its token as `ambiguous_credentials`.
    credentials: 'omit',
  });
  // A cookie session keeps nothing here; the cookie it may leave is refused by the server anyway.
  const forget = async (session: PortalSession) => {
    if (session.scheme !== 'cookie') await session.logout();
  };
  return {
    async resume() {
      const session = await client.resume();
      if (session?.scheme === 'uat') await session.logout();
      else if (session !== null) return session;
      return client.delegatedLogin.cookieSession();
    },
    signIn(method, email, password) {
      return method === 'jwt'
        ? client.uatJwt.login({ email, password })
        : client.userTokens.login({ username: email, password });
    },
    me: (session) => client.uatJwt.me(session),
    listTokens: (session) => client.uatJwt.listTokens(session),
    createToken: (session, input) => client.uatJwt.createToken(session, input),
    revokeToken: (session, id) => client.uatJwt.revokeToken(session, id),
    environments: (session) => session.environments(),
    async currentEnvironment(session) {
      try {
        return await session.currentEnvironment();
      } catch (error) {
        if (isTollgateClientError(error) && error.code === 'environment_required') return null;
        throw error;
      }
    },
    async switchEnvironment(session, environment) {
      await session.switchEnvironment(environment);
    },
    listSessions: (session) => client.sessions.list(session),
    endSession: (session, id) => client.sessions.revoke(session, id),
    endOtherSessions: (session) => client.sessions.revokeOthers(session),
    async endThisSession(session) {
      try {
        await client.sessions.revokeCurrent(session);
      } catch (error) {
        if (session.scheme === 'cookie' && !needsSignIn(error)) throw error;
        await forget(session);
      }
    },
    forget,
  };
}

/** What the sign-in form says after a session could not be resumed: nothing when there was none. */
export function resumeFailure(error: unknown): string {
  return isTollgateClientError(error) && error.code === 'credentials_missing' ? '' : describeError(error);
}

export function isUserTokenSession(session: PortalSession): session is UserTokenSession {
  return session.scheme === 'user';
}

/** True when the error means "sign in again" (the session ended or its token expired). */
export function needsSignIn(error: unknown): boolean {
  return (
    isTollgateClientError(error) &&
    (error.code === 'session_ended' ||
      error.code === 'token_expired' ||
      error.code === 'token_revoked' ||
      error.code === 'session_expired' ||
      error.code === 'credentials_missing')
  );
}

/** A sentence for a person, from any error the client raises. */
export function describeError(error: unknown): string {
  if (!isTollgateClientError(error)) {
    return error instanceof TypeError
      ? 'The server cannot be reached. Check your connection and try again.'
      : 'Something went wrong. Try again.';
  }
  switch (error.code) {
    case 'invalid_credentials':
      return 'Wrong email or password.';
    case 'administrator_not_allowed':
      return 'Administrator accounts cannot sign in with a user token: choose “Email and password”.';
    case 'rate_limited':
      return error.retryAfterSeconds === undefined
        ? 'Too many attempts. Wait a moment and try again.'
        : `Too many attempts. Try again in ${error.retryAfterSeconds} seconds.`;
    case 'session_ended':
    case 'token_expired':
    case 'token_revoked':
    case 'session_expired':
      return 'Your session has ended. Sign in again.';
    case 'store_unavailable':
      return 'The service is unavailable for a moment. Try again shortly.';
    case 'insufficient_permission':
      return 'You do not hold one of the permissions you chose.';
    case 'role_required':
      return 'Only company administrators can manage tokens.';
    case 'delegated_token_not_allowed':
      return 'A session opened by an administrator cannot manage tokens.';
    case 'environment_not_allowed':
      return 'You may not use that environment.';
    default:
      return error.message;
  }
}
