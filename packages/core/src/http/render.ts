import { TollgateError } from '../errors.js';
import { publicMessage, retryAfterSeconds } from './messages.js';
import { envelopeErrorBody } from './profiles/token-pair/error-body.js';
import { detailErrorBody } from './profiles/uat-jwt/error-body.js';
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

/** `{"code","message"}`: Tollgate's own shape, for the user-token and delegated-login APIs and apps. */
function defaultErrorBody(error: TollgateError): unknown {
  return error.fields
    ? { code: error.code, message: publicMessage(error), fields: error.fields }
    : { code: error.code, message: publicMessage(error) };
}

/** Each shape's body, from the profile that defines it. */
const ERROR_BODIES: Readonly<Record<ErrorShape, (error: TollgateError) => unknown>> = {
  default: defaultErrorBody,
  envelope: envelopeErrorBody,
  detail: detailErrorBody,
};

function quoted(value: string): string {
  return value.replace(/["\\]/g, "'");
}

export interface RenderErrorOptions {
  readonly realm: string;
  /** For 405: the methods the path allows. */
  readonly allow?: readonly string[] | undefined;
}

/** Renders any thrown value: a TollgateError in the shape asked for, anything else as a 500. */
export function renderError(error: unknown, shape: ErrorShape, options: RenderErrorOptions): HttpResponse {
  const failure =
    error instanceof TollgateError ? error : new TollgateError('internal_error', { cause: error });
  const headers: Record<string, string> = { [ERROR_CODE_HEADER]: failure.code };
  if (failure.status === 401) {
    const realm = `Bearer realm="${quoted(options.realm)}"`;
    headers['www-authenticate'] =
      failure.code === 'credentials_missing'
        ? realm
        : `${realm}, error="invalid_token", error_description="${quoted(publicMessage(failure))}"`;
  }
  if (failure.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(retryAfterSeconds(failure.retryAfterSeconds));
  }
  if (failure.code === 'method_not_allowed' && options.allow) headers.allow = options.allow.join(', ');
  if (failure.code === 'payload_too_large') headers.connection = 'close';
  return json(failure.status, ERROR_BODIES[shape](failure), headers);
}
