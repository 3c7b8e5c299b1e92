import { ERROR_CODE_HEADER, localError, TollgateClientError } from './errors.js';
import {
  type AnySessionState,
  AUTHORIZATION_SCHEME,
  type CookieState,
  type DelegatedState,
  type JwtState,
  jwtExpiry,
  type SessionState,
  type TokenPairState,
  type UatState,
  type UserTokenState,
} from './state.js';
import type { TokenStorage } from './storage.js';
import { type ClientConfig, call, type FetchLike, resolveUrl } from './transport.js';
import type {
  CurrentEnvironment,
  Environment,
  TokenPair,
  TokenPairEnvelope,
  UserTokenResponse,
} from './types.js';

/** `RequestInit` plus `json`: a value sent as a JSON body (with its content type). */
export interface JsonRequestInit extends RequestInit {
  readonly json?: unknown;
}

/** What a session is made with (the client does it; see `createTollgateClient`). */
export interface SessionContext {
  readonly config: ClientConfig;
  readonly storage: TokenStorage<AnySessionState>;
}

const noop = (): void => undefined;

/**
 * A signed-in client: `fetch` adds the credential to requests for the server's origin. The state
 * (tokens included) is written to the session's `TokenStorage` on every change.
 */
export class Session<S extends AnySessionState = AnySessionState> {
  protected readonly context: SessionContext;
  private currentState: S;
  private inflight: Promise<S> | null = null;
  private endedBy: TollgateClientError | null = null;

  constructor(context: SessionContext, state: S) {
    this.context = context;
    this.currentState = state;
  }

  get scheme(): S['scheme'] {
    return this.currentState.scheme;
  }

  /** The current state, tokens included: handle it like a password. */
  get state(): S {
    return this.currentState;
  }

  /** When the current token expires (the server's `exp`), or null when unknown. */
  get expiresAt(): Date | null {
    return this.currentState.expiresAt === null ? null : new Date(this.currentState.expiresAt);
  }

  /** True after `logout()`, or once a refresh was refused (the storage is then cleared). */
  get ended(): boolean {
    return this.endedBy !== null;
  }

  /** A token valid now (refreshed first when due): for a WebSocket, an `EventSource`, another client. */
  async token(): Promise<string> {
    return (await this.fresh()).token;
  }

