import { describe, expect, it } from 'vitest';
import { ERROR_CODE } from './assertions.js';
import type { ContractClient } from './client.js';
import { AVA, BOB, DOMAIN_ADMIN, ETHAN, PERMISSIONS, ROOT } from './demo.js';
import type { RawHeaders, Reply } from './http.js';
import { DELEGATE_PATH } from './scheme-b.js';

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with CONTRACT_FUZZ_SEED. */
class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
}

interface Tokens {
  readonly access: string;
  readonly refresh: string;
  readonly jwt: string;
  readonly uat: string;
  readonly uatId: string;
  readonly user: string;
  readonly session: string;
  readonly root: string;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

const GARBAGE = [
  '',
  ' ',
  'null',
  'undefined',
  '%',
  '%00',
  '%ff%fe',
  '..',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  '{{7*7}}',
  '$\u007Bjndi:ldap://x/a}',
  '__proto__',
  'constructor',
  'prototype',
  'é\u00ff',
  'A'.repeat(3000),
  '-1',
  '1e309',
  'true',
  '[]',
  '{}',
];

const FIELDS = [
  'username',
  'password',
  'environment',
  'domain',
  'customData',
  'userIdentity',
  'token',
  'refreshToken',
  'email',
  'name',
  'expires_at',
  'permissions',
  '__proto__',
  'constructor',
];

const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/jsonx',
  ';;;',
];

/** The contract's endpoints as [method, request target], with real tokens where a path carries one. */
function endpoints(tokens: Tokens): Array<readonly [string, string]> {
  const login = new URLSearchParams({ username: ETHAN.username, password: ETHAN.password });
  return [
    ['GET', '/Authentication'],
    ['POST', '/Authentication'],
    ['GET', `/Authentication?${login}`],
    ['GET', `/Authentication?${login}&environment=production`],
    ['GET', `/Authentication?username=${encodeURIComponent(ROOT.username)}&password=x`],
    ['GET', `/Authentication/UserToken?username=${encodeURIComponent(AVA.username)}`],
    ['GET', `/Authentication/refresh/${tokens.user}`],
    ['GET', `/Authentication/refresh/${tokens.user}?environment=staging`],
    ['GET', `/Authentication/token/${tokens.user}/Environments`],
    ['GET', '/Environment/current'],
    ['POST', DELEGATE_PATH],
    ['POST', '/api/v2/auth/token'],
    ['POST', '/api/v2/auth/token/refresh'],
    ['POST', '/api/v2/auth/token/revoke'],
    ['POST', '/api/v2/auth/jwt/'],
    ['GET', '/api/v2/me/'],
    ['GET', '/api/v2/me/tokens/'],
    ['POST', '/api/v2/me/tokens/'],
    ['DELETE', `/api/v2/me/tokens/${tokens.uatId}/`],
    ['POST', '/api/v2/brands/'],
    ['POST', '/api/v2/products/'],
    ['GET', '/api/v2/scans/download'],
    ['POST', '/api/v2/scm/bulk-edit/'],
    ['PATCH', '/api/v2/scm/codes/c-1/'],
    ['GET', '/.well-known/jwks.json'],
    ['GET', '/openapi.json'],
  ];
}

/** A header-safe garbage string (node:http refuses control characters and code points over 0xff). */
function headerSafe(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}

