import {
  type AnySession,
  CookieSession,
  cookieState,
  DelegatedSession,
  firstPair,
  JwtSession,
  type Session,
  type SessionContext,
  sessionFor,
  TokenPairSession,
  tokenPairState,
  UatSession,
  UserTokenSession,
  userTokenState,
} from './session.js';
import {
  type AdminClient,
  makeAdminClient,
  makeSessionsClient,
  type SessionsClient,
} from './sessions-client.js';
import { isSessionState, jwtExpiry } from './state.js';
import { createMemoryStorage, type TokenStorage } from './storage.js';
import { type ClientConfig, type ConfigOptions, call, resolveConfig } from './transport.js';
import type {
  CreatedUat,
  Environment,
  Me,
  TokenPair,
  TokenPairEnvelope,
  UatSummary,
  UserTokenResponse,
} from './types.js';

export interface TollgateClientOptions extends ConfigOptions {
  /**
   * Where password logins and `resume()` keep the session. Default: in memory. Sessions made for
   * someone else (`userTokens.issue`, `delegatedLogin.login`) get their own memory storage unless
   * given one: one storage holds one session.
   */
  readonly storage?: TokenStorage;
}

export interface SessionOptions {
  /** Overrides the client's storage for this session. */
  readonly storage?: TokenStorage;
}

/** An administrator's access token, or a session whose token is one (a token-pair or JWT login). */
export type AdminCredential = string | Session;

interface Part {
  readonly config: ClientConfig;
  readonly storage: TokenStorage;
}

function part(options: TollgateClientOptions): Part {
  return { config: resolveConfig(options), storage: options.storage ?? createMemoryStorage() };
}

async function start<T extends AnySession>(
  base: Part,
  options: SessionOptions,
  fallback: TokenStorage,
  make: (context: SessionContext) => T,
): Promise<T> {
  const context: SessionContext = { config: base.config, storage: options.storage ?? fallback };
  const session = make(context);
  await context.storage.set(session.state);
  return session;
}

const adminToken = (admin: AdminCredential): Promise<string> =>
  typeof admin === 'string' ? Promise.resolve(admin) : admin.token();

// --- Scheme A ------------------------------------------------------------------------------------

export interface UserTokenClient {
  /** `POST /Authentication` (credentials in the body); without `environment`, a temporary token. */
  login(
    input: { username: string; password: string; environment?: string },
    options?: SessionOptions,
  ): Promise<UserTokenSession>;
  /**
   * The documented three steps: a temporary token without an environment, its environments, then
   * a refresh into the one `chooser` picks.
   */
  selectEnvironment(
    input: { username: string; password: string },
    chooser: (environments: readonly Environment[]) => string | Environment | Promise<string | Environment>,
    options?: SessionOptions,
  ): Promise<UserTokenSession>;
  /** `GET /Authentication/UserToken`: an administrator issues a user token for a customer user. */
  issue(
    admin: AdminCredential,
    input: { username: string; environment?: string },
    options?: SessionOptions,
  ): Promise<UserTokenSession>;
  /** `GET /Authentication/refresh/{token}` as it is (sessions do this for you). */
  refresh(token: string, environment?: string): Promise<UserTokenResponse>;
  /** `GET /Authentication/token/{token}/Environments` as it is. */
  environments(token: string): Promise<Environment[]>;
}

/** Scheme A alone (user tokens and environments); see `createTollgateClient`. */
export function createUserTokenClient(options: TollgateClientOptions): UserTokenClient {
  return makeUserTokenClient(part(options));
}

function makeUserTokenClient(base: Part): UserTokenClient {
  const { config } = base;
  const client: UserTokenClient = {
    async login(input, sessionOptions = {}) {
      const body = (await call(config, 'userTokenLogin', {
        body: {
          username: input.username,
          password: input.password,
          ...(input.environment === undefined ? {} : { environment: input.environment }),
        },
      })) as UserTokenResponse;
      return start(
        base,
        sessionOptions,
        base.storage,
        (context) => new UserTokenSession(context, userTokenState(body, config.clock())),
      );
    },
    async selectEnvironment(input, chooser, sessionOptions = {}) {
      const session = await client.login(input, sessionOptions);
      await session.selectEnvironment(chooser);
      return session;
    },
    async issue(admin, input, sessionOptions = {}) {
      const query = { username: input.username, environment: input.environment };
      const body = (
        admin instanceof TokenPairSession
          ? // Through the admin's session: its token is refreshed (and retried) like any call.
            await call(config, 'issueUserToken', { query, send: (url, init) => admin.fetch(url, init) })
          : // The route takes `Bearer` only: a JWT login's access token is sent that way too.
            await call(config, 'issueUserToken', {
              query,
              headers: { authorization: `Bearer ${await adminToken(admin)}` },
            })
      ) as UserTokenResponse;
      return start(
        base,
        sessionOptions,
        createMemoryStorage(),
        (context) => new UserTokenSession(context, userTokenState(body, config.clock())),
      );
    },
    async refresh(token, environment) {
      return (await call(config, 'refreshUserToken', {
        params: { token },
        query: { environment },
      })) as UserTokenResponse;
    },
    async environments(token) {
      return (await call(config, 'listEnvironments', { params: { token } })) as Environment[];
    },
  };
  return client;
}

