import { z } from 'zod';
import type { AuthorizationScheme } from '../credentials/authorization.js';
import { TollgateError } from '../errors.js';
import type { CredentialSource } from '../types.js';
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

export const HTML_TYPE = 'text/html; charset=utf-8';

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small self-contained page (no script, no remote resource) for a browser that lands on a route. */
export function htmlPage(
  status: number,
  title: string,
  message: string,
  headers: Record<string, string> = {},
): HttpResponse {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p></main></body></html>
`;
  return {
    status,
    headers: {
      'content-type': HTML_TYPE,
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      ...headers,
    },
    body,
  };
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

/** The `{"code","message"}` body's schema, a named component of the OpenAPI document. */
export const DefaultErrorSchema = z
  .object({
    code: z.string().meta({ description: 'The catalogue code, also in `Tollgate-Error-Code`.' }),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())).optional(),
  })
  .meta({
    id: 'Error',
    description: "Tollgate's own refusal: a stable code, a message, messages per field.",
  });

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
  /** For 401: the credential sources the route accepts (default: all), one challenge per scheme. */
  readonly sources?: readonly CredentialSource[] | undefined;
}

/** Every `Authorization` scheme, in the order a route accepting all of them is challenged. */
const ALL_SCHEMES: readonly AuthorizationScheme[] = ['JWT', 'UAT', 'Bearer'];
const HEADER_SCHEMES: ReadonlySet<string> = new Set(ALL_SCHEMES);

/**
 * The schemes a 401 challenges: those of `sources` that are `Authorization` schemes, in its order.
 * A route that takes none (a password login, a token in the path, the session cookie alone) is
 * challenged with `Bearer`, as RFC 9110 wants at least one challenge on every 401.
 */
export function challengedSchemes(sources: readonly CredentialSource[] | undefined): readonly string[] {
  if (sources === undefined) return ALL_SCHEMES;
  const schemes = sources.filter((source) => HEADER_SCHEMES.has(source));
  return schemes.length > 0 ? schemes : ['Bearer'];
}

/**
 * `WWW-Authenticate` of a 401 (RFC 9110 §11.6.1, RFC 6750 §3): one challenge per accepted scheme,
 * comma-separated, each with the realm and, unless no credentials were sent, `error="invalid_token"`.
 */
function challenge(failure: TollgateError, options: RenderErrorOptions): string {
  const realm = `realm="${quoted(options.realm)}"`;
  const params =
    failure.code === 'credentials_missing'
      ? realm
      : `${realm}, error="invalid_token", error_description="${quoted(publicMessage(failure))}"`;
  return challengedSchemes(options.sources)
    .map((scheme) => `${scheme} ${params}`)
    .join(', ');
}

/** Renders any thrown value: a TollgateError in the shape asked for, anything else as a 500. */
export function renderError(error: unknown, shape: ErrorShape, options: RenderErrorOptions): HttpResponse {
  const failure =
    error instanceof TollgateError ? error : new TollgateError('internal_error', { cause: error });
  const headers: Record<string, string> = { [ERROR_CODE_HEADER]: failure.code };
  if (failure.status === 401) headers['www-authenticate'] = challenge(failure, options);
  if (failure.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(retryAfterSeconds(failure.retryAfterSeconds));
  }
  if (failure.code === 'method_not_allowed' && options.allow) headers.allow = options.allow.join(', ');
  if (failure.code === 'payload_too_large') headers.connection = 'close';
  return json(failure.status, ERROR_BODIES[shape](failure), headers);
}
