/**
 * Shared setup of the core HTTP suite (test/http/*.test.ts): a real Tollgate on the memory store with
 * the demo data, a cheap password hasher and a fake clock, its `createHttpHandler`, and plain
 * `HttpRequest` objects to drive it with. No server, no socket: what an adapter would hand the core.
 */
import { expect } from 'vitest';
import {
  createHttpHandler,
  type HeaderValue,
  type HttpHandlerOptions,
  type HttpRequest,
  type HttpResponse,
  type TollgateHttp,
} from '../helpers/internals.js';
import {
  ACCOUNTS,
  type BuildOptions,
  buildDemo,
  type Demo,
  type DemoAccount,
} from '../helpers/operation-rules.js';

export { ACCOUNTS, type DemoAccount };

export const JSON_TYPE = 'application/json; charset=utf-8';
export const TEXT_TYPE = 'text/plain; charset=utf-8';
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

export interface HttpDemo extends Demo {
  readonly http: TollgateHttp;
}

/** The four documented APIs (`sessions` is Tollgate's own): what most of these tests serve. */
export const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

/** A Tollgate on the memory store (demo data, fake clock) and its HTTP handler (default: the four documented profiles). */
export async function httpDemo(
  options: Partial<HttpHandlerOptions> = {},
  build: BuildOptions = {},
): Promise<HttpDemo> {
  const demo = await buildDemo(build);
  return { ...demo, http: createHttpHandler(demo.tg, { profiles: DOCUMENTED_PROFILES, ...options }) };
}

type Headers = Readonly<Record<string, HeaderValue>>;

export function get(url: string, headers: Headers = {}): HttpRequest {
  return { method: 'GET', url, headers };
}

/** A raw body, as the Node stream would deliver it: the bytes in chunks. */
export async function* chunks(...parts: readonly (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? Buffer.from(part) : part;
}

/** A JSON request with the body as a raw stream (the core reads it), Content-Length declared. */
export function jsonRequest(method: string, url: string, body: unknown, headers: Headers = {}): HttpRequest {
  const text = JSON.stringify(body);
  return {
    method,
    url,
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    },
    body: chunks(text),
  };
}

export const post = (url: string, body: unknown, headers: Headers = {}) =>
  jsonRequest('POST', url, body, headers);

/** The same body as an app's own body parser would hand it over. */
export function postParsed(url: string, parsed: unknown, headers: Headers = {}): HttpRequest {
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    body: { parsed },
  };
}

/** Serves a request that must be one of the mounted routes. */
export async function serve(http: TollgateHttp, request: HttpRequest): Promise<HttpResponse> {
  const response = await http.handle(request);
  if (response === null) throw new Error(`${request.method} ${request.url} is not a mounted route`);
  return response;
}

/** The JSON body of a response. */
export function bodyOf(response: HttpResponse): unknown {
  expect(response.headers['content-type']).toBe(JSON_TYPE);
  if (response.body === null) throw new Error('the response has no body');
  return JSON.parse(response.body) as unknown;
}

/** A refusal: status, catalogue code header, JSON body exactly as given. */
export function expectRefusal(response: HttpResponse, status: number, code: string, body?: unknown): void {
  expect({ status: response.status, code: response.headers['tollgate-error-code'] }).toEqual({
    status,
    code,
  });
  if (body !== undefined) expect(bodyOf(response)).toEqual(body);
}

/** A token route's response: never cached. */
export function expectNoStore(response: HttpResponse): void {
  expect(response.headers).toMatchObject(NO_STORE);
}

export function expectCacheable(response: HttpResponse): void {
  expect(response.headers['cache-control']).toBeUndefined();
  expect(response.headers.pragma).toBeUndefined();
}

export const login = (account: DemoAccount) => ({ username: account.username, password: account.password });

/** One signature character changed. */
export const tampered = (token: string) =>
  `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;

/** `{"code","message"}` of the default shape. */
export const plain = (code: string, message: string) => ({ code, message });

export const MESSAGES = {
  credentials_missing: 'Authentication credentials were not provided.',
  invalid_credentials: 'Invalid credentials.',
  invalid_token: 'The token is malformed or its signature does not verify.',
  token_expired: 'The token has expired.',
  forbidden: 'You do not have permission to perform this action.',
} as const;