function mutatePath(random: Random, path: string): string {
  const segment = () =>
    encodeURIComponent(random.pick(GARBAGE)).replace(/%25/g, random.chance(0.5) ? '%' : '%25');
  switch (random.int(12)) {
    case 0:
      return `${path}/${segment()}`;
    case 1:
      return replaceLastSegment(path, segment());
    case 2:
      return `${path}${path.includes('?') ? '&' : '?'}${random.pick([
        'username=a&username=b',
        'username[]=a&password[]=b',
        'environment[$ne]=x',
        'environment=&environment=production',
        '%zz=%zz',
        '&&&==&',
        `password=${'p'.repeat(5000)}`,
        '__proto__[admin]=1',
      ])}`;
    case 3:
      return path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
    case 4:
      return path.replace(/^\//, '//');
    case 5:
      return random.chance(0.5) ? path.toLowerCase() : path.toUpperCase();
    case 6:
      return path.replace(
        /\/([^/?]+)/,
        (_match, first: string) => `/${encodeURIComponent(encodeURIComponent(first))}`,
      );
    default:
      return path;
  }
}

function randomValue(random: Random, tokens: Tokens, depth = 0): unknown {
  switch (random.int(depth > 2 ? 8 : 11)) {
    case 0:
      return random.pick(GARBAGE);
    case 1:
      return random.pick([ETHAN, AVA, BOB, DOMAIN_ADMIN, ROOT]).username;
    case 2:
      return random.pick([ETHAN.password, AVA.password, 'wrong']);
    case 3:
      return random.pick(Object.values(tokens));
    case 4:
      return random.pick([0, -1, 1e308, 3.5, Number.MAX_SAFE_INTEGER + 2]);
    case 5:
      return random.pick([true, false, null]);
    case 6:
      return random.pick(['production', 'staging', 'sandbox', 'datastore', 'acme', ...PERMISSIONS]);
    case 7:
      return new Date(Date.now() + (random.next() - 0.3) * 800 * 86_400_000).toISOString();
    case 8:
      return Array.from({ length: random.int(4) }, () => randomValue(random, tokens, depth + 1));
    default:
      return randomObject(random, tokens, depth + 1);
  }
}

function randomObject(random: Random, tokens: Tokens, depth = 0): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  const count = random.int(6);
  for (let i = 0; i < count; i++) {
    Object.defineProperty(object, random.pick(FIELDS), {
      value: randomValue(random, tokens, depth),
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return object;
}

function randomBody(random: Random, tokens: Tokens): Buffer | undefined {
  switch (random.int(12)) {
    case 0:
      return undefined;
    case 1:
      return Buffer.alloc(0);
    case 2:
      return Buffer.from(
        random.pick(['{', '{"a":', 'nul', '[1,2', '{"a":1}}', "{'a':1}", '\u0000', '{"a":"\\ud800"}']),
      );
    case 3:
      return Buffer.from(Array.from({ length: 1 + random.int(200) }, () => random.int(256)));
    case 4:
      return Buffer.from(JSON.stringify(randomValue(random, tokens)));
    case 5:
      return Buffer.from(
        `username=${encodeURIComponent(ETHAN.username)}&password=${encodeURIComponent(ETHAN.password)}`,
      );
    case 6:
      return Buffer.from(`${'['.repeat(3000)}${']'.repeat(3000)}`);
    case 7:
      return Buffer.from(JSON.stringify({ pad: 'x'.repeat(70 * 1024) }));
    default:
      return Buffer.from(JSON.stringify(randomObject(random, tokens)));
  }
}

function randomAuthorization(random: Random, tokens: Tokens): string | string[] | undefined {
  const token = random.pick([...Object.values(tokens), ...GARBAGE]);
  switch (random.int(10)) {
    case 0:
    case 1:
      return undefined;
    case 2:
      return `${random.pick(['Bearer', 'JWT', 'UAT', 'Basic', 'Token', 'bearer', ''])}`;
    case 3:
      return [`Bearer ${tokens.access}`, `JWT ${tokens.jwt}`];
    case 4:
      return `Bearer  ${token}`;
    case 5:
      return `Bearer ${token}\u00ff`;
    default:
      return `${random.pick(['Bearer', 'JWT', 'UAT'])} ${token}`;
  }
}

function randomHeaders(random: Random, tokens: Tokens, origin: string, body: Buffer | undefined): RawHeaders {
  const headers: Record<string, string | string[]> = {};
  const authorization = randomAuthorization(random, tokens);
  if (authorization !== undefined) {
    headers.authorization = Array.isArray(authorization)
      ? authorization.map(headerSafe)
      : headerSafe(authorization);
  }
  if (random.chance(0.2)) {
    headers.cookie = headerSafe(
      random.pick([
        `tollgate_session=${tokens.session}`,
        `tollgate_session=${random.pick(GARBAGE)}`,
        'tollgate_session=a; tollgate_session=b',
        'tollgate_session',
        '=;=;',
        `tollgate_session=${tokens.jwt}`,
      ]),
    );
  }
  if (random.chance(0.2)) headers.origin = random.pick([origin, 'https://evil.example', 'null', '']);
  if (body !== undefined && random.chance(0.9)) headers['content-type'] = random.pick(CONTENT_TYPES);
  if (body !== undefined) headers['content-length'] = String(body.length);
  if (random.chance(0.1)) headers.accept = random.pick(['text/html', '*/*', 'application/xml']);
  return headers;
}

/** Whether a successful response hands out a token (so it must not be cached). */
function carriesToken(reply: Reply): boolean {
  if (reply.status < 200 || reply.status >= 300) return false;
  if (reply.headers.getSetCookie().some((cookie) => cookie.startsWith('tollgate_session='))) return true;
  if (
    (reply.headers.get('content-type') ?? '').startsWith('text/plain') &&
    reply.path.includes('authenticateUser')
  ) {
    return true;
  }
  try {
    const body: unknown = JSON.parse(reply.text);
    if (typeof body !== 'object' || body === null) return false;
    if ('token' in body || 'refreshToken' in body) return true;
    const content: unknown = 'content' in body ? body.content : undefined;
    return (
      Array.isArray(content) &&
      content.some((item) => typeof item === 'object' && item !== null && 'token' in item)
    );
  } catch {
    return false;
  }
}

/** The checks every response must pass; returns the problems found. */
function problems(reply: Reply): string[] {
  const found: string[] = [];
  if (reply.status >= 500 || reply.status < 100) found.push(`status ${reply.status}`);
  if (/^[ \t]*at\s/m.test(reply.text)) found.push('a stack trace ("at " line)');
  if (reply.text.includes('Error:')) found.push('"Error:" in the body');
  if (/\.(?:[cm]?js|ts):\d+:\d+/.test(reply.text)) found.push('a source location in the body');
  if (reply.status >= 400 && !ERROR_CODE.test(reply.headers.get('tollgate-error-code') ?? '')) {
    found.push('no Tollgate-Error-Code header');
  }
  if (carriesToken(reply)) {
    if (reply.headers.get('cache-control') !== 'no-store')
      found.push('a token without Cache-Control: no-store');
    if (reply.headers.get('pragma') !== 'no-cache') found.push('a token without Pragma: no-cache');
  }
  return found;
}

const SEED = Number(process.env.CONTRACT_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
const REQUESTS = Number(process.env.CONTRACT_FUZZ_REQUESTS ?? 300);
const CONCURRENCY = 6;

/** Section 6, the fuzz loop: runs last, since it may revoke or rate-limit what it touches. */
export function defineFuzz(client: ContractClient): void {
  describe('robustness: fuzz', () => {
    it(`${REQUESTS} random requests: never 5xx, never a stack trace, every error has Tollgate-Error-Code`, async () => {
      const pair = await client.login(BOB);
      const uat = await client.createUat(['scans_download']);
      const tokens: Tokens = {
        access: pair.token,
        refresh: pair.refreshToken,
        jwt: await client.jwt(ETHAN),
        uat: uat.token,
        uatId: uat.id,
        user: (await client.userToken(ETHAN)).token,
        session: await client.delegate(ETHAN.username),
        root: await client.rootAccess(),
      };
      const random = new Random(SEED);
      const templates = endpoints(tokens);
      const origin = client.origin('http');
      const failures: string[] = [];
      let sent = 0;

      const one = async (): Promise<void> => {
        const [routeMethod, routePath] = random.pick(templates);
        // Mostly the route's own method, so most requests reach the handlers' validation.
        const method = random.chance(0.7) ? routeMethod : random.pick(METHODS);
        const path = random.chance(0.6) ? routePath : mutatePath(random, routePath);
        const body = method === 'GET' || method === 'HEAD' ? undefined : randomBody(random, tokens);
        const headers = randomHeaders(random, tokens, origin, body);
        const request = `${method} ${path.slice(0, 200)} headers=${JSON.stringify(headers).slice(0, 300)} body=${
          body === undefined ? '-' : body.subarray(0, 120).toString('latin1')
        }`;
        try {
          const reply = await client.raw({ method, path, headers, ...(body !== undefined && { body }) });
          const found = problems(reply);
          if (found.length > 0)
            failures.push(`${found.join(', ')}: ${request} → ${String(reply).slice(0, 400)}`);
        } catch (error) {
          failures.push(`network error ${String(error)}: ${request}`);
        }
        sent++;
      };

      while (sent < REQUESTS) {
        const batch = Math.min(CONCURRENCY, REQUESTS - sent);
        await Promise.all(Array.from({ length: batch }, one));
      }
      expect(
        failures.slice(0, 15),
        `seed ${SEED} (replay: CONTRACT_FUZZ_SEED=${SEED}); ${failures.length} failures`,
      ).toEqual([]);
    }, 60_000);
  });
}

/** `path` with its last segment (before a trailing slash and the query) replaced by `segment`. */
function replaceLastSegment(path: string, segment: string): string {
  const queryAt = path.indexOf('?');
  const query = queryAt < 0 ? '' : path.slice(queryAt);
  let base = queryAt < 0 ? path : path.slice(0, queryAt);
  const trailing = base.endsWith('/') ? '/' : '';
  if (trailing) base = base.slice(0, -1);
  const cut = base.lastIndexOf('/');
  if (cut < 0) return trailing ? `/${segment}${query}` : path;
  return `${base.slice(0, cut)}/${segment}${trailing}${query}`;
}