  /**
   * `fetch` with the session's credential, for URLs on the server's origin (a path such as
   * `/api/v2/me/` is taken relative to the base URL; another origin is refused, so a token never
   * leaks). Answers are returned as they are, errors included (use `json` for typed errors); a 401
   * whose `Tollgate-Error-Code` is `token_expired` is refreshed once and retried once on sessions
   * that can refresh.
   */
  async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = this.request(input, init);
    const used = await this.fresh();
    const response = await this.send(request, used);
    if (
      response.status !== 401 ||
      !this.canRefresh() ||
      response.headers.get(ERROR_CODE_HEADER) !== 'token_expired'
    ) {
      return response;
    }
    const next = await this.refreshFrom(used);
    await response.body?.cancel().catch(noop);
    return this.send(request, next);
  }

  /** `fetch`, then the JSON body (undefined for 204); a non-2xx answer throws `TollgateClientError`. */
  async json<T = unknown>(input: string | URL | Request, init: JsonRequestInit = {}): Promise<T> {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers ?? (input instanceof Request ? input.headers : undefined));
    if (!headers.has('accept')) headers.set('accept', 'application/json');
    if (json !== undefined) headers.set('content-type', 'application/json');
    const response = await this.fetch(input, {
      ...rest,
      headers,
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    if (!response.ok) throw await TollgateClientError.fromResponse(response);
    const text = await response.text();
    return (text.length === 0 ? undefined : JSON.parse(text)) as T;
  }

  /** Ends the session here and clears its storage (token pairs also revoke the family on the server). */
  async logout(): Promise<void> {
    await this.settle();
    await this.end(localError('session_ended', 401, 'The session was logged out.'));
  }

  // --- for subclasses -------------------------------------------------------------------------

  /** Sessions that can refresh say so (and implement `refreshState`). */
  protected canRefresh(): boolean {
    return false;
  }

  /** One refresh request from `base` (to another environment when given). */
  protected refreshState(_base: S, _environment?: string): Promise<S> {
    return Promise.reject(new TypeError(`a ${this.scheme} session cannot be refreshed`));
  }

  /** A fetch that sends this session's credential; for the client's authenticated calls. */
  protected get authenticatedFetch(): FetchLike {
    return (input, init) => this.fetch(input, init);
  }

  protected now(): number {
    return this.context.config.clock();
  }

  /** Joins the refresh in flight, or starts one. */
  protected refreshNow(): Promise<S> {
    return this.inflight ?? this.exclusive((base) => this.refreshState(base));
  }

  /** Waits until no refresh is in flight. */
  protected async settle(): Promise<void> {
    while (this.inflight) await this.inflight.catch(noop);
  }

  /**
   * Runs a refresh as the only one in flight (after any other): its result becomes the state and
   * is stored; a 401 ends the session. Everyone who needs a token meanwhile waits for it.
   */
  protected exclusive(operation: (base: S) => Promise<S>): Promise<S> {
    const previous = this.inflight;
    const run = (async () => {
      if (previous) await previous.catch(noop);
      this.assertAlive();
      try {
        const next = await operation(this.currentState);
        this.currentState = next;
        await this.context.storage.set(next);
        return next;
      } catch (error) {
        if (error instanceof TollgateClientError && !error.local && error.status === 401)
          await this.end(error);
        throw error;
      }
    })();
    this.inflight = run;
    const clear = () => {
      if (this.inflight === run) this.inflight = null;
    };
    run.then(clear, clear);
    return run;
  }

  protected async end(reason: TollgateClientError): Promise<void> {
    if (this.endedBy) return;
    this.endedBy = reason;
    await this.context.storage.clear();
  }

  // --- internals ------------------------------------------------------------------------------

  private assertAlive(): void {
    if (!this.endedBy) return;
    const reason = this.endedBy;
    throw localError(
      'session_ended',
      401,
      reason.code === 'session_ended'
        ? 'The session has ended; log in again.'
        : `The session has ended (${reason.code}); log in again.`,
      reason,
    );
  }

  /** Whether `state` should be refreshed now: within the skew of its expiry. */
  private isDue(state: S): boolean {
    if (state.expiresAt === null) return false;
    const expiresAt = Date.parse(state.expiresAt);
    const lifetime = expiresAt - Date.parse(state.obtainedAt);
    const skew = Math.min(this.context.config.refreshSkewMs, Math.max(0, lifetime / 2));
    return this.now() >= expiresAt - skew;
  }

  /** The state to send a request with: refreshed first when due; a dead token refused locally. */
  private async fresh(): Promise<S> {
    this.assertAlive();
    if (this.inflight) return this.inflight;
    const state = this.currentState;
    if (this.canRefresh()) return this.isDue(state) ? this.refreshFrom(state) : state;
    if (state.expiresAt !== null && this.now() >= Date.parse(state.expiresAt)) {
      throw localError(
        'token_expired',
        401,
        `The ${this.scheme === 'jwt' ? 'JWT' : `${this.scheme} token`} has expired and cannot be refreshed; log in again.`,
      );
    }
    return state;
  }

  /**
   * Single flight: joins the refresh in flight; does nothing when the stale token was already
   * replaced; adopts a newer state another client wrote to the shared storage instead of
   * presenting an already-rotated refresh token.
   */
  private refreshFrom(stale: S): Promise<S> {
    if (this.inflight) return this.inflight;
    if (this.currentState.token !== stale.token) return Promise.resolve(this.currentState);
    return this.exclusive(async (base) => {
      const stored = await this.context.storage.get();
      if (
        stored &&
        stored.scheme === base.scheme &&
        stored.token !== base.token &&
        Date.parse(stored.obtainedAt) >= Date.parse(base.obtainedAt)
      ) {
        const adopted = stored as S;
        if (!this.isDue(adopted)) return adopted;
        return this.refreshState(adopted);
      }
      return this.refreshState(base);
    });
  }

  private request(input: string | URL | Request, init: RequestInit | undefined): Request {
    const request =
      input instanceof Request
        ? init === undefined
          ? input
          : new Request(input, init)
        : new Request(resolveUrl(this.context.config, input), init);
    const origin = new URL(request.url).origin;
    if (origin !== this.context.config.baseUrl.origin) {
      throw new TypeError(`session.fetch sends credentials only to ${this.context.config.baseUrl.origin}`);
    }
    return request;
  }

  private send(request: Request, sent: S): Promise<Response> {
    const attempt = request.clone();
    const state: AnySessionState = sent;
    if (state.scheme === 'cookie') {
      // The browser adds the HttpOnly cookie: no token here, and none to send beside it.
      attempt.headers.delete('authorization');
      return this.context.config.fetch(new Request(attempt, { credentials: 'same-origin' }));
    }
    attempt.headers.set('authorization', `${AUTHORIZATION_SCHEME[state.scheme]} ${state.token}`);
    const { credentials } = this.context.config;
    return this.context.config.fetch(
      credentials === undefined ? attempt : new Request(attempt, { credentials }),
    );
  }
}

