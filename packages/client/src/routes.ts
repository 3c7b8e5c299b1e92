import type { ProfileName } from './errors.js';

/**
 * A field the client reads from a success body, by path: `token`, `content[].refreshToken`
 * (every element of the array `content`), `[].id` (every element of a top-level array).
 */
export type FieldType =
  | 'string'
  | 'number'
  | 'boolean'
  | 'string|null'
  | 'string[]'
  | 'object'
  | 'object|null'
  | 'array';

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** `{name}` for a path parameter, as in the server's OpenAPI document. */
  readonly path: string;
  readonly profile: ProfileName;
  /** The success status the client expects. */
  readonly status: number;
  /** `application/json` unless said; 204 answers have no body. */
  readonly contentType?: 'text/plain';
  /** What the client sends: JSON body fields and query parameters. */
  readonly sends?: { readonly body?: readonly string[]; readonly query?: readonly string[] };
  /** Every field the client reads from the success body, with its type; checked on every answer. */
  readonly reads: Readonly<Record<string, FieldType>>;
}

const USER_TOKEN: Readonly<Record<string, FieldType>> = {
  token: 'string',
  environment: 'string|null',
  expiresAt: 'string',
};

const PAIR: Readonly<Record<string, FieldType>> = {
  errorCode: 'string',
  content: 'array',
  'content[].customerId': 'string',
  'content[].token': 'string',
  'content[].refreshToken': 'string',
  'content[].validityTime': 'number',
};

const UAT_COMMON: Readonly<Record<string, FieldType>> = {
  id: 'string',
  name: 'string',
  prefix: 'string',
  expires_at: 'string',
  permissions: 'string[]',
  created_at: 'string',
};

const each = (fields: Readonly<Record<string, FieldType>>): Readonly<Record<string, FieldType>> =>
  Object.fromEntries(Object.entries(fields).map(([path, type]) => [`[].${path}`, type]));

const UAT_LIST: Readonly<Record<string, FieldType>> = each({
  ...UAT_COMMON,
  last_used_at: 'string|null',
  revoked_at: 'string|null',
});

const SESSION_LIST: Readonly<Record<string, FieldType>> = each({
  id: 'string',
  kind: 'string',
  current: 'boolean',
  actor: 'object|null',
  created_at: 'string',
  last_used_at: 'string',
  expires_at: 'string',
  client_ip: 'string|null',
  user_agent: 'string|null',
});

const REVOKED: Readonly<Record<string, FieldType>> = { revoked: 'number' };

/**
 * Every route this client calls, in one table: the client builds its requests from it and checks
 * each success body against `reads`, and a test checks the table against the server's
 * `/openapi.json` (method, path, status, content type, sent and read fields), so they cannot drift.
 */
