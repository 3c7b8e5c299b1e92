import { isSecretName, looksLikeToken, REDACTED } from '../secrets.js';
import { delegatedLoginRoutes } from './profiles/delegated-login/routes.js';
import { tokenPairRoutes } from './profiles/token-pair/routes.js';
import { uatJwtRoutes } from './profiles/uat-jwt/routes.js';
import { userTokenRoutes } from './profiles/user-tokens/routes.js';
import {
  type CompiledRoute,
  compileRoutes,
  parseRequestTarget,
  splitPath,
  trimTrailingSlashes,
} from './router.js';
import type { RouteDefinition } from './types.js';

const ALL_ROUTES: readonly RouteDefinition[] = [
  ...userTokenRoutes,
  ...delegatedLoginRoutes,
  ...tokenPairRoutes,
  ...uatJwtRoutes,
];

/** How the router reads a query name or value: `+` is a space, then lenient percent-decoding. */
const formDecoded = (text: string): string => new URLSearchParams(`x=${text}`).get('x') ?? '';

const hexValue = (code: number): number =>
  code >= 0x30 && code <= 0x39
    ? code - 0x30
    : (code | 0x20) >= 0x61 && (code | 0x20) <= 0x66
      ? (code | 0x20) - 0x57
      : -1;

/** Percent-decoding that never throws (a malformed escape stays as it is, bad UTF-8 becomes U+FFFD). */
function percentDecoded(text: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const high = code === 0x25 ? hexValue(text.charCodeAt(i + 1)) : -1;
    const low = high >= 0 ? hexValue(text.charCodeAt(i + 2)) : -1;
    if (low >= 0) {
      bytes.push(high * 16 + low);
      i += 2;
    } else if (code < 0x80) bytes.push(code);
    else for (const byte of Buffer.from(text[i]!, 'utf8')) bytes.push(byte);
  }
  return Buffer.from(bytes).toString('utf8');
}

const compiledByPrefix = new Map<string, readonly CompiledRoute[]>();
function routesFor(prefix: string): readonly CompiledRoute[] {
  let compiled = compiledByPrefix.get(prefix);
  if (compiled === undefined) {
    compiled = compileRoutes(ALL_ROUTES, prefix);
    if (compiledByPrefix.size < 16) compiledByPrefix.set(prefix, compiled);
  }
  return compiled;
}

const isParam = (pattern: string) => pattern.startsWith('{');

/** Whether `actual`, from `start` on, matches `pattern`'s first `count` segments (literals case-insensitively). */
function leadingMatch(
  pattern: readonly string[],
  actual: readonly string[],
  count: number,
  start = 0,
): boolean {
  for (let i = 0; i < count; i++) {
    if (!isParam(pattern[i]!) && pattern[i]!.toLowerCase() !== actual[start + i]) return false;
  }
  return true;
}

export interface RedactOptions {
  /** The mount point of the Tollgate routes (the handler's `prefix`). Default none. */
  readonly prefix?: string;
  /** The request's method: picks the route among those sharing a path. Default: all of them. */
  readonly method?: string;
}

/** The fields of a query (or fragment), each redacted as `secret(name, value)` says. */
function redactFields(
  fields: string,
  secret: (name: string, value: string, hasValue: boolean) => 'name' | 'value' | null,
): string {
  return fields
    .split('&')
    .map((pair) => {
      if (pair.length === 0) return pair;
      const eq = pair.indexOf('=');
      const name = formDecoded(eq < 0 ? pair : pair.slice(0, eq));
      const verdict = secret(name, eq < 0 ? '' : formDecoded(pair.slice(eq + 1)), eq >= 0);
      if (verdict === 'name') return REDACTED;
      return verdict === 'value' && eq >= 0 ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
}

/** A secret on any URL: a name like a secret's, or a value (or a bare name) shaped like a token. */
const anywhere = (name: string, value: string): 'name' | 'value' | null =>
  looksLikeToken(name) ? 'name' : isSecretName(name) || looksLikeToken(value) ? 'value' : null;

/**
 * A URL fit for a log line: its path and query read exactly as the router reads them (back
 * slashes, dot segments, doubled slashes, absolute-form targets, percent-encoded names), then
 * redacted: from a token route's secret path parameter on, every segment but the route's own
 * literals (also under another mount point, and for a misspelling the router would not serve); the query fields a
 * route declares secret; the value of every field a token route does not declare; fields named like
 * a secret, and values, bare names and segments shaped like a Tollgate token, on any URL (the
 * fragment too). A redacted path is written as the router reads it (no empty segments); an
 * absolute-form target's origin is dropped. `options` may be the mount prefix alone.
 */
export function redactUrl(url: string, options: RedactOptions | string = {}): string {
  const { prefix = '', method: requestMethod } = typeof options === 'string' ? { prefix: options } : options;
  const target = parseRequestTarget(url);
  if (target === null) return REDACTED;
  const segments = splitPath(target.pathname);
  const decoded = segments.map(percentDecoded);
  // How a segment compares with a route's literal when redacting: decoded and case-insensitive.
  const actual = decoded.map((segment) => segment.toLowerCase());
  const secretAt = new Set<number>();
  const matching: RouteDefinition[] = [];
  for (const { route, segments: pattern } of routesFor(trimTrailingSlashes(prefix))) {
    const first = pattern.findIndex((s) => isParam(s) && route.secrets?.params?.includes(s.slice(1, -1)));
    // The segments before a secret parameter, wherever they stand (under a mount point not given
    // here, after a `//host` a URL parser would take for an authority): what follows is redacted.
    for (let start = 0; first >= 0 && start + first < actual.length; start++) {
      if (!leadingMatch(pattern, actual, first, start)) continue;
      for (let i = start + first; i < actual.length; i++) {
        const literal = pattern[i - start];
        if (literal === undefined || isParam(literal) || literal.toLowerCase() !== actual[i]) secretAt.add(i);
      }
      break;
    }
    if (pattern.length === actual.length && leadingMatch(pattern, actual, actual.length))
      matching.push(route);
  }
  decoded.forEach((segment, i) => {
    if (looksLikeToken(segment)) secretAt.add(i);
  });
  let out =
    secretAt.size === 0
      ? target.pathname
      : `/${segments.map((segment, i) => (secretAt.has(i) ? REDACTED : segment)).join('/')}`;

  if (target.search.length > 1) {
    const method = requestMethod === 'HEAD' ? 'GET' : requestMethod;
    const forMethod = matching.filter((route) => route.method === method);
    const routes = forMethod.length > 0 ? forMethod : matching;
    const declared = (route: RouteDefinition, name: string) =>
      route.query !== undefined && Object.hasOwn(route.query.shape, name);
    out += `?${redactFields(target.search.slice(1), (name, value, hasValue) => {
      const verdict = anywhere(name, value);
      if (verdict !== null) return verdict;
      if (routes.some((route) => route.secrets?.query?.includes(name) === true)) return 'value';
      // Unknown on a token route (no route of this path declares it): a typo of a secret field,
      // or a bare secret.
      const tokenRoute = routes.some((route) => route.carriesTokens);
      if (tokenRoute && !routes.some((route) => declared(route, name))) return hasValue ? 'value' : 'name';
      return null;
    })}`;
  }
  // Ignored by the router, but it may carry a token (`#access_token=…`).
  if (target.hash.length > 1) out += `#${redactFields(target.hash.slice(1), anywhere)}`;
  return out;
}