/** A session whose token is refreshed ahead of expiry (and once on a `token_expired` 401). */
export abstract class RefreshableSession<S extends UserTokenState | TokenPairState> extends Session<S> {
  protected override canRefresh(): boolean {
    return true;
  }

  /** Refreshes now (joining a refresh in flight rather than starting a second one). */
  refresh(): Promise<S> {
    return this.refreshNow();
  }
}

/** Scheme A: a user token; `environment` is always the current token's. */
export class UserTokenSession extends RefreshableSession<UserTokenState> {
  /** The environment of the current token (null for a temporary token without one). */
  get environment(): string | null {
    return this.state.environment;
  }

  /** `GET /Authentication/token/{token}/Environments`: the environments this user may use. */
  async environments(): Promise<Environment[]> {
    const token = await this.token();
    return (await call(this.context.config, 'listEnvironments', { params: { token } })) as Environment[];
  }

  /** `GET /Environment/current` (403 `environment_required` for a token without an environment). */
  async currentEnvironment(): Promise<CurrentEnvironment> {
    return (await call(this.context.config, 'currentEnvironment', {
      send: this.authenticatedFetch,
    })) as CurrentEnvironment;
  }

  /**
   * Steps 2 and 3 of the documented flow: lists the environments this token's user may use, asks
   * `chooser`, and refreshes the token into the chosen one. The server decides: an environment
   * outside the list is refused with `environment_not_allowed`, and the session keeps its token.
   */
  async selectEnvironment(
    chooser: (environments: readonly Environment[]) => string | Environment | Promise<string | Environment>,
  ): Promise<string> {
    const choice = await chooser(await this.environments());
    const id = typeof choice === 'string' ? choice : choice.id;
    await this.switchEnvironment(id);
    return id;
  }

  /** A refresh into another environment (after any refresh in flight); returns the new state. */
  switchEnvironment(environment: string): Promise<UserTokenState> {
    return this.exclusive((base) => this.refreshState(base, environment));
  }

  protected override async refreshState(base: UserTokenState, environment?: string): Promise<UserTokenState> {
    const body = (await call(this.context.config, 'refreshUserToken', {
      params: { token: base.token },
      query: { environment },
    })) as UserTokenResponse;
    return userTokenState(body, this.now());
  }
}

/** Scheme C: an access token with a rotating refresh token. */
export class TokenPairSession extends RefreshableSession<TokenPairState> {
  get customerId(): string {
    return this.state.customerId;
  }

  /** Revokes the whole token family on the server (`/api/v2/auth/token/revoke`), then ends here. */
  override async logout(): Promise<void> {
    await this.settle();
    if (!this.ended) {
      await call(this.context.config, 'tokenPairRevoke', { body: { refreshToken: this.state.refreshToken } });
    }
    await super.logout();
  }

