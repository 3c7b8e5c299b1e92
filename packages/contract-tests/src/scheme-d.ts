import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  expectError,
  expectErrorCode,
  expectExactJson,
  expectJson,
  expectMe,
  expectNoStore,
  expectRefused,
  isoTime,
  list,
  record,
  text,
} from './assertions.js';
import {
  bearer,
  type ContractClient,
  type HeaderMap,
  jwtAuth,
  sessionCookie,
  tamper,
  uatAuth,
} from './client.js';
import {
  type Account,
  AVA,
  BOB,
  ETHAN,
  MESSAGES,
  NOBODY,
  ORGANISATIONS,
  PERMISSIONS,
  type Permission,
  ROOT,
} from './demo.js';
import type { Reply } from './http.js';

const JWT_LOGIN = '/api/v2/auth/jwt/';
const TOKENS = '/api/v2/me/tokens/';
const DAY = 86_400_000;

const UAT_KEYS = ['id', 'name', 'token', 'prefix', 'expires_at', 'permissions', 'created_at'];
const LISTED_KEYS = [
  'id',
  'name',
  'prefix',
  'expires_at',
  'permissions',
  'created_at',
  'last_used_at',
  'revoked_at',
];

const NO_PERMISSION = JSON.stringify({ detail: MESSAGES.noPermission });
const NOT_PROVIDED = JSON.stringify({ detail: MESSAGES.notProvided });

interface DemoRoute {
  readonly permission: Permission;
  readonly call: (client: ContractClient, headers: HeaderMap) => Promise<Reply>;
  readonly status: number;
  /** The exact success body; `id` stands for the dynamic id of a created object. */
  readonly body: (reply: Reply) => string;
}

const createdId = (reply: Reply): string => text(record(reply.json()).id, 'id');

/** The protected demo routes of CONTRACT.md with their documented success bodies. */
export const DEMO_ROUTES: Readonly<Record<string, DemoRoute>> = {
  'POST /api/v2/brands/': {
    permission: 'brand_create',
    call: (client, headers) => client.post('/api/v2/brands/', { name: 'Contract brand' }, headers),
    status: 201,
    body: (reply) => JSON.stringify({ id: createdId(reply), created: 'brand' }),
  },
  'POST /api/v2/products/': {
    permission: 'product_create',
    call: (client, headers) => client.post('/api/v2/products/', { name: 'Contract product' }, headers),
    status: 201,
    body: (reply) => JSON.stringify({ id: createdId(reply), created: 'product' }),
  },
  'GET /api/v2/scans/download': {
    permission: 'scans_download',
    call: (client, headers) => client.get('/api/v2/scans/download', headers),
    status: 200,
    body: () => '{"scans":[]}',
  },
  'POST /api/v2/scm/bulk-edit/': {
    permission: 'scm_bulk_edit',
    call: (client, headers) => client.post('/api/v2/scm/bulk-edit/', { codes: [] }, headers),
    status: 200,
    body: () => '{"updated":0}',
  },
  'PATCH /api/v2/scm/codes/{id}/': {
    permission: 'scm_code_edit',
    call: (client, headers) =>
      client.fetch('/api/v2/scm/codes/code-42/', { method: 'PATCH', json: { active: false }, headers }),
    status: 200,
    body: () => '{"id":"code-42","updated":true}',
  },
};

/** Asserts each demo route succeeds exactly when `allowed` holds its permission, else 403 with the exact body. */
async function expectDemoRoutes(
  client: ContractClient,
  headers: HeaderMap,
  allowed: readonly Permission[],
): Promise<void> {
  for (const [name, route] of Object.entries(DEMO_ROUTES)) {
    const reply = await route.call(client, headers);
    if (allowed.includes(route.permission)) {
      expect(reply.status, `${name}: ${reply}`).toBe(route.status);
      expectExactJson(reply, route.status, route.body(reply));
    } else {
      expectError(reply, { status: 403, shape: 'detail', detail: MESSAGES.noPermission });
    }
  }
}

