/**
 * One catalogue of failure codes. Every refusal Tollgate makes is a `TollgateError`
 * with one of these codes; HTTP profiles render the code in their own API's shape,
 * using `status` (the suggested HTTP status) unless the profile documents otherwise.
 */
export const ERROR_CATALOGUE = {
  credentials_missing: { status: 401, message: 'Authentication credentials were not provided.' },
  invalid_credentials: { status: 401, message: 'Invalid credentials.' },
  invalid_token: { status: 401, message: 'The token is malformed or its signature does not verify.' },
  token_expired: { status: 401, message: 'The token has expired.' },
  token_not_yet_valid: { status: 401, message: 'The token is not valid yet.' },
  token_revoked: { status: 401, message: 'The token has been revoked.' },
  refresh_token_reused: {
    status: 401,
    message: 'The refresh token was already used; its whole session has been revoked.',
  },
  session_expired: { status: 401, message: 'The session has reached its absolute lifetime; log in again.' },
  wrong_token_kind: { status: 401, message: 'This kind of token is not accepted here.' },
  unsupported_scheme: { status: 401, message: 'This authorization scheme is not accepted here.' },
  ambiguous_credentials: {
    status: 400,
    message: 'The request carries more than one credential; send exactly one.',
  },
  malformed_request: { status: 400, message: 'The request is malformed.' },
  payload_too_large: { status: 413, message: 'The request body is larger than allowed.' },
  unsupported_media_type: { status: 415, message: 'The request body must be application/json.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed on this path.' },
  csrf_origin_mismatch: {
    status: 403,
    message: 'A cookie-authenticated request that changes state must come from an allowed origin.',
  },
  invalid_permission: { status: 400, message: 'A permission is not in the permission catalogue.' },
  invalid_expiry: { status: 400, message: 'The expiry is in the past or beyond the allowed maximum.' },
  insufficient_permission: { status: 403, message: 'You do not have permission to perform this action.' },
  role_required: { status: 403, message: 'A role this action requires is missing.' },
  environment_required: { status: 403, message: 'This action needs a token with an environment.' },
  environment_not_allowed: { status: 403, message: 'The user may not use this environment.' },
  administrator_not_allowed: {
    status: 403,
    message: 'This is for customer-associated users only, not for administrators.',
  },
  not_an_administrator: { status: 403, message: 'Only an administrator may do this.' },
  outside_domain: { status: 403, message: 'The user is outside the administrator’s domain.' },
  delegated_token_not_allowed: {
    status: 403,
    message: 'A token acting for a user on an administrator’s behalf cannot be used for this.',
  },
  unknown_user: { status: 404, message: 'No such user.' },
  not_found: { status: 404, message: 'Not found.' },
  user_exists: { status: 409, message: 'A user with this username already exists.' },
  not_supported: {
    status: 501,
    message: 'This server is not set up for this (a user directory that can change users, an audit log).',
  },
  rate_limited: { status: 429, message: 'Too many attempts; try again later.' },
  login_overloaded: { status: 503, message: 'Too many logins are being checked; try again shortly.' },
  store_unavailable: { status: 503, message: 'The token store cannot be reached; try again shortly.' },
  internal_error: { status: 500, message: 'An unexpected error occurred.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type TollgateErrorCode = keyof typeof ERROR_CATALOGUE;

export interface TollgateErrorOptions {
  /** A message for developers; never contains a token, password or secret. */
  message?: string;
  cause?: unknown;
  /** For `rate_limited` and `login_overloaded`: seconds until a retry may succeed. */
  retryAfterSeconds?: number;
  /** For validation failures: messages per request field. */
  fields?: Readonly<Record<string, readonly string[]>>;
}

// Shared by every copy of this package loaded in one process (its ESM and CJS builds, two
// versions): `instanceof TollgateError` holds across them, so no refusal turns into a 500.
const BRAND = Symbol.for('@tollgate/core:TollgateError');

export class TollgateError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  override readonly name = 'TollgateError';
  readonly [BRAND] = true;
  readonly code: TollgateErrorCode;
  /** The suggested HTTP status for this code. */
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  readonly fields: Readonly<Record<string, readonly string[]>> | undefined;

  constructor(code: TollgateErrorCode, options: TollgateErrorOptions = {}) {
    super(options.message ?? ERROR_CATALOGUE[code].message, { cause: options.cause });
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.fields = options.fields;
  }
}

export function isTollgateError(value: unknown): value is TollgateError {
  return value instanceof TollgateError;
}

/** The suggested HTTP status of a code (one table for every adapter). */
export function statusOf(code: TollgateErrorCode): number {
  return ERROR_CATALOGUE[code].status;
}
