import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { firstHeader, readFormBody } from '../../body.js';
import { defineRoute } from '../../define.js';
import { ERROR_CODE_HEADER, json } from '../../render.js';
import { trimTrailingSlashes } from '../../router.js';
import type {
  HttpRequest,
  HttpResponse,
  IntrospectionClient,
  OAuthProfileOptions,
  ResolvedHttpOptions,
} from '../../types.js';

/** RFC 6749 §2.3.1 leaves the secret's strength to the server; a short one is a guessable one. */
const MIN_SECRET_LENGTH = 16;

/** The `oauth` profile's settings, checked once at start-up: a misconfiguration refuses to start. */
export function resolveOAuthOptions(
  issuer: string,
  options: OAuthProfileOptions | undefined,
): ResolvedHttpOptions['oauth'] {
  const publicUrl = options?.publicUrl ?? issuer;
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new TypeError(
      'the oauth profile needs oauth.publicUrl, or an issuer that is an http(s) URL, for its absolute URLs',
    );
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new TypeError('oauth.publicUrl must be an http(s) URL without query or fragment');
  }
  const clients = options?.introspectionClients ?? [];
  const ids = new Set<string>();
  for (const client of clients) {
    if (client.id === '' || client.id.includes(':')) {
      throw new TypeError('an introspection client id must be non-empty and contain no ":"');
    }
    if (ids.has(client.id)) throw new TypeError(`duplicate introspection client id ${client.id}`);
    ids.add(client.id);
    if (client.secret.length < MIN_SECRET_LENGTH) {
      throw new TypeError(
        `the secret of introspection client ${client.id} needs at least ${MIN_SECRET_LENGTH} characters`,
      );
    }
  }
  return Object.freeze({
    publicUrl: trimTrailingSlashes(publicUrl),
    introspectionClients: Object.freeze(clients.map((client) => Object.freeze({ ...client }))),
  });
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether the request's HTTP Basic credentials (RFC 7617; id and secret form-encoded first, as RFC
 * 6749 §2.3.1 says) are one of the clients'. Every client is compared, each in constant time over
 * digests of equal length, so neither a known id nor a secret's length shows in the timing.
 */
export function isIntrospectionClient(
  request: HttpRequest,
  clients: readonly IntrospectionClient[],
): boolean {
  const header = firstHeader(request.headers.authorization);
  const match = header === undefined ? null : /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  let id: string;
  let secret: string;
  try {
    id = decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '));
    secret = decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' '));
  } catch {
    return false;
  }
  const idDigest = digest(id);
  const secretDigest = digest(secret);
  let found = false;
  for (const client of clients) {
    const sameId = timingSafeEqual(idDigest, digest(client.id));
    const sameSecret = timingSafeEqual(secretDigest, digest(client.secret));
    found = (sameId && sameSecret) || found;
  }
  return found;
}

/** RFC 6749 §5.2's error body, with the catalogue code in Tollgate's header. */
function oauthError(
  status: number,
  error: string,
  description: string,
  code: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return json(status, { error, error_description: description }, { [ERROR_CODE_HEADER]: code, ...headers });
}

const OAuthError = z
  .object({ error: z.string(), error_description: z.string() })
  .meta({ id: 'OAuthError', description: 'RFC 6749 §5.2.' });
/** What `json()` sends. */
const OAUTH_ERROR_TYPE = 'application/json; charset=utf-8';

const Jwks = z.object({
  keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), alg: z.string(), use: z.literal('sig') })),
});

const Metadata = z.object({
  issuer: z.string(),
  jwks_uri: z.string(),
  introspection_endpoint: z.string(),
  introspection_endpoint_auth_methods_supported: z.array(z.string()),
  response_types_supported: z.array(z.string()),
  grant_types_supported: z.array(z.string()),
  token_endpoint_auth_methods_supported: z.array(z.string()),
});

const Introspection = z.looseObject({
  active: z.boolean(),
  sub: z.string().optional(),
  iss: z.string().optional(),
  aud: z.string().optional(),
  exp: z.number().optional(),
  iat: z.number().optional(),
  jti: z.string().optional(),
  client_id: z.string().optional(),
  username: z.string().optional(),
  token_type: z.enum(['Bearer', 'UAT']).optional(),
  token_kind: z.enum(['access', 'user', 'delegated', 'uat']).optional(),
  entitlements: z.array(z.string()).optional(),
  roles: z.array(z.string()).optional(),
  sid: z.string().optional(),
  act: z.object({ sub: z.string(), preferred_username: z.string() }).optional(),
});

/** Public keys and metadata change rarely; a verifier may keep them a few minutes. */
const CACHEABLE = { 'cache-control': 'public, max-age=300' };