/** Scheme D: UAT and JWT (CONTRACT.md, docs/http-profiles.md). */
export function defineSchemeD(client: ContractClient): void {
  const login = (body: unknown) => client.post(JWT_LOGIN, body);
  const me = (headers: HeaderMap) => client.get('/api/v2/me/', headers);
  const createUat = async (body: unknown, account: Account = ETHAN) =>
    client.post(TOKENS, body, jwtAuth(await client.jwt(account)));
  const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

  describe('scheme D: UAT and JWT', () => {
    describe('POST /api/v2/auth/jwt/', () => {
      it('→ 200 {"token"} with Cache-Control: no-store', async () => {
        const reply = await login({ email: ETHAN.username, password: ETHAN.password });
        const body = record(expectJson(reply, 200));
        expect(reply.text).toBe(JSON.stringify({ token: text(body.token, 'token') }));
        expectNoStore(reply);
      });

      it('bad password or unknown user → 400 {"non_field_errors":[...]} exactly', async () => {
        const exact = '{"non_field_errors":["Unable to login with provided credentials."]}';
        const badPassword = await login({ email: AVA.username, password: 'wrong' });
        const unknownUser = await login({ email: NOBODY, password: AVA.password });
        for (const reply of [badPassword, unknownUser]) {
          expectExactJson(reply, 400, exact);
          expect(reply.headers.get('tollgate-error-code')).toBe('invalid_credentials');
        }
      });

      it('a missing field → 400 {"<field>":["This field is required."]}, a non-string one → ["Not a valid string."]', async () => {
        const required = ['This field is required.'];
        const onlyPassword = await login({ password: ETHAN.password });
        expectExactJson(onlyPassword, 400, JSON.stringify({ email: required }));
        const onlyEmail = await login({ email: ETHAN.username });
        expectExactJson(onlyEmail, 400, JSON.stringify({ password: required }));
        const nonString = await login({ email: 42, password: ETHAN.password });
        expectExactJson(nonString, 400, JSON.stringify({ email: ['Not a valid string.'] }));
        for (const reply of [onlyPassword, onlyEmail, nonString]) {
          expectErrorCode(reply);
        }
      });

      it('both fields missing → 400 listing both fields', async () => {
        const reply = await login({});
        expect(expectJson(reply, 400)).toEqual({ email: [MESSAGES.required], password: [MESSAGES.required] });
        expectErrorCode(reply);
      });

      it('every JWT login returns a working token', async () => {
        const first = await client.freshJwt(ETHAN);
        const second = await client.freshJwt(ETHAN);
        expect((await me(jwtAuth(first))).status).toBe(200);
        expect((await me(jwtAuth(second))).status).toBe(200);
      });
    });

    describe('GET /api/v2/me/', () => {
      it('with Authorization: JWT → 200, every documented field, authenticatedBy "JWT"', async () => {
        expectMe(await me(jwtAuth(await client.jwt(ETHAN))), {
          email: ETHAN.username,
          customerId: ORGANISATIONS.datastore.id,
          authenticatedBy: 'JWT',
          roles: ['company_admin'],
          permissions: PERMISSIONS,
          actor: null,
          customData: null,
        });
        expectMe(await me(jwtAuth(await client.jwt(BOB))), {
          email: BOB.username,
          customerId: ORGANISATIONS.acme.id,
          authenticatedBy: 'JWT',
          roles: [],
          permissions: ['brand_create', 'product_create'],
          actor: null,
          customData: null,
        });
      });

      it('with Authorization: UAT → 200, authenticatedBy "UAT"', async () => {
        const uat = await client.createUat(['scans_download']);
        const body = expectMe(await me(uatAuth(uat.token)), {
          email: ETHAN.username,
          customerId: ORGANISATIONS.datastore.id,
          authenticatedBy: 'UAT',
          actor: null,
          customData: null,
        });
        for (const permission of list(body.permissions)) expect(['scans_download']).toContain(permission);
      });

      it('with Authorization: Bearer (scheme C access token) → 200, authenticatedBy "Bearer"', async () => {
        expectMe(await me(bearer(await client.access(AVA))), {
          email: AVA.username,
          customerId: ORGANISATIONS.datastore.id,
          authenticatedBy: 'Bearer',
          roles: [],
          permissions: ['scans_download'],
          actor: null,
          customData: null,
        });
      });

      it('with Authorization: Bearer (a user token an administrator issued) → 200, actor the administrator', async () => {
        const { token } = await client.issuedUserToken(BOB);
        expectMe(await me(bearer(token)), {
          email: BOB.username,
          customerId: ORGANISATIONS.acme.id,
          authenticatedBy: 'Bearer',
          actor: ROOT.username,
          customData: null,
        });
      });

      it('with Authorization: Bearer (a password-login user token) → 200, actor null', async () => {
        const { token } = await client.userToken(BOB);
        expectMe(await me(bearer(token)), {
          email: BOB.username,
          customerId: ORGANISATIONS.acme.id,
          authenticatedBy: 'Bearer',
          actor: null,
          customData: null,
        });
      });

      it('with the session cookie (scheme B) → 200, authenticatedBy "cookie"', async () => {
        const token = await client.delegate(BOB.username, { domain: 'acme', customData: 'me-cookie' });
        expectMe(await me(sessionCookie(token)), {
          email: BOB.username,
          customerId: ORGANISATIONS.acme.id,
          authenticatedBy: 'cookie',
          actor: ROOT.username,
          customData: 'me-cookie',
        });
      });

      it('no credentials → 401 {"detail":"Authentication credentials were not provided."} + WWW-Authenticate', async () => {
        const reply = await me({});
        expectError(reply, { status: 401, shape: 'detail', detail: MESSAGES.notProvided, challenge: 'none' });
        expect(reply.text).toBe(NOT_PROVIDED);
      });

      it('WWW-Authenticate names the schemes the route accepts, not always Bearer', async () => {
        const none = 'JWT realm="tollgate", UAT realm="tollgate", Bearer realm="tollgate"';
        expect((await me({})).headers.get('www-authenticate')).toBe(none);
        expect((await client.get('/api/v2/scans/download')).headers.get('www-authenticate')).toBe(none);
        expect((await client.get('/api/v2/me/tokens/')).headers.get('www-authenticate')).toBe(
          'JWT realm="tollgate", Bearer realm="tollgate"',
        );
        expect((await client.get('/Environment/current')).headers.get('www-authenticate')).toBe(
          'Bearer realm="tollgate"',
        );
        const bad = (await me(jwtAuth('garbage'))).headers.get('www-authenticate') ?? '';
        const params = 'realm="tollgate", error="invalid_token", error_description="';
        expect(bad.startsWith(`JWT ${params}`), bad).toBe(true);
        expect(bad).toContain(`, UAT ${params}`);
        expect(bad).toContain(`, Bearer ${params}`);
      });

      it('bad credentials (JWT, UAT, Bearer, cookie) → 401 {"detail": "..."}', async () => {
        for (const headers of [jwtAuth('garbage'), uatAuth('garbage'), bearer('garbage')]) {
          const reply = await me(headers);
          expectError(reply, { status: 401, shape: 'detail', challenge: 'invalid' });
          expect(reply.text).not.toBe(NOT_PROVIDED);
        }
        const forgedJwt = tamper(await client.jwt(ETHAN));
        expectError(await me(jwtAuth(forgedJwt)), { status: 401, shape: 'detail', challenge: 'invalid' });
        expectError(await me(sessionCookie('garbage')), { status: 401, shape: 'detail' });
      });
    });

    describe('UAT management: /api/v2/me/tokens/', () => {
      it('POST by a company_admin (JWT) → 201 with the documented fields; the value is shown only here', async () => {
        const expiresAt = inDays(30);
        const reply = await createUat({ name: 'ci', expires_at: expiresAt, permissions: ['scans_download'] });
        const body = record(expectJson(reply, 201), 'created UAT');
        expectNoStore(reply);
        expect(Object.keys(body)).toEqual(UAT_KEYS);
        expect(reply.text).toBe(JSON.stringify(body));
        const id = text(body.id, 'id');
        const token = text(body.token, 'token');
        expect(body.name).toBe('ci');
        expect(token.startsWith(text(body.prefix, 'prefix')), 'token starts with its prefix').toBe(true);
        expect(text(body.prefix).length).toBeLessThan(token.length);
        expect(isoTime(body.expires_at, 'expires_at')).toBe(Date.parse(expiresAt));
        expect(body.permissions).toEqual(['scans_download']);
        expect(Math.abs(isoTime(body.created_at, 'created_at') - Date.now())).toBeLessThan(60_000);

        const listed = await client.get(TOKENS, jwtAuth(await client.jwt(ETHAN)));
        const items = list(expectJson(listed, 200));
        expect(listed.text.includes(token), 'the list never shows a token value').toBe(false);
        const mine = items.map((item) => record(item)).find((item) => item.id === id);
        expect(mine, 'the new UAT is listed').toBeDefined();
        expect(Object.keys(mine ?? {})).toEqual(LISTED_KEYS);
        expect(mine?.token).toBeUndefined();
        expect(mine?.prefix).toBe(body.prefix);
        expect(mine?.revoked_at).toBeNull();
      });

      it('POST authenticated by Bearer (scheme C access token) → 201', async () => {
        const reply = await client.post(
          TOKENS,
          { name: 'via-bearer', expires_at: inDays(1), permissions: ['brand_create'] },
          bearer(await client.access(ETHAN)),
        );
        expect(reply.status, String(reply)).toBe(201);
      });

      it('POST, GET and DELETE with a user token an administrator issued (it acts as ethan) → 403 delegated_token_not_allowed', async () => {
        const { token } = await client.issuedUserToken(ETHAN);
        const refused = { status: 403, shape: 'detail', code: 'delegated_token_not_allowed' } as const;
        const body = { name: 'as-ethan', expires_at: inDays(364), permissions: ['brand_create'] };
        expectError(await client.post(TOKENS, body, bearer(token)), refused);
        expectError(await client.get(TOKENS, bearer(token)), refused);
        const mine = await client.createUat(['scans_download']);
        const path = `${TOKENS}${encodeURIComponent(mine.id)}/`;
        expectError(await client.fetch(path, { method: 'DELETE', headers: bearer(token) }), refused);
        // Ethan's own UAT was not revoked by that attempt.
        expect((await client.get('/api/v2/scans/download', uatAuth(mine.token))).status).toBe(200);
      });

      it('POST with a password-login user token (Bearer, no actor) → 201, as before', async () => {
        const { token } = await client.userToken(ETHAN);
        const reply = await client.post(
          TOKENS,
          { name: 'from-user-token', expires_at: inDays(1), permissions: ['scans_download'] },
          bearer(token),
        );
        expect(reply.status, String(reply)).toBe(201);
      });

      it("GET lists the caller's tokens newest first, without their values", async () => {
        const older = await client.createUat(['brand_create'], { name: 'older' });
        await sleep(25);
        const newer = await client.createUat(['product_create'], { name: 'newer' });
        const reply = await client.get(TOKENS, jwtAuth(await client.jwt(ETHAN)));
        const items = list(expectJson(reply, 200)).map((item) => record(item));
        for (const item of items) {
          expect(Object.keys(item)).toEqual(LISTED_KEYS);
          isoTime(item.created_at, 'created_at');
          isoTime(item.expires_at, 'expires_at');
          if (item.last_used_at !== null) isoTime(item.last_used_at, 'last_used_at');
          if (item.revoked_at !== null) isoTime(item.revoked_at, 'revoked_at');
        }
        const ids = items.map((item) => item.id);
        expect(ids.indexOf(newer.id)).toBeGreaterThanOrEqual(0);
        expect(ids.indexOf(newer.id)).toBeLessThan(ids.indexOf(older.id));
        for (const token of [older.token, newer.token]) expect(reply.text.includes(token)).toBe(false);
        const times = items.map((item) => Date.parse(String(item.created_at)));
        expect([...times].sort((a, b) => b - a)).toEqual(times);
      });

      it('a permission outside the catalogue → 400 {"permissions":["\\"x\\" is not a valid permission."]}', async () => {
        const reply = await createUat({ name: 'bad', expires_at: inDays(1), permissions: ['teleport'] });
        expectExactJson(
          reply,
          400,
          JSON.stringify({ permissions: ['"teleport" is not a valid permission.'] }),
        );
        expectErrorCode(reply);
      });

      it('expires_at in the past → 400 {"expires_at":[...]}', async () => {
        const reply = await createUat({
          name: 'past',
          expires_at: inDays(-1),
          permissions: ['scans_download'],
        });
        const body = record(expectJson(reply, 400));
        expect(Object.keys(body)).toEqual(['expires_at']);
        text(list(body.expires_at)[0], 'message');
        expectErrorCode(reply);
      });

      it('expires_at more than 365 days ahead → 400 {"expires_at":[...]}', async () => {
        const reply = await createUat({
          name: 'far',
          expires_at: inDays(366),
          permissions: ['scans_download'],
        });
        const body = record(expectJson(reply, 400));
        expect(Object.keys(body)).toEqual(['expires_at']);
        text(list(body.expires_at)[0], 'message');
      });

      it('expires_at 364 days ahead is accepted', async () => {
        const reply = await createUat({
          name: 'near',
          expires_at: inDays(364),
          permissions: ['scans_download'],
        });
        expect(reply.status, String(reply)).toBe(201);
      });

      it('expires_at not a time → 400 {"expires_at":[...]}', async () => {
        const reply = await createUat({
          name: 'nat',
          expires_at: 'tomorrow',
          permissions: ['scans_download'],
        });
        const body = record(expectJson(reply, 400));
        expect(Object.keys(body)).toEqual(['expires_at']);
      });

      it('expires_at as a date (YYYY-MM-DD) → 201, valid through the end of that day in UTC', async () => {
        const day = new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10);
        const reply = await createUat({ name: 'dated', expires_at: day, permissions: ['scans_download'] });
        const body = record(expectJson(reply, 201));
        expect(body.expires_at).toBe(`${day}T23:59:59.999Z`);
      });

      it('a date already over, or one whose end is beyond the 365-day limit → 400 {"expires_at":[...]}', async () => {
        const yesterday = new Date(Date.now() - DAY).toISOString().slice(0, 10);
        const tooFar = new Date(Date.now() + 366 * DAY).toISOString().slice(0, 10);
        for (const day of [yesterday, tooFar]) {
          const reply = await createUat({ name: 'dated', expires_at: day, permissions: ['scans_download'] });
          const body = record(expectJson(reply, 400));
          expect(Object.keys(body), day).toEqual(['expires_at']);
        }
      });

      it('a blank name or permission → 400 in DRF wording ("This field may not be blank.")', async () => {
        const blankName = await createUat({
          name: '',
          expires_at: inDays(1),
          permissions: ['scans_download'],
        });
        expectExactJson(blankName, 400, JSON.stringify({ name: [MESSAGES.blank] }));
        const blankPermission = await createUat({ name: 'x', expires_at: inDays(1), permissions: [''] });
        expectExactJson(blankPermission, 400, JSON.stringify({ permissions: [MESSAGES.blank] }));
        const login = await client.post('/api/v2/auth/jwt/', { email: '', password: ETHAN.password });
        expectExactJson(login, 400, JSON.stringify({ email: [MESSAGES.blank] }));
      });

      it('a missing name → 400 {"name":["This field is required."]}', async () => {
        const reply = await createUat({ expires_at: inDays(1), permissions: ['scans_download'] });
        expectExactJson(reply, 400, JSON.stringify({ name: [MESSAGES.required] }));
      });

      it('a caller without company_admin (ava, bob) → 403 with the exact detail body', async () => {
        for (const account of [AVA, BOB]) {
          const permissions = account === AVA ? ['scans_download'] : ['brand_create'];
          const reply = await createUat({ name: 'nope', expires_at: inDays(1), permissions }, account);
          expectError(reply, { status: 403, shape: 'detail', detail: MESSAGES.noPermission });
          expect(reply.text).toBe(NO_PERMISSION);
        }
        const listed = await client.get(TOKENS, jwtAuth(await client.jwt(AVA)));
        expectError(listed, { status: 403, shape: 'detail', detail: MESSAGES.noPermission });
      });

      it('management authenticated by a UAT → 401 or 403, never 2xx', async () => {
        const uat = await client.createUat([...PERMISSIONS]);
        const headers = uatAuth(uat.token);
        expectRefused(
          await client.post(
            TOKENS,
            { name: 'x', expires_at: inDays(1), permissions: ['scans_download'] },
            headers,
          ),
        );
        expectRefused(await client.get(TOKENS, headers));
        expectRefused(
          await client.fetch(`${TOKENS}${encodeURIComponent(uat.id)}/`, { method: 'DELETE', headers }),
        );
        // The UAT was not deleted by that attempt.
        expect((await me(headers)).status).toBe(200);
      });

      it('DELETE → 204; the revoked UAT → 401 at once; it stays listed with revoked_at', async () => {
        const uat = await client.createUat(['scans_download']);
        expect((await client.get('/api/v2/scans/download', uatAuth(uat.token))).status).toBe(200);
        const deleted = await client.fetch(`${TOKENS}${encodeURIComponent(uat.id)}/`, {
          method: 'DELETE',
          headers: jwtAuth(await client.jwt(ETHAN)),
        });
        expect(deleted.status, String(deleted)).toBe(204);
        expect(deleted.text).toBe('');
        expectError(await client.get('/api/v2/scans/download', uatAuth(uat.token)), {
          status: 401,
          shape: 'detail',
          challenge: 'invalid',
        });
        expectError(await me(uatAuth(uat.token)), { status: 401, shape: 'detail', challenge: 'invalid' });
        const items = list(expectJson(await client.get(TOKENS, jwtAuth(await client.jwt(ETHAN))), 200));
        const listed = items.map((item) => record(item)).find((item) => item.id === uat.id);
        isoTime(listed?.revoked_at, 'revoked_at');
      });

      it("DELETE of an id that is not the caller's → 404, and the token keeps working", async () => {
        const reply = await client.fetch(`${TOKENS}${randomUUID()}/`, {
          method: 'DELETE',
          headers: jwtAuth(await client.jwt(ETHAN)),
        });
        expectError(reply, { status: 404, shape: 'detail' });
        // Ethan's token, deleted by someone else (ava, who is no company_admin): never 204.
        const uat = await client.createUat(['scans_download']);
        const foreign = await client.fetch(`${TOKENS}${encodeURIComponent(uat.id)}/`, {
          method: 'DELETE',
          headers: jwtAuth(await client.jwt(AVA)),
        });
        expect([403, 404], String(foreign)).toContain(foreign.status);
        expect((await client.get('/api/v2/scans/download', uatAuth(uat.token))).status).toBe(200);
      });
    });

    describe('Authorization: UAT', () => {
      it('acts with only its permissions (scans_download: scans 200, brands 403 exact body)', async () => {
        const uat = await client.createUat(['scans_download']);
        const scans = await client.get('/api/v2/scans/download', uatAuth(uat.token));
        expectExactJson(scans, 200, '{"scans":[]}');
        const brand = await client.post('/api/v2/brands/', { name: 'x' }, uatAuth(uat.token));
        expectError(brand, { status: 403, shape: 'detail', detail: MESSAGES.noPermission });
        expect(brand.text).toBe(NO_PERMISSION);
        await expectDemoRoutes(client, uatAuth(uat.token), ['scans_download']);
      });

      it('a UAT with two permissions reaches exactly those routes', async () => {
        const uat = await client.createUat(['brand_create', 'scm_code_edit']);
        await expectDemoRoutes(client, uatAuth(uat.token), ['brand_create', 'scm_code_edit']);
      });

      it('expiry: 200 before expires_at, 401 after', async () => {
        const expiresAt = new Date(Math.ceil((Date.now() + 2_000) / 1000) * 1000);
        const uat = await client.createUat(['scans_download'], { expiresAt: expiresAt.toISOString() });
        expect((await client.get('/api/v2/scans/download', uatAuth(uat.token))).status).toBe(200);
        await sleep(Math.max(0, expiresAt.getTime() - Date.now()) + 1_100);
        expectError(await client.get('/api/v2/scans/download', uatAuth(uat.token)), {
          status: 401,
          shape: 'detail',
          challenge: 'invalid',
        });
      }, 15_000);

      it('a tampered UAT (one character changed) → 401', async () => {
        const uat = await client.createUat(['scans_download']);
        const positions = [uat.token.length - 1, uat.token.length - 3, uat.prefix.length + 2];
        for (const position of positions) {
          const forged = tamper(uat.token, position);
          expect(forged).not.toBe(uat.token);
          expectError(await client.get('/api/v2/scans/download', uatAuth(forged)), {
            status: 401,
            shape: 'detail',
            challenge: 'invalid',
          });
        }
        expect((await client.get('/api/v2/scans/download', uatAuth(uat.token))).status).toBe(200);
      });

      it('an unknown UAT with a well-formed prefix → 401', async () => {
        const uat = await client.createUat(['scans_download']);
        const unknown = `${uat.prefix}${'x'.repeat(Math.max(8, uat.token.length - uat.prefix.length))}`;
        expectError(await me(uatAuth(unknown)), { status: 401, shape: 'detail', challenge: 'invalid' });
      });
    });

    describe('protected demo routes', () => {
      it("JWT carries all of ethan's rights: every demo route succeeds with its documented body", async () => {
        await expectDemoRoutes(client, jwtAuth(await client.jwt(ETHAN)), PERMISSIONS);
      });

      it('ava (scans_download only): scans 200, every other route 403', async () => {
        await expectDemoRoutes(client, jwtAuth(await client.jwt(AVA)), ['scans_download']);
      });

      it('bob (brand_create, product_create): brands and products 201, every other route 403', async () => {
        await expectDemoRoutes(client, jwtAuth(await client.jwt(BOB)), ['brand_create', 'product_create']);
      });

      it("the scheme C access token (Bearer) carries the user's rights too", async () => {
        await expectDemoRoutes(client, bearer(await client.access(BOB)), ['brand_create', 'product_create']);
      });

      it('without credentials → 401 {"detail":"Authentication credentials were not provided."}', async () => {
        for (const [name, route] of Object.entries(DEMO_ROUTES)) {
          const reply = await route.call(client, {});
          expect(reply.status, name).toBe(401);
          expectError(reply, {
            status: 401,
            shape: 'detail',
            detail: MESSAGES.notProvided,
            challenge: 'none',
          });
        }
      });

      it('with bad credentials → 401 {"detail": "..."}', async () => {
        for (const [name, route] of Object.entries(DEMO_ROUTES)) {
          const reply = await route.call(client, jwtAuth('garbage'));
          expect(reply.status, name).toBe(401);
          expectError(reply, { status: 401, shape: 'detail', challenge: 'invalid' });
        }
      });
    });
  });
}