// --- Scheme B ------------------------------------------------------------------------------------

export interface DelegatedLoginInput {
  /** An enterprise_admin's or domain_admin's access token (sent in the body, as the API says). */
  readonly admin: AdminCredential;
  readonly domain: string;
  readonly userIdentity: string;
  readonly customData?: string | null;
}

export interface DelegatedLoginClient {
  /** `POST /API3/authentication/authenticateUserByToken`: the user's security token (base64url). */
  authenticateUserByToken(input: DelegatedLoginInput): Promise<string>;
  /** The same, as a session sending the security token as `Authorization: Bearer`. */
  login(input: DelegatedLoginInput, options?: SessionOptions): Promise<DelegatedSession>;
  /**
   * In a browser page served by the server's own origin: the session the server's HttpOnly session
   * cookie carries (set when the browser went through the auto-login landing
   * `GET /auth/auto-login?token=…&next=…`). Its requests carry no `Authorization` header and
   * `credentials: 'same-origin'`. Nothing is sent now and nothing is stored: whether there is a live
   * cookie shows on the first call (`uatJwt.me(session)` refuses with `credentials_missing` when there
   * is none, `token_revoked` or `session_ended` when its session was ended). `logout()` ends it on the
   * server (`DELETE /api/v2/sessions/current/`, which clears the cookie).
   */
  cookieSession(): CookieSession;
}

/** Scheme B alone (admin-delegated login); see `createTollgateClient`. */
export function createDelegatedLoginClient(options: TollgateClientOptions): DelegatedLoginClient {
  return makeDelegatedLoginClient(part(options));
}

function makeDelegatedLoginClient(base: Part): DelegatedLoginClient {
  const { config } = base;
  const client: DelegatedLoginClient = {
    async authenticateUserByToken(input) {
      return (await call(config, 'delegatedLogin', {
        body: {
          domain: input.domain,
          userIdentity: input.userIdentity,
          token: await adminToken(input.admin),
          customData: input.customData ?? null,
        },
        // Not a browser form post: the cookie it sets is not needed, the token is in the body.
      })) as string;
    },
    async login(input, sessionOptions = {}) {
      const token = await client.authenticateUserByToken(input);
      const now = config.clock();
      return start(
        base,
        sessionOptions,
        createMemoryStorage(),
        (context) =>
          new DelegatedSession(context, {
            scheme: 'delegated',
            token,
            expiresAt: jwtExpiry(token),
            obtainedAt: new Date(now).toISOString(),
          }),
      );
    },
    cookieSession() {
      // Its own memory storage: the state holds no token, so there is nothing to keep or resume.
      return new CookieSession({ config, storage: createMemoryStorage() }, cookieState(config.clock()));
    },
  };
  return client;
}

// --- Scheme C ------------------------------------------------------------------------------------

export interface TokenPairClient {
  /** `POST /api/v2/auth/token`: a session refreshed (with rotation) through `/api/v2/auth/token/refresh`. */
  login(input: { username: string; password: string }, options?: SessionOptions): Promise<TokenPairSession>;
  /** `POST /api/v2/auth/token/refresh` as it is: presenting a refresh token twice revokes the family. */
  refresh(refreshToken: string): Promise<TokenPair>;
  /** `POST /api/v2/auth/token/revoke`: logout of the family (204 also for an unknown token). */
  revoke(refreshToken: string): Promise<void>;
}

/** Scheme C alone (token pair); see `createTollgateClient`. */
export function createTokenPairClient(options: TollgateClientOptions): TokenPairClient {
  return makeTokenPairClient(part(options));
}

function makeTokenPairClient(base: Part): TokenPairClient {
  const { config } = base;
  return {
    async login(input, sessionOptions = {}) {
      const envelope = (await call(config, 'tokenPairLogin', {
        body: { username: input.username, password: input.password },
      })) as TokenPairEnvelope;
      return start(
        base,
        sessionOptions,
        base.storage,
        (context) => new TokenPairSession(context, tokenPairState(envelope, config.clock())),
      );
    },
    async refresh(refreshToken) {
      return firstPair(
        (await call(config, 'tokenPairRefresh', { body: { refreshToken } })) as TokenPairEnvelope,
      );
    },
    async revoke(refreshToken) {
      await call(config, 'tokenPairRevoke', { body: { refreshToken } });
    },
  };
}

// --- Scheme D ------------------------------------------------------------------------------------

export interface CreateUatInput {
  readonly name: string;
  /** A Date, or an ISO 8601 date-time with offset; at most 365 days ahead. */
  readonly expiresAt: Date | string;
  readonly permissions: readonly string[];
}

