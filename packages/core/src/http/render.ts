import { ERROR_CATALOGUE, TollgateError, type TollgateErrorCode } from '../errors.js';
import type { ErrorShape, HttpResponse } from './types.js';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const TEXT_TYPE = 'text/plain; charset=utf-8';
export const NO_STORE: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  pragma: 'no-cache',
});
/** Carries the catalogue code on every error response, whatever the profile's body shape. */
export const ERROR_CODE_HEADER = 'tollgate-error-code';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

export function text(status: number, body: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': TEXT_TYPE, ...headers }, body };
}

export function empty(status: number, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers, body: null };
}

// Messages a client is shown as they were written; for the others the catalogue's
// message, so no internal detail ("unknown kid", "bad signature") reaches a caller.
const DETAILED = new Set<TollgateErrorCode>(['malformed_request', 'invalid_permission', 'invalid_expiry']);

export function publicMessage(error: TollgateError): string {
  return DETAILED.has(error.code) ? error.message : ERROR_CATALOGUE[error.code].message;
}

/** The token-pair API's error codes (docs/http-profiles.md). */
const ENVELOPE: Partial<Record<TollgateErrorCode, readonly [string, string]>> = {
  invalid_credentials: ['AUTH_1001', 'Invalid credentials'],
  malformed_request: ['AUTH_1002', 'Malformed request'],
  unsupported_media_type: ['AUTH_1002', 'Malformed request'],
  invalid_token: ['AUTH_1003', 'Invalid or expired refresh token'],
  token_expired: ['AUTH_1003', 'Invalid or expired refresh token'],
  wrong_token_kind: ['AUTH_1003', 'Invalid or expired refresh token'],
  token_revoked: ['AUTH_1004', 'Refresh token revoked'],
  session_expired: ['AUTH_1004', 'Refresh token revoked'],
  refresh_token_reused: ['AUTH_1005', 'Refresh token reused; the session has been revoked'],
  payload_too_large: ['AUTH_1006', 'Request body too large'],
  rate_limited: ['AUTH_1029', 'Too many attempts'],
  store_unavailable: ['AUTH_1503', 'Service temporarily unavailable'],
};

const DRF_FORBIDDEN = 'You do not have permission to perform this action.';

function errorBody(error: TollgateError, shape: ErrorShape): unknown {
  switch (shape) {
    case 'envelope': {
      const [errorCode, errorMessage] = ENVELOPE[error.code] ?? [
        'AUTH_1000',
        ERROR_CATALOGUE[error.code].message,
      ];
      return { errorCode, errorMessage, content: '', pageable: '' };
    }
    case 'detail':
      if (error.fields) return error.fields;
      if (error.code === 'invalid_permission') return { permissions: [error.message] };
      if (error.code === 'invalid_expiry') return { expires_at: [error.message] };
      if (error.code === 'insufficient_permission' || error.code === 'role_required') {
        return { detail: DRF_FORBIDDEN };
      }
      // Django REST framework's own throttling message.
      if (error.code === 'rate_limited' && error.retryAfterSeconds !== undefined) {
        return {
          detail: `Request was throttled. Expected available in ${retryAfter(error.retryAfterSeconds)} seconds.`,
        };
      }
      return { detail: publicMessage(error) };
    case 'default':
      return error.fields
        ? { code: error.code, message: publicMessage(error), fields: error.fields }
        : { code: error.code, message: publicMessage(error) };
  }
}

function retryAfter(seconds: number): number {
  return Math.max(1, Math.ceil(seconds));
}

function quoted(value: string): string {
  return value.replace(/["\\]/g, "'");
}

export interface RenderErrorOptions {
  readonly realm: string;
  /** For 405: the methods the path allows. */
  readonly allow?: readonly string[];
}

/** Renders any thrown value: a TollgateError in the shape asked for, anything else as a 500. */
export function renderError(error: unknown, shape: ErrorShape, options: RenderErrorOptions): HttpResponse {
  const failure =
    error instanceof TollgateError ? error : new TollgateError('internal_error', { cause: error });
  const headers: Record<string, string> = { [ERROR_CODE_HEADER]: failure.code };
  if (failure.status === 401) {
    headers['www-authenticate'] =
      failure.code === 'credentials_missing'
        ? `Bearer realm="${quoted(options.realm)}"`
        : `Bearer realm="${quoted(options.realm)}", error="invalid_token", error_description="${quoted(publicMessage(failure))}"`;
  }
  if (failure.code === 'rate_limited' && failure.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(retryAfter(failure.retryAfterSeconds));
  }
  if (failure.code === 'method_not_allowed' && options.allow) headers.allow = options.allow.join(', ');
  if (failure.code === 'payload_too_large') headers.connection = 'close';
  return json(failure.status, errorBody(failure, shape), headers);
}
