// The portal in a real Chromium against the real Express example: sign in, UATs, environments,
// an administrator's sign-in link (the auto-login landing and its HttpOnly cookie), your sessions,
// and a cross-site form against a cookie-authenticated route.
import { createTollgateClient } from '@tollgate/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_KEY } from '../src/api.js';
import { addDays, utcDay } from '../src/dates.js';
import {
  AVA,
  BOB,
  ETHAN,
  type Example,
  launchChromium,
  nextRequest,
  OTHER_SITE,
  ROOT,
  screenshot,
  skipReason,
  startExample,
  startHttpsProxy,
  startOtherOrigin,
  watchPage,
} from './harness.js';

if (skipReason) console.warn(skipReason);

describe.skipIf(skipReason !== null)('portal in Chromium', () => {
  let example: Example;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [example, browser] = await Promise.all([startExample(), launchChromium()]);
  });

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close().catch(() => undefined)));
    await browser?.close();
    await example?.close();
  });

  /** A fresh browser context (its own cookies and storage) and page, watched for errors. */
  async function openPage(
    options: { clipboard?: boolean; userAgent?: string; ignoreHTTPSErrors?: boolean } = {},
  ) {
    const context = await browser.newContext({
      viewport: { width: 1100, height: 800 },
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      ...(options.ignoreHTTPSErrors ? { ignoreHTTPSErrors: true } : {}),
    });
    contexts.push(context);
    if (options.clipboard) {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: example.url });
    }
    const page = await context.newPage();
    return { context, page, ...watchPage(page) };
  }

  async function signIn(page: Page, account: { email: string; password: string }, method: 'jwt' | 'user') {
    await page.goto(`${example.url}/portal/`);
    if (method === 'user') await page.getByLabel('User token').check();
    await page.getByLabel('Email', { exact: true }).fill(account.email);
    await page.getByLabel('Password', { exact: true }).fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#signed-in-as', { hasText: account.email }).waitFor();
  }

  /** The page's own token, from this tab's sessionStorage (where the portal keeps it). */
  async function pageToken(page: Page): Promise<string> {
    const stored = await page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY);
    expect(stored).not.toBeNull();
    return (JSON.parse(stored!) as { token: string }).token;
  }

  const createBrand = (authorization: string) =>
    fetch(`${example.url}/api/v2/brands/`, { method: 'POST', headers: { authorization } });

  it('serves the page with a strict CSP and cache headers', async () => {
    const index = await fetch(`${example.url}/portal/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /src="\.\/(portal-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const bundle = await fetch(`${example.url}/portal/${script}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    await bundle.arrayBuffer();
    const bare = await fetch(`${example.url}/portal`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/portal/');
  });

  it('signs in, creates a UAT, copies its value, and revokes it: the API then refuses it', async () => {
    const { context, page, problems } = await openPage({ clipboard: true });
    await signIn(page, ETHAN, 'jwt');
    await page.getByRole('heading', { name: 'Your tokens' }).waitFor();
    await page.locator('#tokens-caption', { hasText: '0 tokens' }).waitFor();
    // Every input has a label (its accessible name).
    const unlabelled = await page
      .locator('input')
      .evaluateAll((inputs) =>
        inputs
          .filter(
            (input) => (input as HTMLInputElement).labels?.length === 0 && !input.getAttribute('aria-label'),
          )
          .map((input) => input.outerHTML),
      );
    expect(unlabelled).toEqual([]);
    // Only the permissions ethan holds are offered (all five).
    expect(await page.getByRole('group', { name: 'Permissions' }).getByRole('checkbox').count()).toBe(5);

    const day = addDays(utcDay(Date.now()), 30);
    await page.getByLabel('Name').fill('ci brands');
    await page.getByLabel('Valid until').fill(day);
    await page.getByRole('checkbox', { name: 'brand_create' }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const valueInput = page.getByLabel('Token value');
    await valueInput.waitFor();
    const shown = await valueInput.inputValue();
    expect(shown).toMatch(/^tgu_/);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Copied to the clipboard.' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(shown);
    await page.locator('#tokens-caption', { hasText: '1 token' }).waitFor();
    await screenshot(page, 'uat-created');

    // The value works from anywhere: a plain fetch with `Authorization: UAT <value>`.
    expect((await createBrand(`UAT ${copied}`)).status).toBe(201);

    // The date picker's day was sent as the end of that day in UTC.
    const tokens = await fetch(`${example.url}/api/v2/me/tokens/`, {
      headers: { authorization: `JWT ${await pageToken(page)}` },
    }).then((response) => response.json() as Promise<Array<{ name: string; expires_at: string }>>);
    expect(tokens.map((token) => [token.name, token.expires_at])).toEqual([
      ['ci brands', `${day}T23:59:59.000Z`],
    ]);

    await page.getByRole('button', { name: 'Done: I have saved it' }).click();
    await page.getByRole('button', { name: 'Reload the list' }).click();
    const row = page.getByRole('row', { name: /ci brands/ });
    await row.getByRole('cell', { name: /UTC/ }).nth(1).waitFor(); // "last used" is now a time
    await row.getByRole('button', { name: 'Revoke ci brands' }).click();
    await row.getByRole('button', { name: 'Confirm: revoke ci brands' }).click();
    await row.getByText('revoked', { exact: true }).waitFor();
    await page.getByRole('status').filter({ hasText: 'revoked' }).waitFor();
    await screenshot(page, 'uats');

    const refused = await createBrand(`UAT ${copied}`);
    expect(refused.status).toBe(401);
    // The portal kept its token in this tab's sessionStorage: no cookie was needed or set.
    expect(await context.cookies()).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('announces a wrong password (role=alert), by keyboard alone', async () => {
    const { page, problems } = await openPage();
    await page.goto(`${example.url}/portal/`);
    // The email field has the focus on arrival; Tab moves on, Enter submits.
    await page.locator('#email:focus').waitFor();
    await page.keyboard.type(AVA.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type('not the password');
    const answered = page.waitForResponse((response) => response.url().endsWith('/api/v2/auth/jwt/'));
    await page.keyboard.press('Enter');
    expect((await answered).status()).toBe(400);
    const alert = page.getByRole('alert').filter({ hasText: 'Wrong email or password.' });
    await alert.waitFor();
    // Focus is back on the password, with a visible focus ring.
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      return { id: element.id, outline: getComputedStyle(element).outlineStyle };
    });
    expect(focused).toEqual({ id: 'password', outline: 'solid' });
    await screenshot(page, 'sign-in-error');
    expect(problems).toEqual([]);
  });

  it('switches a user token between environments: /Environment/current follows', async () => {
    const { page, problems } = await openPage();
    await signIn(page, ETHAN, 'user');
    const current = page.locator('#current-environment');
    await current.filter({ hasText: 'none yet' }).waitFor();
    // Its sessions list marks this sign-in, a user token, as the current session.
    await page.getByRole('row', { name: /^User token this session/ }).waitFor();
    const environments = page.getByRole('group', { name: 'Switch to' });
    expect(await environments.getByRole('radio').count()).toBe(2); // production, staging

    for (const [id, name] of [
      ['staging', 'Staging'],
      ['production', 'Production'],
    ] as const) {
      await environments.getByRole('radio', { name: new RegExp(`^${name}`) }).check();
      await page.getByRole('button', { name: 'Switch environment' }).click();
      await page.locator(`#current-environment[data-environment="${id}"]`).waitFor();
      await page
        .getByRole('status')
        .filter({ hasText: `now working in ${name}` })
        .waitFor();
      // The page's new token, called from here.
      const answer = await fetch(`${example.url}/Environment/current`, {
        headers: { authorization: `Bearer ${await pageToken(page)}` },
      });
      expect(await answer.json()).toEqual({ environment: id, user: ETHAN.email });
      if (id === 'staging') await screenshot(page, 'environments', { fullPage: false });
    }
    expect(problems).toEqual([]);
  });

  /**
   * An administrator's sign-in link for `account`: root's security token (asked of `server`) on the
   * landing of `landing` (the same, unless the browser reaches it by another URL).
   */
  async function signInLink(
    account: { email: string } = AVA,
    options: { next?: string; customData?: string; server?: string; landing?: string } = {},
  ): Promise<string> {
    const server = options.server ?? example.url;
    const client = createTollgateClient({ baseUrl: server });
    const admin = await client.tokenPair.login({ username: ROOT.email, password: ROOT.password });
    const securityToken = await client.delegatedLogin.authenticateUserByToken({
      admin,
      domain: 'datastore',
      userIdentity: account.email,
      customData: options.customData ?? null,
    });
    const next = encodeURIComponent(options.next ?? '/portal/');
    const landing = options.landing ?? server;
    return `${landing}/auth/auto-login?token=${encodeURIComponent(securityToken)}&next=${next}`;
  }

  const bannerText = async (page: Page) =>
    (await page.locator('#signed-in-as').textContent())?.replace(/\s+/g, ' ').trim();

  it("lands an administrator's sign-in link: an HttpOnly cookie, the token gone from the URL; End this session clears it", async () => {
    const link = await signInLink(AVA, { customData: 'support ticket 42' });
    const { context, page, problems } = await openPage();
    const asked = page.waitForResponse((response) => response.url() === `${example.url}/api/v2/me/`);
    const landed = await page.goto(link);

    // 303 to the allowed path, no Referer for what the page loads next; the page's URL has no token.
    const landing = await landed!.request().redirectedFrom()!.response();
    expect(landing!.status()).toBe(303);
    expect(await landing!.headerValue('location')).toBe('/portal/');
    expect(await landing!.headerValue('referrer-policy')).toBe('no-referrer');
    expect(page.url()).toBe(`${example.url}/portal/`);

    // Signed in by the cookie alone: /api/v2/me/ went without an Authorization header.
    const me = await asked;
    expect(me.status()).toBe(200);
    expect(await me.request().headerValue('authorization')).toBeNull();
    await page.locator('#signed-in-as', { hasText: `by ${ROOT.email}` }).waitFor();
    expect(await bannerText(page)).toBe(`Signed in as ${AVA.email} by ${ROOT.email}`);
    await page.getByText('support ticket 42').waitFor();
    await page.getByText('opened by an administrator: it cannot create or manage tokens').waitFor();
    const cookies = await context.cookies(example.url);
    expect(cookies.map((cookie) => [cookie.name, cookie.httpOnly, cookie.sameSite, cookie.path])).toEqual([
      ['tollgate_session', true, 'Lax', '/'],
    ]);
    const value = cookies[0]!.value;
    // Script sees neither the cookie nor a token: nothing in document.cookie or sessionStorage.
    expect(await page.evaluate((key) => [document.cookie, sessionStorage.getItem(key)], SESSION_KEY)).toEqual(
      ['', null],
    );
    // The sessions list marks this one, opened by root.
    const current = page.getByRole('row', { name: /this session/ });
    await current.filter({ hasText: `by ${ROOT.email}` }).waitFor();
    expect(await current.getAttribute('aria-current')).toBe('true');
    await screenshot(page, 'auto-login', { fullPage: false });

    // End this session: the server ends it and clears the cookie; the page is signed out.
    const ended = page.waitForResponse(
      (response) =>
        response.url() === `${example.url}/api/v2/sessions/current/` &&
        response.request().method() === 'DELETE',
    );
    await page.getByRole('button', { name: 'End this session', exact: true }).click();
    expect((await ended).status()).toBe(204);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: `The session ${ROOT.email} opened has ended` })
      .waitFor();
    expect(await context.cookies(example.url)).toEqual([]);
    const replayed = await fetch(`${example.url}/api/v2/me/`, {
      headers: { cookie: `tollgate_session=${value}` },
    });
    expect(replayed.status).toBe(401);
    await replayed.arrayBuffer();

    // A reload stays signed out, quietly (no cookie: nothing to report).
    const again = page.waitForResponse((response) => response.url() === `${example.url}/api/v2/me/`);
    await page.reload();
    expect((await again).status()).toBe(401);
    await page.locator('#email:focus').waitFor();
    expect(await page.locator('#sign-in-error').textContent()).toBe('');
    expect(problems).toEqual([]);
  });

  it('over HTTPS the landing sets __Host-tollgate_session (Secure, HttpOnly, SameSite=Lax); End this session clears it', async () => {
    // The example configured for HTTPS (as in production), behind a TLS-terminating proxy.
    const secure = await startExample({ secureCookie: true });
    const proxy = await startHttpsProxy(secure);
    try {
      const link = await signInLink(AVA, { server: secure.url, landing: proxy.url });
      const { context, page, problems } = await openPage({ ignoreHTTPSErrors: true });
      await page.goto(link);
      expect(page.url()).toBe(`${proxy.url}/portal/`);
      await page.locator('#signed-in-as', { hasText: `by ${ROOT.email}` }).waitFor();
      // Host-only (no Domain), Path=/, Secure: the browser keeps it for this origin alone.
      const cookies = await context.cookies(proxy.url);
      expect(
        cookies.map((cookie) => [
          cookie.name,
          cookie.domain,
          cookie.path,
          cookie.secure,
          cookie.httpOnly,
          cookie.sameSite,
        ]),
      ).toEqual([['__Host-tollgate_session', '127.0.0.1', '/', true, true, 'Lax']]);

      // Ending it from the page (its Origin is https://, as the handler expects) clears the cookie.
      const ended = page.waitForResponse(
        (response) =>
          response.url() === `${proxy.url}/api/v2/sessions/current/` &&
          response.request().method() === 'DELETE',
      );
      await page.getByRole('button', { name: 'End this session', exact: true }).click();
      expect((await ended).status()).toBe(204);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect(await context.cookies(proxy.url)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await proxy.close();
      await secure.close();
    }
  });

  it('refuses a used link (401) and a `next` off the allow-list (400) with a readable page, and no cookie', async () => {
    // Used once (by anyone): the same link again is refused.
    const used = await signInLink();
    const first = await fetch(used, { redirect: 'manual' });
    expect(first.status).toBe(303);
    await first.arrayBuffer();
    const { context, page } = await openPage();
    const replay = await page.goto(used);
    expect(replay!.status()).toBe(401);
    expect(replay!.request().redirectedFrom()).toBeNull();
    expect(await replay!.headerValue('content-type')).toMatch(/^text\/html/);
    await page.getByRole('heading', { name: 'This sign-in link has been used already' }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'Each link signs you in once' }).waitFor();
    expect(await page.content()).not.toMatch(/\bat \S+:\d+|Error:|node_modules/);
    expect(page.url()).toBe(used);
    expect(await context.cookies()).toEqual([]);

    // Another site as `next`: refused before the token is looked at; no redirect, no cookie.
    const fresh = await signInLink(AVA, { next: 'https://evil.test/' });
    const offList = await page.goto(fresh);
    expect(offList!.status()).toBe(400);
    expect(offList!.request().redirectedFrom()).toBeNull();
    expect(await offList!.headerValue('location')).toBeNull();
    await page.getByRole('heading', { name: 'This sign-in link goes nowhere allowed' }).waitFor();
    expect(page.url()).toBe(fresh);
    expect(await context.cookies()).toEqual([]);
    // That token was not spent: with an allowed `next` it signs in.
    await page.goto(fresh.replace(encodeURIComponent('https://evil.test/'), encodeURIComponent('/portal/')));
    await page.locator('#signed-in-as', { hasText: `by ${ROOT.email}` }).waitFor();
  });

  it('lists your sessions; ending another one signs it out at its next action; End all other sessions', async () => {
    // Two browsers: A signs in with ava's password, B through a sign-in link, with a user agent of its own.
    const a = await openPage();
    await signIn(a.page, AVA, 'jwt');
    const agent = 'Mozilla/5.0 (X11; Linux x86_64) PortalTest/second-browser';
    const b = await openPage({ userAgent: agent });
    await b.page.goto(await signInLink());
    await b.page.locator('#signed-in-as', { hasText: `by ${ROOT.email}` }).waitFor();

    const sessions = a.page.getByRole('region', { name: 'Your sessions' });
    await sessions.getByRole('button', { name: 'Reload the sessions' }).click();
    const other = sessions.getByRole('row', { name: /PortalTest\/second-browser/ });
    await other.waitFor();
    expect(await other.textContent()).toContain(`Administrator’s sign-in by ${ROOT.email}`);
    const mine = sessions.getByRole('row', { name: /this session/ });
    expect(await mine.textContent()).toMatch(/^Email and password this session/);
    expect(await mine.getAttribute('aria-current')).toBe('true');
    // Every action button has a name that says which session it ends.
    const names = await sessions
      .getByRole('button', { name: /^End / })
      .evaluateAll((buttons) =>
        buttons.map((button) => button.getAttribute('aria-label') ?? button.textContent),
      );
    expect(names).toContainEqual(
      expect.stringMatching(/^End this session \(Email and password, started .+ UTC\) and sign out$/),
    );
    expect(names).toContainEqual(
      expect.stringMatching(
        /^End session: Administrator’s sign-in, started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
      ),
    );
    await screenshot(a.page, 'sessions');

    // From the keyboard: focus B's End button, Enter; the heading then holds the focus.
    const ended = a.page.waitForResponse(
      (response) =>
        /\/api\/v2\/sessions\/[^/]+\/$/.test(response.url()) && response.request().method() === 'DELETE',
    );
    await other.getByRole('button', { name: /^End session:/ }).focus();
    await a.page.keyboard.press('Enter');
    expect((await ended).status()).toBe(204);
    await other.waitFor({ state: 'detached' });
    await a.page.getByRole('status').filter({ hasText: 'Session ended: Administrator’s sign-in' }).waitFor();
    await a.page.locator('#sessions-title:focus').waitFor();

    // B's next action is refused: back to the sign-in form, which says why.
    const refused = b.page.waitForResponse(
      (response) => response.url() === `${example.url}/api/v2/sessions/`,
    );
    await b.page.getByRole('button', { name: 'Reload the sessions' }).click();
    expect((await refused).status()).toBe(401);
    await b.page.getByRole('alert').filter({ hasText: 'Your session has ended. Sign in again.' }).waitFor();
    // Its cookie is still in B (refused by the server); a password sign-in beside it works, since
    // the page's token sessions send no cookie.
    expect((await b.context.cookies(example.url)).map((cookie) => cookie.name)).toEqual(['tollgate_session']);
    await b.page.getByLabel('Email', { exact: true }).fill(AVA.email);
    await b.page.getByLabel('Password', { exact: true }).fill(AVA.password);
    await b.page.getByRole('button', { name: 'Sign in' }).click();
    await b.page.locator('#signed-in-as', { hasText: AVA.email }).waitFor();
    expect(await bannerText(b.page)).toBe(`Signed in as ${AVA.email}`);

    // A ends every other session: the list keeps only A's; B is signed out at its next action.
    const others = a.page.waitForResponse((response) =>
      response.url().endsWith('/api/v2/sessions/revoke-others/'),
    );
    await sessions.getByRole('button', { name: 'End all other sessions' }).click();
    expect((await others).status()).toBe(200);
    await a.page
      .getByRole('status')
      .filter({ hasText: /other sessions? ended\./ })
      .waitFor();
    await sessions.locator('#sessions-caption', { hasText: /^1 session$/ }).waitFor();
    await b.page.getByRole('button', { name: 'Reload the sessions' }).click();
    await b.page.getByRole('alert').filter({ hasText: 'Your session has ended. Sign in again.' }).waitFor();

    // Signing out ends A's session on the server too.
    const signedOut = a.page.waitForResponse(
      (response) =>
        response.url() === `${example.url}/api/v2/sessions/current/` &&
        response.request().method() === 'DELETE',
    );
    await a.page.getByRole('button', { name: 'Sign out', exact: true }).click();
    expect((await signedOut).status()).toBe(204);
    await a.page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
    expect(await a.page.evaluate((key) => sessionStorage.getItem(key), SESSION_KEY)).toBeNull();
    expect([...a.problems, ...b.problems]).toEqual([]);
  });

  it('refuses a cross-site form POST to a cookie-authenticated route', async () => {
    // bob's delegated login sets the HttpOnly session cookie in this browser context.
    const client = createTollgateClient({ baseUrl: example.url });
    const admin = await client.tokenPair.login({ username: ROOT.email, password: ROOT.password });
    const { context, page } = await openPage();
    const login = await context.request.post(`${example.url}/API3/authentication/authenticateUserByToken`, {
      data: { domain: 'acme', userIdentity: BOB.email, customData: null, token: await admin.token() },
    });
    expect(login.status()).toBe(200);
    const cookies = await context.cookies(example.url);
    expect(cookies.map((cookie) => [cookie.name, cookie.httpOnly, cookie.sameSite])).toEqual([
      ['tollgate_session', true, 'Lax'],
    ]);
    // The cookie alone is enough from the example's own origin.
    const own = await context.request.post(`${example.url}/api/v2/brands/`, {
      headers: { origin: example.url },
      data: {},
    });
    expect(own.status()).toBe(201);

    const target = `${example.url}/api/v2/brands/`;
    const attacker = await startOtherOrigin(`<!doctype html>
      <form method="POST" action="${target}"><input type="hidden" name="name" value="pwned"></form>
      <script>
        if (location.hash === '#fetch') {
          fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include' });
        } else {
          document.forms[0].submit();
        }
      </script>`);
    try {
      // 1. Another site (attacker.test → 127.0.0.1): the SameSite=Lax cookie is not even sent.
      let seen = nextRequest(example, 'POST', '/api/v2/brands/');
      await page.goto(`http://${OTHER_SITE}:${attacker.port}/`);
      const crossSite = await seen;
      expect(crossSite.origin).toBe(`http://${OTHER_SITE}:${attacker.port}`);
      expect(crossSite.cookie).toBeUndefined();
      expect(crossSite.status).toBeGreaterThanOrEqual(400);

      // 2. Another origin of the same site (127.0.0.1, another port): the cookie is sent, and the
      //    origin check refuses the form (the route authenticates before it reads the body).
      seen = nextRequest(example, 'POST', '/api/v2/brands/');
      await page.goto(`http://127.0.0.1:${attacker.port}/`);
      const sameSite = await seen;
      expect(sameSite.cookie).toMatch(/tollgate_session=/);
      expect(sameSite.origin).toBe(`http://127.0.0.1:${attacker.port}`);
      expect(sameSite.contentType).toBe('application/x-www-form-urlencoded');
      expect([sameSite.status, sameSite.code]).toEqual([403, 'csrf_origin_mismatch']);

      // 3. The same origin sends a POST without a body (nothing to refuse but the origin): 403.
      seen = nextRequest(example, 'POST', '/api/v2/brands/');
      await page.goto(`http://127.0.0.1:${attacker.port}/#fetch`);
      const bodiless = await seen;
      expect(bodiless.cookie).toMatch(/tollgate_session=/);
      expect([bodiless.status, bodiless.code]).toEqual([403, 'csrf_origin_mismatch']);
    } finally {
      await attacker.close();
    }
  });
});
