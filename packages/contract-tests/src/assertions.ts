import { expect } from 'vitest';
import { ENVELOPE_CODE_OF, ENVELOPE_ERRORS, type EnvelopeCode } from './demo.js';
import type { Reply } from './http.js';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const TEXT_TYPE = 'text/plain; charset=utf-8';
/** ISO 8601 UTC, as `Date.prototype.toISOString` writes it (milliseconds optional). */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;
export const BASE64URL = /^[A-Za-z0-9_-]+$/;
export const ERROR_CODE = /^[a-z][a-z0-9_]*$/;

const REALM = 'realm="tollgate"';
const INVALID_PARAMS = /^realm="tollgate", error="invalid_token", error_description="(?:[^"\\]|\\.)*"$/;

/** Asserts `value` is a plain JSON object and returns it. */
export function record(value: unknown, what = 'value'): Record<string, unknown> {
  expect(value, `${what} is an object`).toBeTypeOf('object');
  expect(value, `${what} is not null`).not.toBeNull();
  expect(Array.isArray(value), `${what} is not an array`).toBe(false);
  return value as Record<string, unknown>;
}

/** Asserts `value` is an array and returns it. */
export function list(value: unknown, what = 'value'): unknown[] {
  expect(Array.isArray(value), `${what} is an array`).toBe(true);
  return value as unknown[];
}

/** Asserts `value` is a non-empty string and returns it. */
export function text(value: unknown, what = 'value'): string {
  expect(value, `${what} is a string`).toBeTypeOf('string');
  expect((value as string).length, `${what} is not empty`).toBeGreaterThan(0);
  return value as string;
}

/** Asserts `value` is an ISO 8601 UTC time string and returns it as epoch milliseconds. */
export function isoTime(value: unknown, what = 'time'): number {
  expect(value, `${what} is ISO 8601 UTC`).toMatch(ISO_UTC);
  const ms = Date.parse(value as string);
  expect(Number.isNaN(ms), `${what} parses`).toBe(false);
  return ms;
}

/** The `Tollgate-Error-Code` header every error response carries; asserts it is a catalogue-style code. */
export function expectErrorCode(reply: Reply): string {
  const code = reply.headers.get('tollgate-error-code') ?? '(absent)';
  expect(code, `${reply.method} ${reply.path} → ${reply.status}: Tollgate-Error-Code`).toMatch(ERROR_CODE);
  return code;
}

/** Fails when the body looks like it carries a stack trace or an exception dump. */
export function expectNoStackTrace(reply: Reply): void {
  expect(reply.text, `${reply.method} ${reply.path}: no stack trace`).not.toMatch(/^[ \t]*at\s/m);
  expect(reply.text, `${reply.method} ${reply.path}: no "Error:"`).not.toMatch(/Error:/);
  expect(reply.text, `${reply.method} ${reply.path}: no source locations`).not.toMatch(
    /\.(?:[cm]?js|ts):\d+:\d+/,
  );
}

/** Status, `Content-Type: application/json; charset=utf-8`, and the parsed body. */
export function expectJson(reply: Reply, status: number): unknown {
  expect(reply.status, String(reply)).toBe(status);
  expect(reply.headers.get('content-type'), `${reply.method} ${reply.path}: content type`).toBe(JSON_TYPE);
  return reply.json();
}

/** Status, JSON content type and the body byte for byte. */
export function expectExactJson(reply: Reply, status: number, body: string): void {
  expectJson(reply, status);
  expect(reply.text, `${reply.method} ${reply.path}: exact body`).toBe(body);
}

/** `Cache-Control: no-store` and `Pragma: no-cache`, required on every response that carries a token. */
export function expectNoStore(reply: Reply): void {
  expect(reply.headers.get('cache-control'), `${reply.method} ${reply.path}: Cache-Control`).toBe('no-store');
  expect(reply.headers.get('pragma'), `${reply.method} ${reply.path}: Pragma`).toBe('no-cache');
}

/**
 * `none`: no credentials were sent (each challenge is `<Scheme> realm="tollgate"` exactly); `invalid`: bad
 * credentials were sent in `Authorization` (each with error="invalid_token"); `any`: either (credentials
 * in a body, path or password).
 */
export type Challenge = 'none' | 'invalid' | 'any';

const ALL_SCHEMES = ['JWT', 'UAT', 'Bearer'] as const;

/**
 * The `Authorization` schemes a route accepts, which its 401 challenges (docs/http-profiles.md): the
 * UAT management routes JWT and Bearer; `/api/v2/me/` and the demo routes all three; the scheme A
 * routes Bearer; a route taking no scheme (a password login, a token in the path or body) `Bearer`.
 */
