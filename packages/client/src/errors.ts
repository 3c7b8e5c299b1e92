/**
 * The server's error catalogue (`@tollgate/core`'s `ERROR_CATALOGUE`), copied so the client has no
 * runtime dependency on the server package; a test holds the two lists equal.
 */
export const CATALOGUE_CODES = [
  'credentials_missing',
  'invalid_credentials',
  'invalid_token',
  'token_expired',
  'token_not_yet_valid',
  'token_revoked',
  'refresh_token_reused',
  'session_expired',
  'wrong_token_kind',
  'unsupported_scheme',
  'ambiguous_credentials',
  'malformed_request',
  'payload_too_large',
  'unsupported_media_type',
  'method_not_allowed',
  'csrf_origin_mismatch',
  'invalid_permission',
  'invalid_expiry',
  'insufficient_permission',
  'role_required',
  'environment_required',
  'environment_not_allowed',
  'administrator_not_allowed',
  'not_an_administrator',
  'outside_domain',
  'delegated_token_not_allowed',
  'unknown_user',
  'not_found',
  'user_exists',
  'not_supported',
  'rate_limited',
  'login_overloaded',
  'store_unavailable',
  'internal_error',
] as const;

export type CatalogueCode = (typeof CATALOGUE_CODES)[number];

/**
 * Codes the client raises itself: `session_ended` (the session was logged out, or its refresh was
 * refused and its storage cleared), `unexpected_response` (a success answer without the fields
 * this client reads; see `ROUTES`), `unknown_error` (an error answer with no code in its header
 * or body). A JWT, delegated or UAT session past its expiry raises the catalogue's `token_expired`
 * locally (`local: true`).
 */
export const CLIENT_CODES = ['session_ended', 'unexpected_response', 'unknown_error'] as const;

export type ClientCode = (typeof CLIENT_CODES)[number];

/** A catalogue code, a client code, or (from a newer server) a code this version does not know. */
export type ErrorCode = CatalogueCode | ClientCode | (string & {});

/** The header carrying the catalogue code on every error response, whatever the profile's body. */
export const ERROR_CODE_HEADER = 'tollgate-error-code';

/** The server's HTTP profiles; `sessions` is opt-in on the server (`profiles: [..., 'sessions']`). */
export type ProfileName = 'user-tokens' | 'delegated-login' | 'token-pair' | 'uat-jwt' | 'sessions';

export interface TollgateClientErrorInit {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  /** The profile's error body as received (parsed JSON, or text), `null` for none. */
  readonly body?: unknown;
  readonly errorCode?: string | undefined;
  readonly fields?: Readonly<Record<string, readonly string[]>> | undefined;
  readonly route?: string | undefined;
  readonly retryAfterSeconds?: number | undefined;
  readonly local?: boolean;
  readonly cause?: unknown;
}

const BRAND = Symbol.for('@tollgate/client:TollgateClientError');

/**
 * Every refusal the client reports. `code` is the catalogue code (the `Tollgate-Error-Code`
 * header; the body when a proxy dropped the header); `body` the profile's own error body;
 * `errorCode` the token-pair API's `AUTH_xxxx`. No token ever appears in it: `route` names the
 * path template (`GET /Authentication/refresh/{token}`), never the URL.
 */
export class TollgateClientError extends Error {
  // Holds across the ESM and CJS builds and the `.`/`./node` entries loaded side by side.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  override readonly name = 'TollgateClientError';
  readonly [BRAND] = true;
  /** HTTP status of the answer; for a local error, the status the server would have used. */
  readonly status: number;
  readonly code: ErrorCode;
  /** The profile's error body as received: `{code,message}`, the AUTH envelope, `{detail}`, field errors. */
  readonly body: unknown;
  /** Scheme C only: `AUTH_1001` … from the envelope. */
  readonly errorCode: string | undefined;
  /** Validation failures: messages per request field. */
  readonly fields: Readonly<Record<string, readonly string[]>> | undefined;
  /** `METHOD /path/{template}` of the call, when the client made it through its route table. */
  readonly route: string | undefined;
  /** From `Retry-After` (rate limiting). */
  readonly retryAfterSeconds: number | undefined;
  /** True when the client decided without asking the server (an expired JWT, an ended session). */
  readonly local: boolean;