  protected override async refreshState(base: TokenPairState): Promise<TokenPairState> {
    const envelope = (await call(this.context.config, 'tokenPairRefresh', {
      body: { refreshToken: base.refreshToken },
    })) as TokenPairEnvelope;
    return tokenPairState(envelope, this.now());
  }
}

/** Scheme D: a JWT login. No refresh: once expired, `fetch` throws a local `token_expired`. */
export class JwtSession extends Session<JwtState> {}

/** Scheme B: a delegated security token (sent as Bearer). No refresh. */
export class DelegatedSession extends Session<DelegatedState> {}

/** Scheme D: a user authorization token (`Authorization: UAT`). No refresh. */
export class UatSession extends Session<UatState> {}

/**
 * Scheme B in a browser page served by the server's own origin: the session the server's HttpOnly
 * session cookie carries (set by the auto-login landing `GET /auth/auto-login`). Its requests carry
 * no `Authorization` header and `credentials: 'same-origin'`, so the browser adds the cookie; the
 * page never sees the token. No refresh, nothing stored.
 */
export class CookieSession extends Session<CookieState> {
  /** There is no token the page can read: always rejects with a `TypeError`. */
  override token(): Promise<string> {
    return Promise.reject(new TypeError('a cookie session has no token: the cookie is HttpOnly'));
  }

  /**
   * Ends the session on the server with `DELETE /api/v2/sessions/current/` (the server's `sessions`
   * profile), whose answer clears the cookie, then here. A 401 (the cookie is gone or its session
   * already ended) ends it here too; any other refusal is thrown and the session stays.
   */
  override async logout(): Promise<void> {
    if (!this.ended) {
      try {
        await call(this.context.config, 'revokeSession', {
          params: { id: 'current' },
          send: this.authenticatedFetch,
        });
      } catch (error) {
        if (!(error instanceof TollgateClientError) || error.status !== 401) throw error;
      }
    }
    await super.logout();
  }
}

export function cookieState(now: number): CookieState {
  return { scheme: 'cookie', token: '', expiresAt: null, obtainedAt: iso(now) };
}

/**
 * Ends `session` here after the server ended it (`DELETE /api/v2/sessions/current/`, `revoke-all`):
 * its storage is cleared and later calls fail with `session_ended`, without asking the server again.
 */
export async function endedOnServer(session: Session, how: string): Promise<void> {
  const reason = localError('session_ended', 401, `The session was ended on the server (${how}).`);
  await (session as unknown as { end(reason: TollgateClientError): Promise<void> }).end(reason);
}

export type AnySession = UserTokenSession | TokenPairSession | JwtSession | DelegatedSession | UatSession;

// --- states from answers -------------------------------------------------------------------------

const iso = (ms: number): string => new Date(ms).toISOString();

export function userTokenState(body: UserTokenResponse, now: number): UserTokenState {
  return {
    scheme: 'user',
    token: body.token,
    environment: body.environment,
    expiresAt: body.expiresAt,
    obtainedAt: iso(now),
  };
}

/** The pair of a success envelope (the API always sends exactly one). */
export function firstPair(envelope: TokenPairEnvelope): TokenPair {
  const pair = envelope.content[0];
  if (!pair) {
    throw new TollgateClientError({
      status: 200,
      code: 'unexpected_response',
      message: 'The token-pair envelope has no content.',
    });
  }
  return pair;
}

export function tokenPairState(envelope: TokenPairEnvelope, now: number): TokenPairState {
  const pair = firstPair(envelope);
  return {
    scheme: 'pair',
    token: pair.token,
    refreshToken: pair.refreshToken,
    customerId: pair.customerId,
    expiresAt: jwtExpiry(pair.token) ?? iso(now + pair.validityTime * 1000),
    obtainedAt: iso(now),
  };
}

export function sessionFor(context: SessionContext, state: SessionState): AnySession {
  switch (state.scheme) {
    case 'user':
      return new UserTokenSession(context, state);
    case 'pair':
      return new TokenPairSession(context, state);
    case 'jwt':
      return new JwtSession(context, state);
    case 'delegated':
      return new DelegatedSession(context, state);
    case 'uat':
      return new UatSession(context, state);
  }
}