export interface UatJwtClient {
  /** `POST /api/v2/auth/jwt/`: a JWT session (`Authorization: JWT`), all the user's rights, no refresh. */
  login(input: { email: string; password: string }, options?: SessionOptions): Promise<JwtSession>;
  /** A session for a UAT you already have (`Authorization: UAT`). */
  useUat(token: string, options?: SessionOptions & { expiresAt?: string | Date }): Promise<UatSession>;
  /** `GET /api/v2/me/` with any session. */
  me(session: Session): Promise<Me>;
  /** `POST /api/v2/me/tokens/` (company_admin; a JWT or Bearer session, not a UAT). */
  createToken(session: Session, input: CreateUatInput): Promise<CreatedUat>;
  /** `GET /api/v2/me/tokens/`: newest first, without their values. */
  listTokens(session: Session): Promise<UatSummary[]>;
  /** `DELETE /api/v2/me/tokens/{id}/`: the UAT stops working at once. */
  revokeToken(session: Session, id: string): Promise<void>;
}

const through = (session: Session) => ({
  send: (input: string | URL | Request, init?: RequestInit) => session.fetch(input, init),
});

/** Scheme D alone (JWT login and UATs); see `createTollgateClient`. */
export function createUatJwtClient(options: TollgateClientOptions): UatJwtClient {
  return makeUatJwtClient(part(options));
}

function makeUatJwtClient(base: Part): UatJwtClient {
  const { config } = base;
  return {
    async login(input, sessionOptions = {}) {
      const { token } = (await call(config, 'jwtLogin', {
        body: { email: input.email, password: input.password },
      })) as { token: string };
      const now = config.clock();
      return start(
        base,
        sessionOptions,
        base.storage,
        (context) =>
          new JwtSession(context, {
            scheme: 'jwt',
            token,
            expiresAt: jwtExpiry(token),
            obtainedAt: new Date(now).toISOString(),
          }),
      );
    },
    async useUat(token, sessionOptions = {}) {
      const expiresAt =
        sessionOptions.expiresAt === undefined ? null : new Date(sessionOptions.expiresAt).toISOString();
      return start(
        base,
        sessionOptions,
        base.storage,
        (context) =>
          new UatSession(context, {
            scheme: 'uat',
            token,
            expiresAt,
            obtainedAt: new Date(config.clock()).toISOString(),
          }),
      );
    },
    async me(session) {
      return (await call(config, 'me', through(session))) as Me;
    },
    async createToken(session, input) {
      const expiresAt = input.expiresAt instanceof Date ? input.expiresAt.toISOString() : input.expiresAt;
      return (await call(config, 'createUat', {
        ...through(session),
        body: { name: input.name, expires_at: expiresAt, permissions: [...input.permissions] },
      })) as CreatedUat;
    },
    async listTokens(session) {
      return (await call(config, 'listUats', through(session))) as UatSummary[];
    },
    async revokeToken(session, id) {
      await call(config, 'revokeUat', { ...through(session), params: { id } });
    },
  };
}

// --- Sessions and administration (the opt-in `sessions` profile) ---------------------------------

/** The signed-in user's sessions alone; see `createTollgateClient`. */
export function createSessionsClient(options: ConfigOptions): SessionsClient {
  return makeSessionsClient(resolveConfig(options));
}

/** The administrators' routes of the `sessions` profile alone; see `createTollgateClient`. */
export function createAdminClient(options: ConfigOptions): AdminClient {
  return makeAdminClient(resolveConfig(options));
}

// --- All four ------------------------------------------------------------------------------------

export interface TollgateClient {
  readonly userTokens: UserTokenClient;
  readonly delegatedLogin: DelegatedLoginClient;
  readonly tokenPair: TokenPairClient;
  readonly uatJwt: UatJwtClient;
  /** The signed-in user's sessions: list, end one, the current one, the others, all (`sessions` profile). */
  readonly sessions: SessionsClient;
  /** Administrators: users' sessions and UATs, disable and enable, the audit trail (`sessions` profile). */
  readonly admin: AdminClient;
  /** The session in the storage (the client's, or the one given), or null when there is none. */
  resume(options?: SessionOptions): Promise<AnySession | null>;
  /** The resolved base URL. */
  readonly baseUrl: string;
}

/**
 * One client for the four APIs of one server (and the opt-in `sessions` profile): the base URL, `fetch`, clock, refresh skew and
 * default storage are given once and shared by the parts. Each part is also available alone
 * (`createTokenPairClient(…)` and so on) for an app that speaks only one API.
 */
export function createTollgateClient(options: TollgateClientOptions): TollgateClient {
  const base = part(options);
  return {
    userTokens: makeUserTokenClient(base),
    delegatedLogin: makeDelegatedLoginClient(base),
    tokenPair: makeTokenPairClient(base),
    uatJwt: makeUatJwtClient(base),
    sessions: makeSessionsClient(base.config),
    admin: makeAdminClient(base.config),
    baseUrl: base.config.baseUrl.href,
    async resume(sessionOptions = {}) {
      const storage = sessionOptions.storage ?? base.storage;
      const stored: unknown = await storage.get();
      return isSessionState(stored) ? sessionFor({ config: base.config, storage }, stored) : null;
    },
  };
}
