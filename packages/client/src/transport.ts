import { TollgateClientError } from './errors.js';
import {
  expandPath,
  findShapeMismatch,
  ROUTES,
  type RouteName,
  type RouteSpec,
  routeLabel,
} from './routes.js';

/** The standard `fetch` signature (Node >= 20, browsers, Deno, Bun, workers). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** What every part of a client shares. */
export interface ClientConfig {
  /** The server's base URL (it may carry a path prefix). */
  readonly baseUrl: URL;
  /** Its path without the trailing slash: `''`, or a prefix such as `/auth`. */
  readonly basePath: string;
  readonly fetch: FetchLike;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
  /** Refresh this long before expiry (at most half the token's lifetime). */
  readonly refreshSkewMs: number;
  /** The `credentials` mode of every request but a cookie session's; undefined: `fetch`'s default. */
  readonly credentials: RequestCredentialsMode | undefined;
}

/** `RequestInit['credentials']`: whether a browser sends the origin's cookies with a request. */
export type RequestCredentialsMode = 'omit' | 'same-origin' | 'include';
const CREDENTIALS_MODES: readonly RequestCredentialsMode[] = ['omit', 'same-origin', 'include'];

export interface ConfigOptions {
  /** The server, e.g. `https://api.example.com` or `https://example.com/auth` (a mount prefix). */
  readonly baseUrl: string | URL;
  /** Default: the global `fetch`. Wrap it to add logging, timeouts, a proxy agent… */
  readonly fetch?: FetchLike;
  /** Refresh a token this many seconds before it expires (capped at half its lifetime). Default 30. */
  readonly refreshSkewSeconds?: number;
  /** The time in milliseconds; default `Date.now`. Expiry is judged against the server's `exp`. */
  readonly clock?: () => number;
  /**
   * The `credentials` mode of the requests the client sends (logins, refreshes, and every session's
   * but a cookie session's, which always sends `'same-origin'`). Default: `fetch`'s own
   * (`'same-origin'`). A browser page on the server's origin that may also hold the server's session
   * cookie passes `'omit'`: the server refuses a request carrying both a token and a different
   * session cookie (400 `ambiguous_credentials`), e.g. a stale cookie left by an ended delegated
   * session. Outside browsers `fetch` sends no cookies and this changes nothing.
   */
  readonly credentials?: RequestCredentialsMode;
}

export function resolveConfig(options: ConfigOptions): ClientConfig {
  const baseUrl = new URL(String(options.baseUrl));
  if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') {
    throw new TypeError(`baseUrl must be an http(s) URL, not ${baseUrl.protocol}`);
  }
  baseUrl.search = '';
  baseUrl.hash = '';
  const skew = options.refreshSkewSeconds ?? 30;
  if (!(skew >= 0)) throw new TypeError('refreshSkewSeconds must be >= 0');
  if (options.credentials !== undefined && !CREDENTIALS_MODES.includes(options.credentials)) {
    throw new TypeError(`credentials must be one of ${CREDENTIALS_MODES.join(', ')}`);
  }
  const fetchImpl = options.fetch;
  return {
    baseUrl,
    basePath: withoutTrailingSlashes(baseUrl.pathname),
    // Called through globalThis: a bare reference to window.fetch throws "Illegal invocation".
    fetch: fetchImpl ?? ((input, init) => globalThis.fetch(input, init)),
    clock: options.clock ?? Date.now,
    refreshSkewMs: skew * 1000,
    credentials: options.credentials,
  };
}

/** A path (`/api/v2/me/`) under the base URL; an absolute URL as it is. */
export function resolveUrl(config: ClientConfig, input: string | URL): URL {
  if (input instanceof URL) return new URL(input);
  if (/^[a-z][a-z0-9+.-]*:/i.test(input)) return new URL(input);
  const [path = '', query] = splitOnce(input, '?');
  const url = new URL(config.baseUrl.origin);
  url.pathname = `${config.basePath}${path.startsWith('/') ? '' : '/'}${path}`;
  if (query !== undefined) url.search = query;
  return url;
}

function splitOnce(value: string, separator: string): [string, string | undefined] {
  const at = value.indexOf(separator);
  return at < 0 ? [value, undefined] : [value.slice(0, at), value.slice(at + 1)];
}

export interface CallOptions {
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | null | undefined>>;
  readonly body?: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** How to send it: a session's `fetch` for authenticated calls; default the client's `fetch`. */
  readonly send?: FetchLike;
}

/**
 * One call of a route of the table: builds the request from the route, throws the typed error of
 * any refusal, and checks the success body has every field the route `reads`.
 */
export async function call(
  config: ClientConfig,
  name: RouteName,
  options: CallOptions = {},
): Promise<unknown> {
  const route: RouteSpec = ROUTES[name];
  const label = routeLabel(route);
  // The table is the contract: nothing is sent that it does not list (and the OpenAPI test checks).
  const undeclared = [
    ...Object.keys(options.body ?? {}).filter((field) => !route.sends?.body?.includes(field)),
    ...Object.keys(options.query ?? {}).filter((field) => !route.sends?.query?.includes(field)),
  ];
  if (undeclared.length > 0) throw new TypeError(`${label} does not send ${undeclared.join(', ')}`);
  const url = resolveUrl(config, expandPath(route.path, options.params));
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null) url.searchParams.set(key, value);
  }
  const headers: Record<string, string> = {
    accept: route.contentType === 'text/plain' ? 'text/plain' : 'application/json',
    ...options.headers,
  };
  const init: RequestInit = { method: route.method, headers };
  if (config.credentials !== undefined) init.credentials = config.credentials;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  const response = await (options.send ?? config.fetch)(url, init);
  if (!response.ok) throw await TollgateClientError.fromResponse(response, label);
  if (response.status !== route.status) {
    await response.body?.cancel().catch(() => undefined);
    throw unexpected(response.status, label, `expected HTTP ${route.status}`);
  }
  if (route.status === 204) {
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  }
  const text = await response.text();
  if (route.contentType === 'text/plain') {
    if (text.length === 0) throw unexpected(response.status, label, 'an empty body');
    return text;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw unexpected(response.status, label, 'a body that is not JSON', cause);
  }
  const mismatch = findShapeMismatch(body, route.reads);
  if (mismatch !== null) throw unexpected(response.status, label, `no valid \`${mismatch}\` in the body`);
  return body;
}

function unexpected(status: number, label: string, what: string, cause?: unknown): TollgateClientError {
  return new TollgateClientError({
    status,
    code: 'unexpected_response',
    message: `${label} answered with ${what}.`,
    route: label,
    cause,
  });
}

/** `path` without its trailing slashes, in one pass (a regex like `/\/+$/` is quadratic on many slashes). */
function withoutTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(0, end);
}
