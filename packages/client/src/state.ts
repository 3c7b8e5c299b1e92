/** What a session keeps (and a `TokenStorage` stores): plain JSON, times as ISO 8601 strings. */
interface StateBase {
  readonly token: string;
  /** When the token stops working (the server's `exp`), or null when unknown / never. */
  readonly expiresAt: string | null;
  /** When this client received the token (by its clock). */
  readonly obtainedAt: string;
}

/** Scheme A: a user token, sent as `Authorization: Bearer`; refreshed by `/Authentication/refresh/{token}`. */
export interface UserTokenState extends StateBase {
  readonly scheme: 'user';
  readonly environment: string | null;
}

/** Scheme C: the access token (sent as `Bearer`) and its rotating refresh token. */
export interface TokenPairState extends StateBase {
  readonly scheme: 'pair';
  readonly refreshToken: string;
  readonly customerId: string;
}

/** Scheme D: a JWT login (`Authorization: JWT`); no refresh. */
export interface JwtState extends StateBase {
  readonly scheme: 'jwt';
}

/** Scheme B: a delegated security token, sent as `Bearer`; no refresh. */
export interface DelegatedState extends StateBase {
  readonly scheme: 'delegated';
}

/** Scheme D: a user authorization token (`Authorization: UAT`); no refresh. */
export interface UatState extends StateBase {
  readonly scheme: 'uat';
}

export type SessionState = UserTokenState | TokenPairState | JwtState | DelegatedState | UatState;
export type SchemeName = SessionState['scheme'];

/**
 * Scheme B in a browser: the session the server's HttpOnly session cookie carries (set by the
 * auto-login landing `GET /auth/auto-login`). The page cannot read that cookie, so there is no token
 * here and nothing worth storing: a `CookieSession` is never written to a storage or resumed.
 */
export interface CookieState {
  readonly scheme: 'cookie';
  /** Always empty: the token is in a cookie script cannot read. */
  readonly token: '';
  /** Unknown to the page (the cookie's `Max-Age` cannot be read). */
  readonly expiresAt: null;
  readonly obtainedAt: string;
}

/** The state of any session: one with a token, or a cookie session. */
export type AnySessionState = SessionState | CookieState;

/** The `Authorization` scheme each session kind sends its token with. */
export const AUTHORIZATION_SCHEME: Readonly<Record<SchemeName, 'Bearer' | 'JWT' | 'UAT'>> = {
  user: 'Bearer',
  pair: 'Bearer',
  jwt: 'JWT',
  delegated: 'Bearer',
  uat: 'UAT',
};

const isIsoOrNull = (value: unknown): boolean =>
  value === null || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));

/** True for a value a storage may hand back as a session (checked on `resume`). */
export function isSessionState(value: unknown): value is SessionState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  if (typeof state.token !== 'string' || state.token.length === 0) return false;
  if (!isIsoOrNull(state.expiresAt) || typeof state.obtainedAt !== 'string') return false;
  switch (state.scheme) {
    case 'user':
      return state.environment === null || typeof state.environment === 'string';
    case 'pair':
      return typeof state.refreshToken === 'string' && typeof state.customerId === 'string';
    case 'jwt':
    case 'delegated':
    case 'uat':
      return true;
    default:
      return false;
  }
}

function base64urlText(segment: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return null;
  try {
    const padded = segment
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(segment.length / 4) * 4, '=');
    const binary = atob(padded);
    return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
  } catch {
    return null;
  }
}

/**
 * The `exp` of a JWT (or of a delegated security token, the base64url of one) as an ISO string,
 * read without verifying: only to know when to stop sending it. Null when it is not readable.
 */
export function jwtExpiry(token: string): string | null {
  let compact = token;
  if (!compact.includes('.')) compact = base64urlText(compact) ?? '';
  const payload = compact.split('.')[1];
  if (payload === undefined) return null;
  const text = base64urlText(payload);
  if (text === null) return null;
  try {
    const claims: unknown = JSON.parse(text);
    const exp = typeof claims === 'object' && claims !== null ? (claims as { exp?: unknown }).exp : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000).toISOString() : null;
  } catch {
    return null;
  }
}