/**
 * The `oauth` profile (opt-in): what lets verifiers other than Tollgate check its tokens. The key
 * set, RFC 8414 authorization-server metadata with only what is true of Tollgate (no authorization
 * or token endpoint of OAuth's kind: its logins are its own APIs), and RFC 7662 introspection for
 * resource servers that must see a logout or revocation before the token expires.
 */
export const oauthRoutes = [
  defineRoute({
    method: 'GET',
    path: '/.well-known/jwks.json',
    profile: 'oauth',
    operationId: 'getJwks',
    // Takes no parameter: a misspelt one is named in a 400, as on every strict route.
    strictQuery: true,
    summary: 'The public keys that verify Tollgate’s JWTs (RFC 7517); no HS256 secret is ever listed.',
    shape: 'default',
    carriesTokens: false,
    responses: { 200: { description: 'The JSON Web Key Set.', schema: Jwks } },
    handle: async ({ tollgate }) => json(200, await tollgate.jwks(), CACHEABLE),
  }),
  defineRoute({
    method: 'GET',
    path: '/.well-known/oauth-authorization-server',
    profile: 'oauth',
    operationId: 'getAuthorizationServerMetadata',
    strictQuery: true,
    summary:
      'RFC 8414 metadata: the issuer, the key set and the introspection endpoint, as absolute URLs under the configured public URL.',
    shape: 'default',
    carriesTokens: false,
    responses: { 200: { description: 'The authorization server metadata.', schema: Metadata } },
    handle: async ({ tollgate, options }) => {
      const base = options.oauth.publicUrl + options.prefix;
      return json(
        200,
        {
          issuer: tollgate.options.issuer,
          jwks_uri: `${base}/.well-known/jwks.json`,
          introspection_endpoint: `${base}/oauth/introspect`,
          introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
          // Required by RFC 8414; Tollgate has no authorization endpoint, so no response type.
          response_types_supported: [],
          // No OAuth token endpoint either: its logins are the profiles' own APIs.
          grant_types_supported: [],
          token_endpoint_auth_methods_supported: [],
        },
        CACHEABLE,
      );
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/oauth/introspect',
    profile: 'oauth',
    operationId: 'introspectToken',
    summary:
      'RFC 7662 token introspection. HTTP Basic with an introspection client’s id and secret; an application/x-www-form-urlencoded body with `token` (an access, user or delegated JWT, or a UAT) and an optional `token_type_hint` (ignored). `{"active":false}` for anything not live now, refresh tokens included.',
    shape: 'default',
    carriesTokens: true,
    // Nothing belongs in its query: a token sent there would be in every access log.
    strictQuery: true,
    // OAuth's error bodies (RFC 6749 §5.2) are not one of the catalogue's shapes: documented under the
    // media type they are sent with, beside the default shape's answers the handler gives first.
    responses: {
      200: { description: 'Whether the token is active, and if so its claims.', schema: Introspection },
      400: {
        description: 'No `token`, a repeated field, or a body that is not a form (OAuth `invalid_request`).',
        contentType: OAUTH_ERROR_TYPE,
        schema: OAuthError,
        headers: { 'Tollgate-Error-Code': 'The catalogue code: `malformed_request`.' },
      },
      401: {
        description: 'No or bad client credentials (OAuth `invalid_client`).',
        contentType: OAUTH_ERROR_TYPE,
        schema: OAuthError,
        headers: {
          'WWW-Authenticate': '`Basic realm="tollgate", charset="UTF-8"`.',
          'Tollgate-Error-Code': 'The catalogue code: `credentials_missing` or `invalid_credentials`.',
        },
      },
      413: { description: 'The body is larger than allowed.' },
    },
    handle: async ({ tollgate, request, options }) => {
      // The client first, before its body is read (RFC 7662 §2.1: the endpoint requires authorization).
      if (!isIntrospectionClient(request, options.oauth.introspectionClients)) {
        const sent = firstHeader(request.headers.authorization) !== undefined;
        return oauthError(
          401,
          'invalid_client',
          'Client authentication failed.',
          sent ? 'invalid_credentials' : 'credentials_missing',
          { 'www-authenticate': `Basic realm="${options.realm.replace(/["\\]/g, "'")}", charset="UTF-8"` },
        );
      }
      const form = await readFormBody(request, options.maxBodyBytes);
      if (form === null) {
        return oauthError(
          400,
          'invalid_request',
          'The body must be application/x-www-form-urlencoded.',
          'malformed_request',
        );
      }
      const tokens = form.getAll('token');
      if (tokens.length !== 1 || form.getAll('token_type_hint').length > 1 || !tokens[0]) {
        return oauthError(400, 'invalid_request', 'Send one non-empty token.', 'malformed_request');
      }
      return json(200, await tollgate.introspect(tokens[0]));
    },
  }),
];
