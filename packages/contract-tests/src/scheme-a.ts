import { describe, expect, it } from 'vitest';
import {
  expectError,
  expectExactJson,
  expectIndistinguishable,
  expectJson,
  expectMe,
  list,
  record,
} from './assertions.js';
import { bearer, type ContractClient, parseUserToken, tamper } from './client.js';
import { AVA, BOB, DOMAIN_ADMIN, ETHAN, MESSAGES, NOBODY, ORGANISATIONS, PERMISSIONS, ROOT } from './demo.js';
import type { Reply } from './http.js';

const query = (fields: Readonly<Record<string, string>>): string =>
  new URLSearchParams({ ...fields }).toString();

/** Scheme A: user tokens and environments (CONTRACT.md, docs/http-profiles.md). */
export function defineSchemeA(client: ContractClient): void {
  describe('scheme A: user tokens and environments', () => {
    describe('GET and POST /Authentication', () => {
      it('GET without environment → 200 {token, environment: null, expiresAt}', async () => {
        const reply = await client.get(`/Authentication?${query(ETHAN)}`);
        parseUserToken(reply, null);
      });

      it('GET with environment=production → 200 with environment "production"', async () => {
        const reply = await client.get(`/Authentication?${query({ ...ETHAN, environment: 'production' })}`);
        parseUserToken(reply, 'production');
      });

      it('POST (JSON) without environment → 200 with environment null', async () => {
        const reply = await client.post('/Authentication', {
          username: ETHAN.username,
          password: ETHAN.password,
        });
        parseUserToken(reply, null);
      });

      it('POST (JSON) with environment=staging → 200 with environment "staging"', async () => {
        const reply = await client.post('/Authentication', { ...ETHAN, environment: 'staging' });
        parseUserToken(reply, 'staging');
      });

      it('every login returns a different token', async () => {
        const first = await client.userToken(ETHAN, 'production');
        const second = await client.userToken(ETHAN, 'production');
        expect(second.token).not.toBe(first.token);
      });

      it('success carries Cache-Control: no-store and Pragma: no-cache', async () => {
        const reply = await client.get(`/Authentication?${query(AVA)}`);
        expect(reply.status, String(reply)).toBe(200);
        expect(reply.headers.get('cache-control')).toBe('no-store');
        expect(reply.headers.get('pragma')).toBe('no-cache');
      });

      it('GET: bad password and unknown user → 401 invalid_credentials with identical bodies', async () => {
        const badPassword = await client.get(
          `/Authentication?${query({ username: AVA.username, password: 'wrong' })}`,
        );
        const unknownUser = await client.get(
          `/Authentication?${query({ username: NOBODY, password: 'wrong' })}`,
        );
        for (const reply of [badPassword, unknownUser]) {
          expectError(reply, { status: 401, shape: 'default', code: 'invalid_credentials' });
        }
        expect(unknownUser.text).toBe(badPassword.text);
        expect(unknownUser.headers.get('www-authenticate')).toBe(badPassword.headers.get('www-authenticate'));
      });

      it('POST: bad password and unknown user → 401 invalid_credentials with identical bodies', async () => {
        const badPassword = await client.post('/Authentication', {
          username: BOB.username,
          password: 'wrong',
        });
        const unknownUser = await client.post('/Authentication', {
          username: NOBODY,
          password: BOB.password,
        });
        for (const reply of [badPassword, unknownUser]) {
          expectError(reply, { status: 401, shape: 'default', code: 'invalid_credentials' });
        }
        expect(unknownUser.text).toBe(badPassword.text);
      });

      it('an administrator (enterprise or domain admin) → 403', async () => {
        for (const admin of [ROOT, DOMAIN_ADMIN]) {
          expectError(await client.get(`/Authentication?${query(admin)}`), { status: 403, shape: 'default' });
          expectError(await client.post('/Authentication', admin), { status: 403, shape: 'default' });
        }
      });

      it('an environment the user may not use → 403', async () => {
        const cases = [
          { ...ETHAN, environment: 'sandbox' },
          { ...AVA, environment: 'production' },
          { ...BOB, environment: 'staging' },
          { ...ETHAN, environment: 'no-such-environment' },
        ];
        for (const fields of cases) {
          expectError(await client.get(`/Authentication?${query(fields)}`), {
            status: 403,
            shape: 'default',
          });
          expectError(await client.post('/Authentication', fields), { status: 403, shape: 'default' });
        }
      });

      it('missing username or password → 400 malformed_request', async () => {
        const expected = { status: 400, shape: 'default', code: 'malformed_request' } as const;
        expectError(await client.get(`/Authentication?${query({ password: ETHAN.password })}`), expected);
        expectError(await client.get(`/Authentication?${query({ username: ETHAN.username })}`), expected);
        expectError(await client.get('/Authentication'), expected);
        expectError(await client.post('/Authentication', { password: ETHAN.password }), expected);
        expectError(await client.post('/Authentication', { username: ETHAN.username }), expected);
        expectError(await client.post('/Authentication', {}), expected);
        expectError(
          await client.post('/Authentication', { username: 42, password: ETHAN.password }),
          expected,
        );
      });
    });

    describe('strict query: a misspelt, unknown or repeated parameter is named in a 400, never ignored', () => {
      const unknownParam = (reply: Reply, name: string) => {
        const body = expectError(reply, { status: 400, shape: 'default', code: 'malformed_request' });
        expect(Object.keys(record(body.fields, 'fields')), `${reply.path}: fields`).toEqual([name]);
      };

      it('GET /Authentication with Environment= or environmentId= → 400 naming it, no token', async () => {
        for (const name of ['Environment', 'environmentId']) {
          const reply = await client.get(`/Authentication?${query({ ...ETHAN, [name]: 'staging' })}`);
          unknownParam(reply, name);
          expect(reply.text).not.toContain('token');
        }
      });

      it('a repeated parameter → 400 naming it', async () => {
        const reply = await client.get(
          `/Authentication?${query(ETHAN)}&environment=staging&environment=production`,
        );
        unknownParam(reply, 'environment');
      });

      it('every scheme A GET route is strict', async () => {
        const { token } = await client.userToken(ETHAN, 'staging');
        const admin = bearer(await client.rootAccess());
        unknownParam(
          await client.get(
            `/Authentication/UserToken?${query({ username: ETHAN.username, Environment: 'staging' })}`,
            admin,
          ),
          'Environment',
        );
        unknownParam(
          await client.get(`/Authentication/refresh/${token}?environmentId=production`),
          'environmentId',
        );
        unknownParam(
          await client.get(`/Authentication/token/${token}/Environments?environment=x`),
          'environment',
        );
        unknownParam(
          await client.get('/Environment/current?environment=production', bearer(token)),
          'environment',
        );
      });

      it('environment= (blank) → 400 {"fields":{"environment":["This field may not be blank."]}}', async () => {
        const { token } = await client.userToken(ETHAN, 'staging');
        for (const path of [
          `/Authentication?${query(ETHAN)}&environment=`,
          `/Authentication/refresh/${token}?environment=`,
        ]) {
          const body = expectError(await client.get(path), {
            status: 400,
            shape: 'default',
            code: 'malformed_request',
          });
          expect(body.fields).toEqual({ environment: [MESSAGES.blank] });
        }
      });
    });

    describe('GET /Authentication/UserToken', () => {
      const userToken = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
        client.get(`/Authentication/UserToken?${query(fields)}`, headers);

      it('with an enterprise admin access token → 200, same body', async () => {
        const headers = bearer(await client.rootAccess());
        parseUserToken(await userToken({ username: ETHAN.username }, headers), null);
        parseUserToken(
          await userToken({ username: ETHAN.username, environment: 'staging' }, headers),
          'staging',
        );
        parseUserToken(
          await userToken({ username: BOB.username, environment: 'production' }, headers),
          'production',
        );
      });

      it('with a domain admin access token, for a user of its own domain → 200', async () => {
        const headers = bearer(await client.domainAdminAccess());
        parseUserToken(
          await userToken({ username: AVA.username, environment: 'staging' }, headers),
          'staging',
        );
      });

      it('the user token it returns is a working user token', async () => {
        const headers = bearer(await client.rootAccess());
        const minted = parseUserToken(
          await userToken({ username: ETHAN.username, environment: 'production' }, headers),
          'production',
        );
        const current = await client.get('/Environment/current', bearer(minted.token));
        expectExactJson(current, 200, JSON.stringify({ environment: 'production', user: ETHAN.username }));
      });

      it('no token → 401 with WWW-Authenticate: Bearer realm="tollgate"', async () => {
        const reply = await userToken({ username: ETHAN.username });
        expectError(reply, { status: 401, shape: 'default', challenge: 'none' });
      });

      it('a bad token → 401 invalid_token challenge', async () => {
        const reply = await userToken({ username: ETHAN.username }, bearer('not-a-real-token'));
        expectError(reply, { status: 401, shape: 'default', challenge: 'invalid' });
      });

      it('a caller that is not an administrator (customer access token) → 403', async () => {
        for (const account of [ETHAN, BOB]) {
          const reply = await userToken({ username: AVA.username }, bearer(await client.access(account)));
          expectError(reply, { status: 403, shape: 'default' });
        }
      });

      it('an unknown username → 404', async () => {
        const reply = await userToken({ username: NOBODY }, bearer(await client.rootAccess()));
        expectError(reply, { status: 404, shape: 'default' });
      });

      it('an administrator as the target → 403', async () => {
        const headers = bearer(await client.rootAccess());
        expectError(await userToken({ username: DOMAIN_ADMIN.username }, headers), {
          status: 403,
          shape: 'default',
        });
        expectError(await userToken({ username: ROOT.username }, headers), { status: 403, shape: 'default' });
      });

      it('a domain admin asking for a user outside its domain → 404, the very answer for an unknown user', async () => {
        const headers = bearer(await client.domainAdminAccess());
        const unknown = await userToken({ username: NOBODY }, headers);
        expectError(unknown, { status: 404, shape: 'default', code: 'unknown_user' });
        // A customer of another organisation (with and without an environment), and an administrator there.
        for (const fields of [
          { username: BOB.username },
          { username: BOB.username, environment: 'production' },
          { username: ROOT.username },
        ]) {
          expectIndistinguishable(await userToken(fields, headers), unknown);
        }
      });

      it('the user token it returns names the administrator as actor on /api/v2/me/', async () => {
        const byRoot = await client.issuedUserToken(ETHAN, { environment: 'production' });
        expectMe(await client.get('/api/v2/me/', bearer(byRoot.token)), {
          email: ETHAN.username,
          customerId: ORGANISATIONS.datastore.id,
          authenticatedBy: 'Bearer',
          roles: ['company_admin'],
          permissions: PERMISSIONS,
          actor: ROOT.username,
          customData: null,
        });
        const byDomainAdmin = await client.issuedUserToken(AVA, {
          adminToken: await client.domainAdminAccess(),
        });
        expectMe(await client.get('/api/v2/me/', bearer(byDomainAdmin.token)), {
          email: AVA.username,
          customerId: ORGANISATIONS.datastore.id,
          authenticatedBy: 'Bearer',
          actor: DOMAIN_ADMIN.username,
          customData: null,
        });
      });

      it('an environment the target may not use → 403', async () => {
        const reply = await userToken(
          { username: ETHAN.username, environment: 'sandbox' },
          bearer(await client.rootAccess()),
        );
        expectError(reply, { status: 403, shape: 'default' });
      });

      it('missing username → 400 malformed_request', async () => {
        const reply = await client.get('/Authentication/UserToken', bearer(await client.rootAccess()));
        expectError(reply, { status: 400, shape: 'default', code: 'malformed_request' });
      });
    });

    describe('GET /Authentication/refresh/{token}', () => {
      const refresh = (token: string, environment?: string) =>
        client.get(
          `/Authentication/refresh/${encodeURIComponent(token)}${environment === undefined ? '' : `?${query({ environment })}`}`,
        );

      it('without environment the new token keeps the old environment', async () => {
        const old = await client.userToken(ETHAN, 'production');
        const renewed = parseUserToken(await refresh(old.token), 'production');
        expect(renewed.token).not.toBe(old.token);
        const none = await client.userToken(ETHAN);
        const renewedNone = parseUserToken(await refresh(none.token), null);
        expect(renewedNone.token).not.toBe(none.token);
      });

      it('with environment the new token switches environment', async () => {
        const old = await client.userToken(ETHAN, 'production');
        const renewed = parseUserToken(await refresh(old.token, 'staging'), 'staging');
        expect(renewed.token).not.toBe(old.token);
        const current = await client.get('/Environment/current', bearer(renewed.token));
        expectExactJson(current, 200, JSON.stringify({ environment: 'staging', user: ETHAN.username }));
      });

      it('the documented flow: no-environment token → Environments → refresh with an environment', async () => {
        const temporary = await client.userToken(AVA);
        const environments = list(
          expectJson(await client.get(`/Authentication/token/${temporary.token}/Environments`), 200),
        );
        const first = record(environments[0], 'environment');
        const renewed = parseUserToken(await refresh(temporary.token, String(first.id)), 'staging');
        const current = await client.get('/Environment/current', bearer(renewed.token));
        expectExactJson(current, 200, JSON.stringify({ environment: 'staging', user: AVA.username }));
      });

      it('an environment the user may not use → 403', async () => {
        const old = await client.userToken(ETHAN, 'production');
        expectError(await refresh(old.token, 'sandbox'), { status: 403, shape: 'default' });
        const ava = await client.userToken(AVA);
        expectError(await refresh(ava.token, 'production'), { status: 403, shape: 'default' });
      });

      it('a user token an administrator issued keeps its actor through refreshes, and still cannot mint', async () => {
        const issued = await client.issuedUserToken(ETHAN, {
          environment: 'production',
          adminToken: await client.domainAdminAccess(),
        });
        const renewed = parseUserToken(await refresh(issued.token), 'production');
        const switched = parseUserToken(await refresh(renewed.token, 'staging'), 'staging');
        for (const { token } of [renewed, switched]) {
          expectMe(await client.get('/api/v2/me/', bearer(token)), {
            email: ETHAN.username,
            customerId: ORGANISATIONS.datastore.id,
            authenticatedBy: 'Bearer',
            actor: DOMAIN_ADMIN.username,
            customData: null,
          });
          const minted = await client.post(
            '/api/v2/me/tokens/',
            {
              name: 'after-refresh',
              expires_at: new Date(Date.now() + 86_400_000).toISOString(),
              permissions: ['scans_download'],
            },
            bearer(token),
          );
          expectError(minted, { status: 403, shape: 'detail', code: 'delegated_token_not_allowed' });
        }
      });

      it('a garbage token → 401', async () => {
        expectError(await refresh('garbage'), { status: 401, shape: 'default' });
        expectError(await refresh('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'), { status: 401, shape: 'default' });
      });

      it('a tampered user token → 401', async () => {
        const { token } = await client.userToken(ETHAN, 'production');
        expectError(await refresh(tamper(token)), { status: 401, shape: 'default' });
      });

      it('an access token (scheme C) or a JWT (scheme D) in the path → 401', async () => {
        expectError(await refresh(await client.access(ETHAN)), { status: 401, shape: 'default' });
        expectError(await refresh(await client.jwt(ETHAN)), { status: 401, shape: 'default' });
      });
    });

    describe('GET /Authentication/token/{token}/Environments', () => {
      it('a token with no environment (ethan) → 200 [production, staging] with names', async () => {
        const { token } = await client.userToken(ETHAN);
        const reply = await client.get(`/Authentication/token/${encodeURIComponent(token)}/Environments`);
        const environments = list(expectJson(reply, 200)).map((item) => {
          const environment = record(item, 'environment');
          expect(Object.keys(environment)).toEqual(['id', 'name']);
          return environment;
        });
        const byId = [...environments].sort((a, b) => String(a.id).localeCompare(String(b.id)));
        expect(byId).toEqual([
          { id: 'production', name: 'Production' },
          { id: 'staging', name: 'Staging' },
        ]);
      });

      it('a token with an environment lists the same environments', async () => {
        const { token } = await client.userToken(AVA, 'staging');
        const reply = await client.get(`/Authentication/token/${encodeURIComponent(token)}/Environments`);
        expectExactJson(reply, 200, JSON.stringify([{ id: 'staging', name: 'Staging' }]));
      });

      it('a bad token → 401', async () => {
        expectError(await client.get('/Authentication/token/garbage/Environments'), {
          status: 401,
          shape: 'default',
        });
        const access = await client.access(ETHAN);
        const reply = await client.get(`/Authentication/token/${encodeURIComponent(access)}/Environments`);
        expectError(reply, { status: 401, shape: 'default' });
      });
    });

    describe('GET /Environment/current', () => {
      it('a user token with an environment → 200 {environment, user}', async () => {
        const { token } = await client.userToken(BOB, 'production');
        const reply = await client.get('/Environment/current', bearer(token));
        expectExactJson(reply, 200, JSON.stringify({ environment: 'production', user: BOB.username }));
      });

      it('a user token without an environment → 403 environment_required', async () => {
        const { token } = await client.userToken(ETHAN);
        const reply = await client.get('/Environment/current', bearer(token));
        expectError(reply, { status: 403, shape: 'default', code: 'environment_required' });
      });

      it('no token → 401 with WWW-Authenticate: Bearer realm="tollgate"', async () => {
        const reply = await client.get('/Environment/current');
        expectError(reply, { status: 401, shape: 'default', challenge: 'none' });
      });

      it('a bad token → 401 invalid_token challenge', async () => {
        const reply = await client.get('/Environment/current', bearer('garbage'));
        expectError(reply, { status: 401, shape: 'default', challenge: 'invalid' });
      });
    });
  });
}
