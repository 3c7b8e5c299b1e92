import { stringifySetCookie } from 'cookie';
import type { HttpRequest, ResolvedHttpOptions } from './types.js';

/** The session cookie carrying a delegated security token: HttpOnly, SameSite, Secure unless turned off. */
export function sessionCookie(options: ResolvedHttpOptions, token: string, maxAgeSeconds: number): string {
  const { cookie } = options;
  return stringifySetCookie({
    name: options.cookieName,
    value: token,
    path: cookie.path,
    ...(cookie.domain ? { domain: cookie.domain } : {}),
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
    httpOnly: true,
    sameSite: cookie.sameSite.toLowerCase() as 'lax' | 'strict' | 'none',
    secure: cookie.secure,
  });
}

/** The same cookie, emptied and expired: the browser drops it. */
export const clearedSessionCookie = (options: ResolvedHttpOptions): string => sessionCookie(options, '', 0);

/** Where the request came from, for sessions and audit events: the trusted client IP and the user agent. */
export function clientOf(request: HttpRequest): {
  clientIp: string | undefined;
  userAgent: string | undefined;
} {
  const agent = request.headers['user-agent'];
  return { clientIp: request.clientIp, userAgent: typeof agent === 'string' ? agent : undefined };
}