export function acceptedSchemes(path: string): readonly string[] {
  const pathname = path.split('?')[0] ?? path;
  if (pathname.startsWith('/api/v2/me/tokens/')) return ['JWT', 'Bearer'];
  if (pathname === '/api/v2/me/') return ALL_SCHEMES;
  if (pathname.startsWith('/api/v2/') && !pathname.startsWith('/api/v2/auth/')) return ALL_SCHEMES;
  return ['Bearer'];
}

/**
 * `WWW-Authenticate` on a 401: one challenge per scheme the route accepts (`schemes`, default from the
 * path), comma-separated in that order (RFC 9110 §11.6.1), each with the realm and per `challenge`.
 */
export function expectChallenge(
  reply: Reply,
  challenge: Challenge,
  schemes: readonly string[] = acceptedSchemes(reply.path),
): void {
  const value = reply.headers.get('www-authenticate') ?? '(absent)';
  const what = `${reply.method} ${reply.path}: WWW-Authenticate ${value}`;
  // Split before each `<Scheme> realm=`: the parameters themselves never contain one.
  const challenges: string[] = [];
  for (const part of value.split(', ')) {
    if (/^[A-Za-z]+ realm=/.test(part) || challenges.length === 0) challenges.push(part);
    else challenges[challenges.length - 1] += `, ${part}`;
  }
  expect(
    challenges.map((item) => item.slice(0, item.indexOf(' '))),
    `${what}: the schemes challenged`,
  ).toEqual([...schemes]);
  const params = challenges.map((item) => item.slice(item.indexOf(' ') + 1));
  for (const param of params) {
    if (challenge === 'none') expect(param, what).toBe(REALM);
    else if (challenge === 'invalid') expect(param, what).toMatch(INVALID_PARAMS);
    else if (param !== REALM) expect(param, what).toMatch(INVALID_PARAMS);
  }
  expect(new Set(params).size, `${what}: the same parameters on every challenge`).toBe(1);
}

/** The three error body shapes: `{code,message}`, scheme C's envelope, scheme D's `{detail}`. */
export type ErrorShape = 'default' | 'envelope' | 'detail';

export interface ErrorExpectation {
  readonly status: number;
  readonly shape: ErrorShape;
  /** The catalogue code (`Tollgate-Error-Code`), when the documents name it. */
  readonly code?: string;
  /** For `envelope`: the errorCode, when the documents fix it independently of the catalogue code. */
  readonly envelope?: EnvelopeCode;
  /** For `detail`: the exact message. */
  readonly detail?: string;
  /** For 401 (default `any`). */
  readonly challenge?: Challenge;
}

/**
 * An error response: status, `Tollgate-Error-Code`, `WWW-Authenticate` on 401, JSON content type,
 * no stack trace, and the body shape of its profile. Returns the parsed body.
 */
export function expectError(reply: Reply, expected: ErrorExpectation): Record<string, unknown> {
  expect(reply.status, String(reply)).toBe(expected.status);
  const code = expectErrorCode(reply);
  if (expected.code !== undefined)
    expect(code, `${reply.method} ${reply.path}: catalogue code`).toBe(expected.code);
  if (expected.status === 401) expectChallenge(reply, expected.challenge ?? 'any');
  expectNoStackTrace(reply);
  const body = record(expectJson(reply, expected.status), 'error body');
  switch (expected.shape) {
    case 'default': {
      // Validation failures add the messages per field (docs/http-profiles.md).
      const keys =
        code === 'malformed_request' && 'fields' in body
          ? ['code', 'message', 'fields']
          : ['code', 'message'];
      expect(Object.keys(body), 'default error body keys').toEqual(keys);
      if ('fields' in body) {
        for (const messages of Object.values(record(body.fields, 'fields'))) {
          for (const message of list(messages, 'field messages')) text(message, 'field message');
        }
      }
      expect(body.code, 'body code = Tollgate-Error-Code').toBe(code);
      text(body.message, 'message');
      break;
    }
    case 'envelope': {
      expect(Object.keys(body), 'envelope keys').toEqual([
        'errorCode',
        'errorMessage',
        'content',
        'pageable',
      ]);
      const errorCode: EnvelopeCode =
        expected.envelope ?? (code === null ? 'AUTH_1000' : (ENVELOPE_CODE_OF[code] ?? 'AUTH_1000'));
      expect(body.errorCode, 'errorCode').toBe(errorCode);
      if (errorCode === 'AUTH_1000') text(body.errorMessage, 'errorMessage');
      else expect(body.errorMessage, 'errorMessage').toBe(ENVELOPE_ERRORS[errorCode]);
      expect(body.content, 'content').toBe('');
      expect(body.pageable, 'pageable').toBe('');
      expect(reply.text, 'compact envelope').toBe(JSON.stringify(body));
      break;
    }
    case 'detail': {
      expect(Object.keys(body), 'detail body keys').toEqual(['detail']);
      if (expected.detail !== undefined) expect(reply.text).toBe(JSON.stringify({ detail: expected.detail }));
      else text(body.detail, 'detail');
      break;
    }
  }
  return body;
}

