import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectError, expectExactJson, expectJson } from './assertions.js';
import type { ContractClient } from './client.js';
import { BOB } from './demo.js';
import type { Reply } from './http.js';

/** More than any sensible per-account limit; the examples use the default, 10. */
const MAX_ATTEMPTS = 50;

/**
 * Brute-force limits on every password login endpoint: wrong passwords for one account end in
 * 429 with `Retry-After`, in the endpoint's own error shape; successful logins are not counted.
 * Each endpoint guesses at an account of its own that does not exist (unknown users are limited
 * like known ones), so no demo account is locked.
 */
export function defineLoginLimits(client: ContractClient): void {
  const fresh = (endpoint: string) => `brute-${endpoint}-${randomUUID()}@acme.test`;

  // Guesses until refused; asserts that the refusals before were the endpoint's usual 400/401.
  const guessUntilLimited = async (guess: () => Promise<Reply>, refusedStatus: number): Promise<Reply> => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const reply = await guess();
      if (reply.status === 429) {
        expect(attempt, 'at least one wrong password is answered normally').toBeGreaterThan(1);
        return reply;
      }
      expect(reply.status, String(reply)).toBe(refusedStatus);
    }
    throw new Error(`no 429 after ${MAX_ATTEMPTS} wrong passwords`);
  };

  const retryAfter = (reply: Reply): number => {
    const value = Number(reply.headers.get('retry-after'));
    expect(Number.isInteger(value) && value >= 1, `Retry-After: ${reply.headers.get('retry-after')}`).toBe(
      true,
    );
    return value;
  };

  describe('brute-force limits on password logins', () => {
    it('scheme A GET /Authentication: 429 rate_limited, default shape, Retry-After', async () => {
      const username = fresh('a');
      const query = `/Authentication?username=${encodeURIComponent(username)}&password=wrong`;
      const reply = await guessUntilLimited(() => client.get(query), 401);
      expectError(reply, { status: 429, shape: 'default', code: 'rate_limited' });
      retryAfter(reply);
      // The same account through the JSON form of the endpoint is refused too.
      const viaBody = await client.post('/Authentication', { username, password: 'wrong' });
      expectError(viaBody, { status: 429, shape: 'default', code: 'rate_limited' });
    });

    it('scheme C POST /api/v2/auth/token: 429, the envelope with AUTH_1029, Retry-After', async () => {
      const username = fresh('c');
      const reply = await guessUntilLimited(
        () => client.post('/api/v2/auth/token', { username, password: 'wrong' }),
        401,
      );
      retryAfter(reply);
      expectExactJson(
        reply,
        429,
        '{"errorCode":"AUTH_1029","errorMessage":"Too many attempts","content":"","pageable":""}',
      );
    });

    it('scheme D POST /api/v2/auth/jwt/: 429, Django REST framework’s throttling body, Retry-After', async () => {
      const email = fresh('d');
      const reply = await guessUntilLimited(
        () => client.post('/api/v2/auth/jwt/', { email, password: 'wrong' }),
        400,
      );
      const seconds = retryAfter(reply);
      expectExactJson(
        reply,
        429,
        JSON.stringify({ detail: `Request was throttled. Expected available in ${seconds} seconds.` }),
      );
    });

    it('successful logins are not counted: more of them than any limit all succeed', async () => {
      for (let i = 0; i < 15; i++) {
        const reply = await client.post('/api/v2/auth/jwt/', { email: BOB.username, password: BOB.password });
        expectJson(reply, 200);
      }
    });
  });
}
