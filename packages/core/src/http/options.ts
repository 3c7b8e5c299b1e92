// The handler's options: the profiles' route tables, and resolving and checking `HttpHandlerOptions`.
import { stringifySetCookie } from 'cookie';
import { loggedError, type TollgateLogger } from '../logger.js';
import type { Tollgate } from '../tollgate.js';
import { resolveCors } from './cors.js';
import { originOf } from './guard.js';
import { delegatedLoginRoutes } from './profiles/delegated-login/routes.js';
import { oauthRoutes, resolveOAuthOptions } from './profiles/oauth/routes.js';
import { sessionRoutes } from './profiles/sessions/routes.js';
import { tokenPairRoutes } from './profiles/token-pair/routes.js';
import { uatJwtRoutes } from './profiles/uat-jwt/routes.js';
import { userTokenRoutes } from './profiles/user-tokens/routes.js';
import { trimTrailingSlashes } from './router.js';
import type { HttpHandlerOptions, ProfileName, ResolvedHttpOptions, RouteDefinition } from './types.js';

export const PROFILE_ROUTES: Readonly<Record<ProfileName, readonly RouteDefinition[]>> = {
  'user-tokens': userTokenRoutes,
  'delegated-login': delegatedLoginRoutes,
  'token-pair': tokenPairRoutes,
  'uat-jwt': uatJwtRoutes,
  sessions: sessionRoutes,
  oauth: oauthRoutes,
};

/** Every profile a handler can serve, in route-table order: what `profiles` may name. */
export const PROFILE_NAMES: readonly ProfileName[] = Object.freeze(
  Object.keys(PROFILE_ROUTES) as ProfileName[],
);

/**
 * `profiles` is required: the app names the APIs it serves (no default mounts a password-in-the-URL
 * login it did not ask for). `[]` is a choice too: the guard alone, no route served.
 */
function checkProfiles(profiles: unknown): readonly ProfileName[] {
  const names = PROFILE_NAMES.map((name) => `'${name}'`).join(', ');
  if (!Array.isArray(profiles)) {
    throw new TypeError(
      `Tollgate HTTP options: \`profiles\` is required, the APIs to serve: any of ${names} (or [] for none)`,
    );
  }
  const unknown = profiles.filter((name) => !PROFILE_NAMES.includes(name as ProfileName));
  if (unknown.length > 0) {
    throw new TypeError(
      `Tollgate HTTP options: unknown profile ${unknown.map((name) => JSON.stringify(name)).join(', ')} in \`profiles\`; valid: ${names}`,
    );
  }
  return Object.freeze([...new Set(profiles as ProfileName[])]);
}

/** A same-origin path: one leading slash (never `//host` or `/\host`), no scheme, no control character. */
const isLocalPath = (path: string): boolean => {
  if (!path.startsWith('/') || path.startsWith('//')) return false;
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code < 0x20 || code === 0x5c || code === 0x7f) return false;
  }
  return true;
};

/** The default `onUnexpectedError`: one `error` line, the error redacted (never a token or a password). */
const logUnexpected =
  (logger: TollgateLogger) =>
  (error: unknown): void =>
    logger.error({ err: loggedError(error) }, 'tollgate: unexpected error, answered 500 internal_error');

export function resolveOptions(tollgate: Tollgate, options: HttpHandlerOptions): ResolvedHttpOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('Tollgate HTTP options are required, with at least `profiles`');
  }
  const profiles = checkProfiles(options.profiles);
  const cookieName = tollgate.options.cookieName;
  // A name `cookie` would refuse to write fails here, not at the first delegated login.
  try {
    stringifySetCookie(cookieName, '');
  } catch (cause) {
    throw new TypeError(`cookieName ${JSON.stringify(cookieName)} is not a valid cookie name`, { cause });
  }
  const secure = options.cookie?.secure ?? true;
  // A `__Host-` cookie is dropped by browsers unless Secure, Path=/ and no Domain: refuse to start rather.
  if (
    cookieName.startsWith('__Host-') &&
    (!secure || (options.cookie?.path ?? '/') !== '/' || options.cookie?.domain)
  ) {
    throw new TypeError('A __Host- session cookie needs cookie.secure, cookie.path "/" and no cookie.domain');
  }
  const autoLoginRedirects = options.autoLogin?.redirects ?? ['/'];
  if (autoLoginRedirects.length === 0 || !autoLoginRedirects.every(isLocalPath)) {
    throw new TypeError(
      'autoLogin.redirects must be one or more paths of this origin, each starting with one "/"',
    );
  }
  const cors = resolveCors(options.cors);
  // Pages allowed to send the cookie cross-origin are trusted for the CSRF check too.
  const trusted = [...(options.trustedOrigins ?? []), ...(cors?.credentials ? cors.origins : [])];
  return {
    profiles,
    errorShape: options.errorShape ?? 'default',
    prefix: trimTrailingSlashes(options.prefix ?? ''),
    maxBodyBytes: options.maxBodyBytes ?? 65_536,
    cookie: {
      secure,
      sameSite: options.cookie?.sameSite ?? 'Lax',
      path: options.cookie?.path ?? '/',
      domain: options.cookie?.domain,
    },
    trustedOrigins: [...new Set(trusted.map((origin) => originOf(origin) ?? origin))],
    realm: options.realm ?? 'tollgate',
    cors,
    cookieName,
    autoLoginRedirects,
    onUnexpectedError: options.onUnexpectedError ?? logUnexpected(options.logger ?? tollgate.options.logger),
    oauth: profiles.includes('oauth')
      ? resolveOAuthOptions(tollgate.options.issuer, options.oauth)
      : { publicUrl: '', introspectionClients: [] },
  };
}
