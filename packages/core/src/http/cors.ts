import type { IncomingMessage, ServerResponse } from 'node:http';
import createCors from 'cors';
import { firstHeader } from './body.js';
import type { CorsOptions, HttpRequest } from './types.js';

/** What a browser page may read of a refusal besides its body: the code, the challenge, the wait. */
const DEFAULT_EXPOSED = ['Tollgate-Error-Code', 'WWW-Authenticate', 'Retry-After'];
const DEFAULT_ALLOWED = ['Authorization', 'Content-Type'];

export interface ResolvedCors {
  readonly origins: readonly string[];
  readonly credentials: boolean;
  readonly maxAge: number;
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
}

const isOrigin = (value: unknown): value is string => {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
};

/** The `cors` option, checked: each origin exactly as a browser sends it (`https://app.example.com`), no `*`. */
export function resolveCors(cors: CorsOptions | undefined): ResolvedCors | null {
  if (cors === undefined) return null;
  const { origins } = cors;
  if (!Array.isArray(origins) || origins.length === 0 || !origins.every(isOrigin)) {
    throw new TypeError(
      'cors.origins must list one or more origins exactly as browsers send them, e.g. "https://app.example.com" (scheme, host and port only; no "*")',
    );
  }
  const maxAge = cors.maxAge ?? 600;
  if (!Number.isInteger(maxAge) || maxAge < 0)
    throw new TypeError('cors.maxAge must be a whole number of seconds');
  return Object.freeze({
    origins: Object.freeze([...new Set(origins)]),
    credentials: cors.credentials ?? false,
    maxAge,
    allowedHeaders: Object.freeze([...(cors.allowedHeaders ?? DEFAULT_ALLOWED)]),
    exposedHeaders: Object.freeze([...(cors.exposedHeaders ?? DEFAULT_EXPOSED)]),
  });
}

/** What `cors` writes, kept instead of written: its headers (lower-case names), and whether it ended. */
class CollectedResponse {
  readonly headers: Record<string, string> = {};
  statusCode = 200;
  ended = false;
  getHeader(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }
  setHeader(name: string, value: string | number): void {
    this.headers[name.toLowerCase()] = String(value);
  }
  end(): void {
    this.ended = true;
  }
}

/**
 * The CORS headers of a response to a profile route, from the `cors` package: for an allowed `Origin`
 * only (any other gets none, so the browser keeps the page out). `methods`: the path's methods (asked
 * only for an allowed origin); for a
 * preflight, the 204's headers. Null: not a cross-origin request this handler allows.
 */
export function corsHeaders(
  cors: ResolvedCors,
  request: HttpRequest,
  methods: () => readonly string[],
  preflight: boolean,
): Record<string, string> | null {
  const origin = firstHeader(request.headers.origin);
  if (origin === undefined || !cors.origins.includes(origin)) return null;
  const middleware = createCors({
    origin, // exactly the one allowed origin asking: reflected, with `Vary: Origin`
    credentials: cors.credentials,
    methods: [...methods()],
    allowedHeaders: [...cors.allowedHeaders],
    exposedHeaders: [...cors.exposedHeaders],
    maxAge: cors.maxAge,
    optionsSuccessStatus: 204,
  });
  const req = {
    method: preflight ? 'OPTIONS' : request.method,
    headers: { origin },
  } as unknown as IncomingMessage;
  const res = new CollectedResponse();
  let settled = false;
  // With static options `cors` answers synchronously: ends (preflight) or calls next (the rest).
  middleware(req, res as unknown as ServerResponse, () => {
    settled = true;
  });
  if (!settled && !res.ended) throw new Error('cors did not answer synchronously');
  const { 'content-length': _length, ...headers } = res.headers;
  return headers;
}
