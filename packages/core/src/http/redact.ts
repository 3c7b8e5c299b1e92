import { REFRESH_PREFIX, UAT_PREFIX } from '../tokens/opaque.js';
import { delegatedLoginRoutes } from './profiles/delegated-login/routes.js';
import { tokenPairRoutes } from './profiles/token-pair/routes.js';
import { uatJwtRoutes } from './profiles/uat-jwt/routes.js';
import { userTokenRoutes } from './profiles/user-tokens/routes.js';
import { type CompiledRoute, compileRoutes, parseRequestTarget, trimTrailingSlashes } from './router.js';
import type { RouteDefinition } from './types.js';

const REDACTED = '[REDACTED]';

const ALL_ROUTES: readonly RouteDefinition[] = [
  ...userTokenRoutes,
  ...delegatedLoginRoutes,
  ...tokenPairRoutes,
  ...uatJwtRoutes,
];

/** Parts of query field names secret on any URL (compared decoded, lower-case, letters and digits only). */
const SECRET_NAME_PARTS = [
  'password',
  'passwd',
  'token',
  'secret',
  'apikey',
  'session',
  'credential',
  'authoriz',
];
const SECRET_NAMES = new Set(['code', 'pwd', 'pass', 'jwt', 'uat', 'key', 'auth', 'signature', 'sig']);

function isSecretName(name: string): boolean {
  let normalized = '';
  for (const char of name.toLowerCase())
    if ((char >= 'a' && char <= 'z') || (char >= '0' && char <= '9')) normalized += char;
  return SECRET_NAMES.has(normalized) || SECRET_NAME_PARTS.some((part) => normalized.includes(part));
}

/** A value shaped like one of Tollgate's tokens (a JWS, a wrapped security token, a UAT, a refresh token). */
function looksLikeToken(value: string): boolean {
  if (value.startsWith(UAT_PREFIX) || value.startsWith(REFRESH_PREFIX)) return true;
  const jws = value.indexOf('eyJ');
  if (jws >= 0 && value.indexOf('.', jws) > 0) return true;
  return value.length >= 32 && value.includes('ZXlK'); // base64url of a JWS
}

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

/** Whether `actual`'s first `count` segments match `pattern`'s (literals decoded, case-insensitively). */
function leadingMatch(pattern: readonly string[], actual: readonly string[], count: number): boolean {
  for (let i = 0; i < count; i++) {
    if (!isParam(pattern[i]!) && pattern[i]!.toLowerCase() !== actual[i]) return false;
  }
  return true;
}

export interface RedactOptions {
  /** The mount point of the Tollgate routes (the handler's `prefix`). Default none. */
  readonly prefix?: string;
  /** The request's method: picks the route among those sharing a path. Default: all of them. */
  readonly method?: string;
}

/**
 * A URL fit for a log line: its path and query read exactly as the router reads them (back
 * slashes, dot segments, doubled slashes, absolute-form targets, percent-encoded names), then
 * redacted: from a token route's secret path parameter on, every segment but the route's own
 * literals (also for a misspelling of the route the router would not serve); the query fields a
 * route declares secret; every field a token route does not declare (name and value); fields named
 * like a secret, and values and segments shaped like a Tollgate token, on any URL. The fragment
 * (never sent by a browser, ignored by the router) is dropped; so is an absolute-form target's origin.
 */
export function redactUrl(url: string, options: RedactOptions = {}): string {
  const target = parseRequestTarget(url);
  if (target === null) return REDACTED;
  const raw = target.pathname.split('/');
  const positions: number[] = []; // the non-empty segments' indexes in `raw`
  for (let i = 0; i < raw.length; i++) if (raw[i]!.length > 0) positions.push(i);
  const decoded = positions.map((i) => percentDecoded(raw[i]!));
  // How a segment compares with a route's literal when redacting: decoded and case-insensitive.
  const actual = decoded.map((segment) => segment.toLowerCase());
  const secretAt = new Set<number>();
  const matching: RouteDefinition[] = [];
  for (const { route, segments } of routesFor(trimTrailingSlashes(options.prefix ?? ''))) {
    const first = segments.findIndex((s) => isParam(s) && route.secrets?.params?.includes(s.slice(1, -1)));
    if (first >= 0 && actual.length > first && leadingMatch(segments, actual, first)) {
      for (let i = first; i < actual.length; i++) {
        const literal = segments[i];
        if (literal === undefined || isParam(literal) || literal.toLowerCase() !== actual[i]) secretAt.add(i);
      }
    }
    if (segments.length === actual.length && leadingMatch(segments, actual, actual.length))
      matching.push(route);
  }
  decoded.forEach((segment, i) => {
    if (looksLikeToken(segment)) secretAt.add(i);
  });
  for (const i of secretAt) raw[positions[i]!] = REDACTED;
  const path = raw.join('/');
  if (target.search.length <= 1) return path;

  const method = options.method === 'HEAD' ? 'GET' : options.method;
  const forMethod = matching.filter((route) => route.method === method);
  const routes = forMethod.length > 0 ? forMethod : matching;
  const declared = (route: RouteDefinition, name: string) =>
    route.query !== undefined && Object.hasOwn(route.query.shape, name);
  const pairs = target.search
    .slice(1)
    .split('&')
    .map((pair) => {
      if (pair.length === 0) return pair;
      const eq = pair.indexOf('=');
      const name = formDecoded(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : formDecoded(pair.slice(eq + 1));
      const knownName = isSecretName(name) || routes.some((route) => declared(route, name));
      const unknownOnTokenRoute = routes.some((route) => route.carriesTokens && !declared(route, name));
      if (!knownName && (unknownOnTokenRoute || looksLikeToken(name))) return REDACTED;
      const secretValue =
        isSecretName(name) ||
        looksLikeToken(value) ||
        routes.some((route) => route.secrets?.query?.includes(name) === true);
      return secretValue && eq >= 0 ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    });
  return `${path}?${pairs.join('&')}`;
}
