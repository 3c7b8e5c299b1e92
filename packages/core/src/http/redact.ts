import { delegatedLoginRoutes } from './profiles/delegated-login/routes.js';
import { tokenPairRoutes } from './profiles/token-pair/routes.js';
import { uatJwtRoutes } from './profiles/uat-jwt/routes.js';
import { userTokenRoutes } from './profiles/user-tokens/routes.js';
import { compileRoutes, splitPath } from './router.js';
import type { RouteDefinition } from './types.js';

const REDACTED = '[REDACTED]';
/** Query fields secret on any URL, whatever route it is for (compared decoded, case-insensitively). */
const SECRET_FIELDS = new Set(['password', 'token', 'refreshtoken', 'refresh_token', 'access_token', 'code']);

const ALL_ROUTES: readonly RouteDefinition[] = [
  ...userTokenRoutes,
  ...delegatedLoginRoutes,
  ...tokenPairRoutes,
  ...uatJwtRoutes,
];

function decoded(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

const declaredQuery = (route: RouteDefinition): ReadonlySet<string> =>
  new Set(route.query ? Object.keys(route.query.shape) : []);

/**
 * A URL fit for a log line. It is read the way the router reads it (empty path segments dropped,
 * names percent-decoded), so no spelling of a secret slips past: the path parameters and query
 * fields a route declares secret, every query field a token route does not declare, and the
 * usual secret field names on any URL are replaced by `[REDACTED]`.
 */
export function redactUrl(url: string, prefix = ''): string {
  const queryAt = url.indexOf('?');
  const hashAt = url.indexOf('#');
  const pathEnd = queryAt >= 0 ? queryAt : hashAt >= 0 ? hashAt : url.length;
  const path = url.slice(0, pathEnd);
  const query = queryAt >= 0 ? url.slice(queryAt + 1, hashAt > queryAt ? hashAt : url.length) : null;
  const segments = splitPath(path);
  let route: RouteDefinition | undefined;
  let secretIndexes: number[] = [];
  for (const compiled of compileRoutes(ALL_ROUTES, prefix.replace(/\/+$/, ''))) {
    if (compiled.segments.length !== segments.length) continue;
    const indexes: number[] = [];
    const matches = compiled.segments.every((pattern, i) => {
      if (pattern.startsWith('{')) {
        if (compiled.route.secrets?.params?.includes(pattern.slice(1, -1))) indexes.push(i);
        return true;
      }
      return pattern === segments[i];
    });
    if (matches) {
      route = compiled.route;
      secretIndexes = indexes;
      break;
    }
  }
  const outPath =
    secretIndexes.length === 0
      ? path
      : `/${segments.map((segment, i) => (secretIndexes.includes(i) ? REDACTED : segment)).join('/')}`;
  if (query === null) return outPath + (hashAt >= 0 ? url.slice(hashAt) : '');
  const declared = route ? declaredQuery(route) : new Set<string>();
  const secretQuery = new Set(route?.secrets?.query ?? []);
  const redactUnknown = route?.carriesTokens === true;
  const pairs = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    const name = decoded(pair.slice(0, eq));
    const secret =
      SECRET_FIELDS.has(name.toLowerCase()) ||
      secretQuery.has(name) ||
      (redactUnknown && !declared.has(name));
    return secret ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
  });
  return `${outPath}?${pairs.join('&')}`;
}