  constructor(init: TollgateClientErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.body = init.body ?? null;
    this.errorCode = init.errorCode;
    this.fields = init.fields;
    this.route = init.route;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.local = init.local ?? false;
  }

  /** Reads an error response (any profile's shape) into a typed error; consumes the body. */
  static async fromResponse(response: Response, route?: string): Promise<TollgateClientError> {
    const text = await response.text().catch(() => '');
    let body: unknown = text.length > 0 ? text : null;
    if (text.length > 0 && /json/i.test(response.headers.get('content-type') ?? '')) {
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text.
      }
    }
    return errorFromParts(response.status, response.headers, body, route);
  }
}

export function isTollgateClientError(value: unknown): value is TollgateClientError {
  return value instanceof TollgateClientError;
}

/** Throws the typed error of a non-2xx response; returns the response otherwise. */
export async function raiseForStatus(response: Response, route?: string): Promise<Response> {
  if (response.ok) return response;
  throw await TollgateClientError.fromResponse(response, route);
}

// docs/http-profiles.md: the token-pair API's codes, read back when the header is missing.
const ENVELOPE_CODES: Readonly<Record<string, CatalogueCode>> = {
  AUTH_1001: 'invalid_credentials',
  AUTH_1002: 'malformed_request',
  AUTH_1003: 'invalid_token',
  AUTH_1004: 'token_revoked',
  AUTH_1005: 'refresh_token_reused',
  AUTH_1006: 'payload_too_large',
  AUTH_1029: 'rate_limited',
  AUTH_1503: 'store_unavailable',
};

const STATUS_CODES: Readonly<Record<number, CatalogueCode>> = {
  400: 'malformed_request',
  401: 'invalid_token',
  403: 'insufficient_permission',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'user_exists',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  500: 'internal_error',
  501: 'not_supported',
  503: 'store_unavailable',
};

const NO_CREDENTIALS = 'Authentication credentials were not provided.';
const FORBIDDEN = 'You do not have permission to perform this action.';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Field errors: `fields` of the default body, or a `{"<field>": ["…"]}` body of the UAT/JWT API. */
function fieldsOf(body: unknown): Record<string, string[]> | undefined {
  if (!isRecord(body)) return undefined;
  const source = isRecord(body.fields) ? body.fields : body;
  const fields: Record<string, string[]> = {};
  for (const [name, messages] of Object.entries(source)) {
    if (stringList(messages)) fields[name] = messages;
  }
  return Object.keys(fields).length > 0 ? fields : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function errorFromParts(
  status: number,
  headers: Headers,
  body: unknown,
  route?: string,
): TollgateClientError {
  const record = isRecord(body) ? body : {};
  const errorCode = str(record.errorCode);
  const fields = fieldsOf(body);
  const detail = str(record.detail);
  const fromBody =
    str(record.code) ??
    (errorCode ? ENVELOPE_CODES[errorCode] : undefined) ??
    (detail === NO_CREDENTIALS ? 'credentials_missing' : undefined) ??
    (detail === FORBIDDEN ? 'insufficient_permission' : undefined) ??
    (fields?.non_field_errors ? 'invalid_credentials' : undefined) ??
    (fields ? 'malformed_request' : undefined);
  const code = str(headers.get(ERROR_CODE_HEADER)) ?? fromBody ?? STATUS_CODES[status] ?? 'unknown_error';
  const firstField = fields ? Object.entries(fields)[0] : undefined;
  const message =
    str(record.message) ??
    str(record.errorMessage) ??
    detail ??
    (firstField
      ? firstField[0] === 'non_field_errors'
        ? firstField[1][0]
        : `${firstField[0]}: ${firstField[1][0]}`
      : undefined) ??
    (typeof body === 'string' && body.length > 0 && body.length <= 200 ? body : undefined) ??
    `HTTP ${status}`;
  const retryAfter = Number(headers.get('retry-after') ?? Number.NaN);
  return new TollgateClientError({
    status,
    code,
    message: message ?? `HTTP ${status}`,
    body,
    errorCode,
    fields,
    route,
    retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
  });
}

export function localError(
  code: ErrorCode,
  status: number,
  message: string,
  cause?: unknown,
): TollgateClientError {
  return new TollgateClientError({ status, code, message, local: true, cause });
}