export const ROUTES = {
  // Scheme A — user tokens and environments.
  userTokenLogin: {
    method: 'POST',
    path: '/Authentication',
    profile: 'user-tokens',
    status: 200,
    // The JSON-body form: the password never appears in a URL (or in a log of one).
    sends: { body: ['username', 'password', 'environment'] },
    reads: USER_TOKEN,
  },
  issueUserToken: {
    method: 'GET',
    path: '/Authentication/UserToken',
    profile: 'user-tokens',
    status: 200,
    sends: { query: ['username', 'environment'] },
    reads: USER_TOKEN,
  },
  refreshUserToken: {
    method: 'GET',
    path: '/Authentication/refresh/{token}',
    profile: 'user-tokens',
    status: 200,
    sends: { query: ['environment'] },
    reads: USER_TOKEN,
  },
  listEnvironments: {
    method: 'GET',
    path: '/Authentication/token/{token}/Environments',
    profile: 'user-tokens',
    status: 200,
    reads: { '[].id': 'string', '[].name': 'string' },
  },
  currentEnvironment: {
    method: 'GET',
    path: '/Environment/current',
    profile: 'user-tokens',
    status: 200,
    reads: { environment: 'string', user: 'string' },
  },
  // Scheme B — admin-delegated login.
  delegatedLogin: {
    method: 'POST',
    path: '/API3/authentication/authenticateUserByToken',
    profile: 'delegated-login',
    status: 200,
    contentType: 'text/plain',
    sends: { body: ['domain', 'customData', 'userIdentity', 'token'] },
    reads: {},
  },
  // Scheme C — token pair.
  tokenPairLogin: {
    method: 'POST',
    path: '/api/v2/auth/token',
    profile: 'token-pair',
    status: 200,
    sends: { body: ['username', 'password'] },
    reads: PAIR,
  },
  tokenPairRefresh: {
    method: 'POST',
    path: '/api/v2/auth/token/refresh',
    profile: 'token-pair',
    status: 200,
    sends: { body: ['refreshToken'] },
    reads: PAIR,
  },
  tokenPairRevoke: {
    method: 'POST',
    path: '/api/v2/auth/token/revoke',
    profile: 'token-pair',
    status: 204,
    sends: { body: ['refreshToken'] },
    reads: {},
  },
  // Scheme D — JWT and UATs.
  jwtLogin: {
    method: 'POST',
    path: '/api/v2/auth/jwt/',
    profile: 'uat-jwt',
    status: 200,
    sends: { body: ['email', 'password'] },
    reads: { token: 'string' },
  },
  me: {
    method: 'GET',
    path: '/api/v2/me/',
    profile: 'uat-jwt',
    status: 200,
    reads: {
      id: 'string',
      email: 'string',
      customerId: 'string',
      roles: 'string[]',
      permissions: 'string[]',
      environment: 'string|null',
      authenticatedBy: 'string',
      actor: 'object|null',
      customData: 'string|null',
    },
  },
  createUat: {
    method: 'POST',
    path: '/api/v2/me/tokens/',
    profile: 'uat-jwt',
    status: 201,
    sends: { body: ['name', 'expires_at', 'permissions'] },
    reads: { ...UAT_COMMON, token: 'string' },
  },
  listUats: {
    method: 'GET',
    path: '/api/v2/me/tokens/',
    profile: 'uat-jwt',
    status: 200,
    reads: UAT_LIST,
  },
  revokeUat: {
    method: 'DELETE',
    path: '/api/v2/me/tokens/{id}/',
    profile: 'uat-jwt',
    status: 204,
    reads: {},
  },
  // Sessions (opt-in): the signed-in user's own.
  listSessions: {
    method: 'GET',
    path: '/api/v2/sessions/',
    profile: 'sessions',
    status: 200,
    reads: SESSION_LIST,
  },
  revokeSession: {
    method: 'DELETE',
    path: '/api/v2/sessions/{id}/',
    profile: 'sessions',
    status: 204,
    reads: {},
  },
  revokeOtherSessions: {
    method: 'POST',
    path: '/api/v2/sessions/revoke-others/',
    profile: 'sessions',
    status: 200,
    reads: REVOKED,
  },
  revokeAllSessions: {
    method: 'POST',
    path: '/api/v2/sessions/revoke-all/',
    profile: 'sessions',
    status: 200,
    reads: REVOKED,
  },
  // Sessions (opt-in): what administrators do to the users within their reach.
  adminListSessions: {
    method: 'GET',
    path: '/api/v2/admin/users/{username}/sessions/',
    profile: 'sessions',
    status: 200,
    reads: SESSION_LIST,
  },
  adminRevokeAllSessions: {
    method: 'DELETE',
    path: '/api/v2/admin/users/{username}/sessions/',
    profile: 'sessions',
    status: 200,
    reads: REVOKED,
  },
  adminRevokeSession: {
    method: 'DELETE',
    path: '/api/v2/admin/users/{username}/sessions/{id}/',
    profile: 'sessions',
    status: 204,
    reads: {},
  },
  adminListUats: {
    method: 'GET',
    path: '/api/v2/admin/users/{username}/uats/',
    profile: 'sessions',
    status: 200,
    reads: UAT_LIST,
  },
  adminRevokeUat: {
    method: 'DELETE',
    path: '/api/v2/admin/users/{username}/uats/{id}/',
    profile: 'sessions',
    status: 204,
    reads: {},
  },
  adminDisableUser: {
    method: 'POST',
    path: '/api/v2/admin/users/{username}/disable/',
    profile: 'sessions',
    status: 204,
    reads: {},
  },
  adminEnableUser: {
    method: 'POST',
    path: '/api/v2/admin/users/{username}/enable/',
    profile: 'sessions',
    status: 204,
    reads: {},
  },
  adminAuditEvents: {
    method: 'GET',
    path: '/api/v2/admin/audit/',
    profile: 'sessions',
    status: 200,
    sends: { query: ['username', 'actorId', 'type', 'since', 'until', 'limit'] },
    reads: each({
      id: 'string',
      type: 'string',
      at: 'string',
      user_id: 'string|null',
      actor_id: 'string|null',
      session_id: 'string|null',
      client_ip: 'string|null',
      user_agent: 'string|null',
      details: 'object',
    }),
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;

/** `METHOD /path/{template}`: how errors name a route (never with a token in it). */
export function routeLabel(route: RouteSpec): string {
  return `${route.method} ${route.path}`;
}

/** The path with its parameters filled in, each percent-encoded. */
export function expandPath(path: string, params: Readonly<Record<string, string>> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string|null':
      return value === null || typeof value === 'string';
    case 'string[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'object|null':
      return value === null || (typeof value === 'object' && !Array.isArray(value));
    case 'array':
      return Array.isArray(value);
  }
}

/** The values at a field path (several under `[]`); null when a step is missing or of the wrong kind. */
function valuesAt(root: unknown, path: string): unknown[] | null {
  let current: unknown[] = [root];
  for (const segment of path.split('.')) {
    const many = segment.endsWith('[]');
    const key = many ? segment.slice(0, -2) : segment;
    const next: unknown[] = [];
    for (const value of current) {
      let child: unknown = value;
      if (key.length > 0) {
        if (
          typeof value !== 'object' ||
          value === null ||
          Array.isArray(value) ||
          !Object.hasOwn(value, key)
        ) {
          return null;
        }
        child = (value as Record<string, unknown>)[key];
      }
      if (many) {
        if (!Array.isArray(child)) return null;
        next.push(...child);
      } else {
        next.push(child);
      }
    }
    current = next;
  }
  return current;
}

/** The first field of `reads` the body lacks or has with another type; null when all are there. */
export function findShapeMismatch(body: unknown, reads: Readonly<Record<string, FieldType>>): string | null {
  for (const [path, type] of Object.entries(reads)) {
    const values = valuesAt(body, path);
    if (values === null || !values.every((value) => hasType(value, type))) return path;
  }
  return null;
}
