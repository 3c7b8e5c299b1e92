import { expect } from 'vitest';
import { BASE64URL, expectJson, expectNoStore, isoTime, list, record, text } from './assertions.js';
import { type Account, DOMAIN_ADMIN, ETHAN, type Permission, ROOT } from './demo.js';
import { type FetchOptions, fetchReply, type RawOptions, type Reply, rawReply } from './http.js';

export type HeaderMap = Readonly<Record<string, string>>;

export const bearer = (token: string): HeaderMap => ({ authorization: `Bearer ${token}` });
export const jwtAuth = (token: string): HeaderMap => ({ authorization: `JWT ${token}` });
export const uatAuth = (token: string): HeaderMap => ({ authorization: `UAT ${token}` });
export const sessionCookie = (token: string): HeaderMap => ({ cookie: `tollgate_session=${token}` });

export interface TokenPair {
  readonly customerId: string;
  readonly token: string;
  readonly refreshToken: string;
}

export interface UserToken {
  readonly token: string;
  readonly environment: string | null;
  readonly expiresAt: string;
}

export interface CreatedUat {
  readonly id: string;
  readonly token: string;
  readonly prefix: string;
  readonly body: Record<string, unknown>;
}

/** The base URL and token-minting helpers the scheme sections share; every helper asserts success. */
export class ContractClient {
  readonly #base: () => string;
  readonly #memo = new Map<string, Promise<string>>();

  constructor(base: () => string) {
    this.#base = base;
  }

  get url(): string {
    return this.#base();
  }

  /** The origin the app answers on, as `scheme://host:port` (scheme given by the caller). */
  origin(scheme: 'http' | 'https'): string {
    return `${scheme}://${new URL(this.url).host}`;
  }

  fetch(path: string, options: FetchOptions = {}): Promise<Reply> {
    return fetchReply(this.url, path, options);
  }

  get(path: string, headers: HeaderMap = {}): Promise<Reply> {
    return fetchReply(this.url, path, { method: 'GET', headers });
  }

  post(path: string, json: unknown, headers: HeaderMap = {}): Promise<Reply> {
    return fetchReply(this.url, path, { method: 'POST', json, headers });
  }

  raw(options: RawOptions): Promise<Reply> {
    return rawReply(this.url, options);
  }

