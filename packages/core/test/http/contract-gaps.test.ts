/**
 * Where src/ and /work/shared/CONTRACT.md disagree on `GET /Authentication/UserToken` (scheme A).
 * Each case is written as CONTRACT.md says and marked `fails` while src/ answers otherwise; a case that
 * starts passing (src/ changed) fails the suite, so `.fails` is removed with the fix.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNTS,
  bodyOf,
  type DemoAccount,
  get,
  type HttpDemo,
  httpDemo,
  login,
  post,
  serve,
} from './fixtures.js';

const { ethan, bob, domainAdmin, root } = ACCOUNTS;

let d: HttpDemo;
beforeAll(async () => {
  d = await httpDemo();
});

const issue = async (admin: DemoAccount, username: string) => {
  const access = (await d.tg.tokenPair.login(login(admin))).token;
  return serve(
    d.http,
    get(`/Authentication/UserToken?username=${encodeURIComponent(username)}`, {
      authorization: `Bearer ${access}`,
    }),
  );
};

describe('CONTRACT.md scheme A: GET /Authentication/UserToken', () => {
  // "A user token issued this way names the administrator as its actor (`/api/v2/me/` shows it)".
  it('the issued user token names the administrator as its actor', async () => {
    const { token } = bodyOf(await issue(root, ethan.username)) as { token: string };
    const me = await serve(d.http, get('/api/v2/me/', { authorization: `Bearer ${token}` }));
    expect(bodyOf(me)).toMatchObject({ actor: { username: root.username } });
  });

  // "... and, like a delegated token, cannot be used to create UATs or any other credential."
  it('the issued user token cannot create a UAT', async () => {
    const { token } = bodyOf(await issue(root, ethan.username)) as { token: string };
    const created = await serve(
      d.http,
      post(
        '/api/v2/me/tokens/',
        {
          name: 'x',
          expires_at: new Date(d.clock.now() + 86_400_000).toISOString(),
          permissions: ['brand_create'],
        },
        { authorization: `Bearer ${token}` },
      ),
    );
    expect(created.status).toBe(403);
  });

  // "a domain admin asking for a user outside its domain → 404, exactly the answer for an unknown U".
  // The contract suite (packages/contract-tests/src/scheme-a.ts) asserts 403 instead: the two documents
  // disagree, and src/ follows the suite.
  it('a user outside a domain admin’s domain gets the unknown user’s answer', async () => {
    const outside = await issue(domainAdmin, bob.username);
    const unknown = await issue(domainAdmin, 'ghost@acme.test');
    expect(outside).toEqual(unknown);
  });
});