/** Headers that differ from one response to the next whatever was asked. */
const PER_RESPONSE_HEADERS = new Set(['date', 'etag', 'x-request-id', 'request-id', 'x-response-time']);

/**
 * Two answers a client cannot tell apart: the same status, the same body byte for byte and the same
 * headers (names and values), but for the per-response ones (`Date`, `ETag`, request ids).
 */
export function expectIndistinguishable(reply: Reply, reference: Reply): void {
  const what = `${reply.method} ${reply.path} vs ${reference.path}`;
  expect(reply.status, `${what}: status`).toBe(reference.status);
  expect(reply.text, `${what}: body`).toBe(reference.text);
  const headers = (of: Reply) =>
    [...of.headers.entries()].filter(([name]) => !PER_RESPONSE_HEADERS.has(name.toLowerCase()));
  expect(headers(reply), `${what}: headers`).toEqual(headers(reference));
  expect(reply.headers.getSetCookie(), `${what}: Set-Cookie`).toEqual(reference.headers.getSetCookie());
}

/** 401 or 403 (a credential refused for this use), with an error code. */
export function expectRefused(reply: Reply): void {
  expect([401, 403], String(reply)).toContain(reply.status);
  expectErrorCode(reply);
  if (reply.status === 401) expectChallenge(reply, 'any');
  expectNoStackTrace(reply);
}

/** The exact Set-Cookie of a scheme B session, per docs/http-profiles.md; returns Max-Age and Secure. */
export function expectSessionCookie(reply: Reply, token: string): { maxAge: number; secure: boolean } {
  const cookies = reply.headers.getSetCookie();
  const session = cookies.filter((cookie) => cookie.startsWith('tollgate_session='));
  expect(session, 'exactly one tollgate_session cookie').toHaveLength(1);
  const cookie = session[0] ?? '';
  const match = /^tollgate_session=([^;]*); Max-Age=(\d+); Path=\/; HttpOnly(; Secure)?; SameSite=Lax$/.exec(
    cookie,
  );
  expect(match, `Set-Cookie ${cookie}`).not.toBeNull();
  expect(match?.[1], 'cookie value is the security token').toBe(token);
  const maxAge = Number(match?.[2]);
  expect(maxAge, 'Max-Age').toBeGreaterThan(0);
  return { maxAge, secure: match?.[3] !== undefined };
}

export const ME_KEYS = [
  'id',
  'email',
  'customerId',
  'roles',
  'permissions',
  'environment',
  'authenticatedBy',
  'actor',
  'customData',
] as const;

export interface MeExpectation {
  readonly email: string;
  readonly customerId: string;
  readonly authenticatedBy: 'JWT' | 'UAT' | 'Bearer' | 'cookie';
  readonly roles?: readonly string[];
  /** The exact permission set (any order). */
  readonly permissions?: readonly string[];
  /** The acting administrator's username, or null for a first-hand login. */
  readonly actor?: string | null;
  readonly customData?: string | null;
}

/** GET /api/v2/me/ → 200 with the documented keys in the documented order; returns the body. */
export function expectMe(reply: Reply, expected: MeExpectation): Record<string, unknown> {
  const body = record(expectJson(reply, 200), 'me');
  expect(Object.keys(body), 'me keys').toEqual([...ME_KEYS]);
  expect(reply.text, 'compact JSON').toBe(JSON.stringify(body));
  text(body.id, 'id');
  expect(body.email).toBe(expected.email);
  expect(body.customerId).toBe(expected.customerId);
  expect(body.authenticatedBy).toBe(expected.authenticatedBy);
  const roles = list(body.roles, 'roles');
  for (const role of roles) text(role, 'role');
  if (expected.roles !== undefined) expect([...roles].sort()).toEqual([...expected.roles].sort());
  const permissions = list(body.permissions, 'permissions');
  for (const permission of permissions) text(permission, 'permission');
  if (expected.permissions !== undefined)
    expect([...permissions].sort()).toEqual([...expected.permissions].sort());
  if (body.environment !== null) text(body.environment, 'environment');
  if (expected.actor === null || expected.actor === undefined) {
    if (expected.actor === null) expect(body.actor, 'actor').toBeNull();
  } else {
    const actor = record(body.actor, 'actor');
    expect(Object.keys(actor), 'actor keys').toEqual(['id', 'username']);
    text(actor.id, 'actor.id');
    expect(actor.username, 'actor.username').toBe(expected.actor);
  }
  if (expected.customData !== undefined) expect(body.customData, 'customData').toBe(expected.customData);
  return body;
}
