import { describe, expect, it } from 'vitest';
import { expectError, expectExactJson, expectMe } from './assertions.js';
import { bearer, type ContractClient, parsePair, tamper } from './client.js';
import { BOB, DOMAIN_ADMIN, ETHAN, envelopeError, NOBODY, ORGANISATIONS, PERMISSIONS, ROOT } from './demo.js';

const TOKEN = '/api/v2/auth/token';
const REFRESH = '/api/v2/auth/token/refresh';
const REVOKE = '/api/v2/auth/token/revoke';

/** Scheme C: the access/refresh token pair (CONTRACT.md, docs/http-profiles.md). */
export function defineSchemeC(client: ContractClient, reuseIntervalMs: () => number): void {
  const refresh = (refreshToken: unknown) => client.post(REFRESH, { refreshToken });
  const me = (token: string) => client.get('/api/v2/me/', bearer(token));

  describe('scheme C: token pair', () => {
    describe('POST /api/v2/auth/token', () => {
      it('ethan → 200, the success envelope byte for byte (but for the token values)', async () => {
        const reply = await client.post(TOKEN, { username: ETHAN.username, password: ETHAN.password });
        parsePair(reply, ORGANISATIONS.datastore.id);
      });

      it('administrators may log in (the admin access token comes from here)', async () => {
        parsePair(await client.post(TOKEN, ROOT), ORGANISATIONS.operator.id);
        parsePair(await client.post(TOKEN, DOMAIN_ADMIN), ORGANISATIONS.datastore.id);
      });

      it('every login returns a new pair', async () => {
        const first = await client.login(BOB);
        const second = await client.login(BOB);
        expect(second.token).not.toBe(first.token);
        expect(second.refreshToken).not.toBe(first.refreshToken);
      });

      it('bad password or unknown user → 401, exact AUTH_1001 body', async () => {
        const badPassword = await client.post(TOKEN, { username: ETHAN.username, password: 'wrong' });
        const unknownUser = await client.post(TOKEN, { username: NOBODY, password: ETHAN.password });
        for (const reply of [badPassword, unknownUser]) {
          expectError(reply, { status: 401, shape: 'envelope', code: 'invalid_credentials' });
          expectExactJson(
            reply,
            401,
            '{"errorCode":"AUTH_1001","errorMessage":"Invalid credentials","content":"","pageable":""}',
          );
        }
      });

      it('a malformed body (missing or non-string field, not an object) → 400, exact AUTH_1002 body', async () => {
        const bodies: unknown[] = [
          { username: ETHAN.username },
          { password: ETHAN.password },
          {},
          { username: ETHAN.username, password: 1234 },
          { username: [ETHAN.username], password: ETHAN.password },
          [],
          null,
          'ethan',
        ];
        for (const body of bodies) {
          const reply = await client.post(TOKEN, body);
          expectError(reply, { status: 400, shape: 'envelope', envelope: 'AUTH_1002' });
          expectExactJson(reply, 400, envelopeError('AUTH_1002'));
        }
      });

      it('invalid JSON → 400, exact AUTH_1002 body', async () => {
        const reply = await client.fetch(TOKEN, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"username":',
        });
        expectError(reply, { status: 400, shape: 'envelope', envelope: 'AUTH_1002' });
        expectExactJson(reply, 400, envelopeError('AUTH_1002'));
      });

      it('the access token works as Authorization: Bearer on /api/v2/me/', async () => {
        const { token } = await client.login(ETHAN);
        expectMe(await me(token), {
          email: ETHAN.username,
          customerId: ORGANISATIONS.datastore.id,
          authenticatedBy: 'Bearer',
          roles: ['company_admin'],
          permissions: PERMISSIONS,
          actor: null,
          customData: null,
        });
      });

      it('a tampered access token → 401', async () => {
        const { token } = await client.login(BOB);
        expectError(await me(tamper(token)), { status: 401, shape: 'detail', challenge: 'invalid' });
      });
    });

    describe('POST /api/v2/auth/token/refresh', () => {
      it('→ 200, the same envelope with a new pair (both tokens differ)', async () => {
        const first = await client.login(ETHAN);
        const second = parsePair(await refresh(first.refreshToken), ORGANISATIONS.datastore.id);
        expect(second.token).not.toBe(first.token);
        expect(second.refreshToken).not.toBe(first.refreshToken);
        expect((await me(second.token)).status).toBe(200);
        const third = parsePair(await refresh(second.refreshToken), ORGANISATIONS.datastore.id);
        expect(third.refreshToken).not.toBe(second.refreshToken);
        expect((await me(third.token)).status).toBe(200);
      });

      it('reusing a rotated refresh token (past the reuse interval) → 401 AUTH_1005, and the whole family is revoked', async () => {
        const first = await client.login(ETHAN);
        const rotatedAt = Date.now();
        const second = parsePair(await refresh(first.refreshToken));
        expect((await me(second.token)).status).toBe(200);
        // Within the app's reuse interval a second presentation is a retry (two tabs, a lost
        // response); the time itself is what this waits for, and waiting longer never changes the answer.
        const wait = rotatedAt + reuseIntervalMs() + 100 - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));

        const reused = await refresh(first.refreshToken);
        expectError(reused, { status: 401, shape: 'envelope', code: 'refresh_token_reused' });
        expectExactJson(reused, 401, envelopeError('AUTH_1005'));

        // The newest refresh token and every access token of the family are dead.
        expectError(await refresh(second.refreshToken), { status: 401, shape: 'envelope' });
        expectError(await me(second.token), { status: 401, shape: 'detail', challenge: 'invalid' });
        expectError(await me(first.token), { status: 401, shape: 'detail', challenge: 'invalid' });
        // Another family of the same user is untouched.
        const other = await client.login(ETHAN);
        expect((await me(other.token)).status).toBe(200);
      });

      it('a garbage refresh token → 401 AUTH_1003', async () => {
        const reply = await refresh('garbage');
        expectError(reply, { status: 401, shape: 'envelope' });
        expectExactJson(reply, 401, envelopeError('AUTH_1003'));
      });

      it('an access token as the refresh token → 401 AUTH_1003', async () => {
        const { token } = await client.login(BOB);
        const reply = await refresh(token);
        expectError(reply, { status: 401, shape: 'envelope' });
        expectExactJson(reply, 401, envelopeError('AUTH_1003'));
      });

      it('a tampered refresh token → 401', async () => {
        const { refreshToken } = await client.login(BOB);
        expectError(await refresh(tamper(refreshToken)), { status: 401, shape: 'envelope' });
      });

      it('a malformed body → 400 AUTH_1002', async () => {
        for (const body of [{}, { refreshToken: 42 }, { refresh_token: 'x' }, []]) {
          const reply = await client.post(REFRESH, body);
          expectError(reply, { status: 400, shape: 'envelope', envelope: 'AUTH_1002' });
          expectExactJson(reply, 400, envelopeError('AUTH_1002'));
        }
      });

      it('concurrent refresh: 16 simultaneous requests with one refresh token (a retry storm) → a working pair each, no second branch', async () => {
        const { refreshToken } = await client.login(ETHAN);
        const sent = Date.now();
        const replies = await Promise.all(Array.from({ length: 16 }, () => refresh(refreshToken)));
        const answered = Date.now(); // every rotation of the storm happened before this
        // Within the reuse interval each presentation is a retry and gets a pair; past it (a very slow
        // machine), reuse: 401 in the envelope. Never a 5xx.
        const pairs = [];
        for (const reply of replies) {
          if (reply.status === 200) pairs.push(parsePair(reply, ORGANISATIONS.datastore.id));
          else expectError(reply, { status: 401, shape: 'envelope' });
        }
        if (Date.now() - sent < reuseIntervalMs()) expect(pairs).toHaveLength(16);
        for (const pair of pairs) expect((await me(pair.token)).status).toBe(200);
        // Past the interval at most one of the refresh tokens handed out still rotates: the family never
        // branches (the first stale one presented revokes it). The interval counts from each token's
        // rotation, and on a busy machine the storm's last rotations come well after `sent`.
        const wait = answered + reuseIntervalMs() + 100 - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        let rotated = 0;
        for (const pair of pairs) if ((await refresh(pair.refreshToken)).status === 200) rotated++;
        expect(rotated).toBeLessThanOrEqual(1);
      });
    });

    describe('POST /api/v2/auth/token/revoke', () => {
      it('→ 204 with an empty body; then refresh → 401 and the access token → 401', async () => {
        const pair = await client.login(ETHAN);
        const revoked = await client.post(REVOKE, { refreshToken: pair.refreshToken });
        expect(revoked.status, String(revoked)).toBe(204);
        expect(revoked.text).toBe('');
        expectError(await refresh(pair.refreshToken), { status: 401, shape: 'envelope' });
        expectError(await me(pair.token), { status: 401, shape: 'detail', challenge: 'invalid' });
      });

      it('revokes the whole family, including rotated-in tokens', async () => {
        const first = await client.login(BOB);
        const second = parsePair(await refresh(first.refreshToken));
        expect((await client.post(REVOKE, { refreshToken: second.refreshToken })).status).toBe(204);
        expectError(await me(second.token), { status: 401, shape: 'detail', challenge: 'invalid' });
        expectError(await refresh(second.refreshToken), { status: 401, shape: 'envelope' });
      });

      it('an unknown refresh token → 204 as well (RFC 7009)', async () => {
        const reply = await client.post(REVOKE, { refreshToken: 'no-such-refresh-token' });
        expect(reply.status, String(reply)).toBe(204);
        expect(reply.text).toBe('');
      });

      it('a malformed body → 400 AUTH_1002', async () => {
        const reply = await client.post(REVOKE, {});
        expectError(reply, { status: 400, shape: 'envelope', envelope: 'AUTH_1002' });
        expectExactJson(reply, 400, envelopeError('AUTH_1002'));
      });
    });
  });
}