  /** Forgets the shared tokens of `account` (after a test revoked every session of it). */
  forget(account: Account): void {
    for (const key of [...this.#memo.keys()])
      if (key.endsWith(`:${account.username}`)) this.#memo.delete(key);
  }

  #once(key: string, make: () => Promise<string>): Promise<string> {
    let value = this.#memo.get(key);
    if (value === undefined) {
      value = make();
      this.#memo.set(key, value);
      value.catch(() => this.#memo.delete(key));
    }
    return value;
  }

  // Scheme C

  /** A fresh scheme C login: a new token family. */
  async login(account: Account): Promise<TokenPair> {
    const reply = await this.post('/api/v2/auth/token', {
      username: account.username,
      password: account.password,
    });
    return parsePair(reply);
  }

  /** A shared access token of `account` (one login per app). */
  access(account: Account): Promise<string> {
    return this.#once(`access:${account.username}`, async () => (await this.login(account)).token);
  }

  /** The enterprise admin's shared access token. */
  rootAccess(): Promise<string> {
    return this.access(ROOT);
  }

  /** The domain admin's (Datastore Ltd) shared access token. */
  domainAdminAccess(): Promise<string> {
    return this.access(DOMAIN_ADMIN);
  }

  // Scheme D

  /** A fresh scheme D JWT. */
  async freshJwt(account: Account): Promise<string> {
    const reply = await this.post('/api/v2/auth/jwt/', {
      email: account.username,
      password: account.password,
    });
    const body = record(expectJson(reply, 200));
    expect(Object.keys(body)).toEqual(['token']);
    return text(body.token, 'jwt');
  }

  /** A shared scheme D JWT of `account`. */
  jwt(account: Account): Promise<string> {
    return this.#once(`jwt:${account.username}`, () => this.freshJwt(account));
  }

  /** Creates a UAT as ethan (company_admin) through his JWT. */
  async createUat(
    permissions: readonly Permission[],
    options: { name?: string; expiresAt?: string; creator?: string } = {},
  ): Promise<CreatedUat> {
    const creator = options.creator ?? (await this.jwt(ETHAN));
    const reply = await this.post(
      '/api/v2/me/tokens/',
      {
        name: options.name ?? 'contract',
        expires_at: options.expiresAt ?? new Date(Date.now() + 30 * 86_400_000).toISOString(),
        permissions,
      },
      jwtAuth(creator),
    );
    const body = record(expectJson(reply, 201), 'created UAT');
    return {
      id: text(body.id, 'id'),
      token: text(body.token, 'token'),
      prefix: text(body.prefix, 'prefix'),
      body,
    };
  }

  // Scheme A

  /** A user token through GET /Authentication. */
  async userToken(account: Account, environment?: string): Promise<UserToken> {
    const query = new URLSearchParams({ username: account.username, password: account.password });
    if (environment !== undefined) query.set('environment', environment);
    return parseUserToken(await this.get(`/Authentication?${query}`), environment ?? null);
  }

  /** A user token for `account` issued by an administrator (root by default) through GET /Authentication/UserToken. */
  async issuedUserToken(
    account: Account,
    options: { environment?: string; adminToken?: string } = {},
  ): Promise<UserToken> {
    const query = new URLSearchParams({ username: account.username });
    if (options.environment !== undefined) query.set('environment', options.environment);
    const adminToken = options.adminToken ?? (await this.rootAccess());
    const reply = await this.get(`/Authentication/UserToken?${query}`, bearer(adminToken));
    return parseUserToken(reply, options.environment ?? null);
  }

  // Scheme B

  /** A security token for `userIdentity`, delegated by the enterprise admin (or `adminToken`). */
  async delegate(
    userIdentity: string,
    options: { domain?: string; customData?: string | null; adminToken?: string } = {},
  ): Promise<string> {
    const reply = await this.post('/API3/authentication/authenticateUserByToken', {
      domain: options.domain ?? 'datastore',
      customData: options.customData === undefined ? 'contract-suite' : options.customData,
      userIdentity,
      token: options.adminToken ?? (await this.rootAccess()),
    });
    expect(reply.status, String(reply)).toBe(200);
    expect(reply.text).toMatch(BASE64URL);
    return reply.text;
  }
}

/** Checks a scheme C success envelope byte for byte (but for the two token values) and returns the pair. */
export function parsePair(reply: Reply, customerId?: string): TokenPair {
  const body = record(expectJson(reply, 200), 'envelope');
  expectNoStore(reply);
  const content = list(body.content, 'content');
  expect(content).toHaveLength(1);
  const item = record(content[0], 'content[0]');
  const pair: TokenPair = {
    customerId: text(item.customerId, 'customerId'),
    token: text(item.token, 'token'),
    refreshToken: text(item.refreshToken, 'refreshToken'),
  };
  if (customerId !== undefined) expect(pair.customerId).toBe(customerId);
  expect(pair.token).not.toBe(pair.refreshToken);
  const exact = JSON.stringify({
    errorCode: '',
    errorMessage: '',
    content: [
      { customerId: pair.customerId, token: pair.token, refreshToken: pair.refreshToken, validityTime: 3600 },
    ],
    pageable: { page: 0, size: 10, totalPages: 1, totalElements: 1 },
  });
  expect(reply.text, 'success envelope, byte for byte').toBe(exact);
  return pair;
}

/** Checks a scheme A success body `{"token","environment","expiresAt"}` byte for byte and returns it. */
export function parseUserToken(reply: Reply, environment: string | null): UserToken {
  const body = record(expectJson(reply, 200), 'user token body');
  expectNoStore(reply);
  const result: UserToken = {
    token: text(body.token, 'token'),
    environment: body.environment === null ? null : text(body.environment, 'environment'),
    expiresAt: text(body.expiresAt, 'expiresAt'),
  };
  expect(result.environment, 'environment').toBe(environment);
  expect(isoTime(result.expiresAt, 'expiresAt'), 'expiresAt in the future').toBeGreaterThan(Date.now());
  expect(reply.text, 'user token body, byte for byte').toBe(JSON.stringify(result));
  return result;
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * `token` with one character changed (by default in its last eighth, which carries signatures and
 * checksums). A base64url character is replaced by the one whose top bit differs, so the change never
 * falls into the padding bits a lenient decoder ignores.
 */
export function tamper(
  token: string,
  index = token.length - Math.max(2, Math.floor(token.length / 8)),
): string {
  const original = token.charAt(index);
  const position = BASE64URL_ALPHABET.indexOf(original);
  const replacement = position >= 0 ? BASE64URL_ALPHABET.charAt(position ^ 32) : 'A';
  return `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
}
