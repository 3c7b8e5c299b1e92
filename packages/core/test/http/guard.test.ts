/**
 * `guard()` and `check()` for the app's own routes: the principal, optional routes, accepted sources,
 * the requirement of a rule, the session cookie's CSRF rule, a repeated credential, and a remembered
 * refusal answered synchronously with the very same rendered response.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpHandler,
  type GuardResult,
  type GuardRule,
  type HttpRequest,
  type Principal,
  TollgateError,
} from '../helpers/internals.js';
import {
  ACCOUNTS,
  bodyOf,
  DOCUMENTED_PROFILES,
  type HttpDemo,
  httpDemo,
  login,
  MESSAGES,
  plain,
  tampered,
} from './fixtures.js';

const { ethan, ava, root } = ACCOUNTS;

let d: HttpDemo;
let tokens: { ethanJwt: string; avaJwt: string; staging: string; session: string; uat: string };

beforeAll(async () => {
  d = await httpDemo({ cookie: { secure: false }, trustedOrigins: ['https://admin.example.com/'] });
  const ethanJwt = (await d.tg.accessTokens.login(login(ethan))).token;
  const admin = (await d.tg.tokenPair.login(login(root))).token;
  const caller = await d.tg.requirePrincipal({ authorization: `JWT ${ethanJwt}` });
  tokens = {
    ethanJwt,
    avaJwt: (await d.tg.accessTokens.login(login(ava))).token,
    staging: (await d.tg.userTokens.login({ ...login(ethan), environment: 'staging' })).token,
    session: (
      await d.tg.delegatedLogin.issue({ adminToken: admin, domain: 'datastore', userIdentity: ava.username })
    ).token,
    uat: (
      await d.tg.uats.create({
        caller,
        name: 'guard',
        expiresAt: new Date(d.clock.now() + 86_400_000),
        permissions: ['brand_create'],
      })
    ).token,
  };
});

const request = (headers: HttpRequest['headers'], method = 'GET', url = '/notes'): HttpRequest => ({
  method,
  url,
  headers,
});

async function admitted(result: GuardResult | Promise<GuardResult>): Promise<Principal | null> {
  const settled = await result;
  if (!settled.ok) throw new Error(`refused: ${settled.error.code}`);
  return settled.principal;
}

async function refusal(result: GuardResult | Promise<GuardResult>) {
  const settled = await result;
  if (settled.ok) throw new Error('admitted');
  expect(settled.response.headers['tollgate-error-code']).toBe(settled.error.code);
  return settled;
}

describe('guard(): who is calling', () => {
  it('admits each credential kind with its principal', async () => {
    expect(await admitted(d.http.guard(request({ authorization: `JWT ${tokens.ethanJwt}` })))).toMatchObject({
      username: ethan.username,
      source: 'JWT',
      tokenKind: 'access',
    });
    expect(await admitted(d.http.guard(request({ authorization: `UAT ${tokens.uat}` })))).toMatchObject({
      source: 'UAT',
      permissions: ['brand_create'],
    });
    expect(
      await admitted(d.http.guard(request({ authorization: `Bearer ${tokens.staging}` }))),
    ).toMatchObject({
      source: 'Bearer',
      environment: 'staging',
    });
    expect(
      await admitted(d.http.guard(request({ cookie: `tollgate_session=${tokens.session}` }))),
    ).toMatchObject({
      source: 'cookie',
      username: ava.username,
    });
  });

  it('401 with a challenge: no credentials, a bad token, an unknown scheme', async () => {
    const missing = await refusal(d.http.guard(request({})));
    expect(missing.response).toMatchObject({
      status: 401,
      headers: { 'www-authenticate': 'JWT realm="tollgate", UAT realm="tollgate", Bearer realm="tollgate"' },
    });
    expect(bodyOf(missing.response)).toEqual(plain('credentials_missing', MESSAGES.credentials_missing));
    const bad = await refusal(d.http.guard(request({ authorization: 'JWT not.a.token' })));
    expect(bad.response.status).toBe(401);
    expect(bad.response.headers['www-authenticate']).toMatch(/^JWT realm="tollgate", error="invalid_token"/);
    const scheme = await refusal(d.http.guard(request({ authorization: 'Basic dTpw' })));
    expect(scheme.error.code).toBe('unsupported_scheme');
  });

  it('400: a repeated Authorization header (even agreeing), or a header beside the cookie', async () => {
    const jwt = `JWT ${tokens.ethanJwt}`;
    for (const headers of [
      { authorization: [jwt, jwt] },
      { authorization: [jwt, `JWT ${tokens.avaJwt}`] },
      { authorization: jwt, cookie: `tollgate_session=${tokens.session}` },
    ]) {
      const refused = await refusal(d.http.guard(request(headers)));
      expect(refused.response.status).toBe(400);
      expect(bodyOf(refused.response)).toEqual(
        plain('ambiguous_credentials', 'The request carries more than one credential; send exactly one.'),
      );
    }
  });

  it('optional: no credentials admit a null principal; bad ones are still refused', async () => {
    expect(await admitted(d.http.guard(request({}), { optional: true }))).toBeNull();
    for (const headers of [
      { authorization: 'Bearer garbage' },
      { authorization: 'Basic dTpw' },
      { cookie: 'tollgate_session=forged' },
    ]) {
      expect((await refusal(d.http.guard(request(headers), { optional: true }))).response.status).toBe(401);
    }
  });

  it('sources: only the listed credential sources', async () => {
    const rule: GuardRule = { sources: ['UAT'] };
    expect(
      (await refusal(d.http.guard(request({ authorization: `JWT ${tokens.ethanJwt}` }), rule))).error.code,
    ).toBe('unsupported_scheme');
    expect(await admitted(d.http.guard(request({ authorization: `UAT ${tokens.uat}` }), rule))).toMatchObject(
      {
        source: 'UAT',
      },
    );
  });
});

describe('guard() and check(): what the route requires', () => {
  const cases: ReadonlyArray<readonly [string, GuardRule, string | null, string | null]> = [
    // rule, code for ava's JWT, code for ethan's JWT
    [
      'every permission',
      { permissions: ['brand_create', 'scans_download'] },
      'insufficient_permission',
      null,
    ],
    ['any one role', { roles: ['company_admin', 'domain_admin'] }, 'role_required', null],
    ['an environment', { environment: true }, 'environment_required', 'environment_required'],
  ];
  for (const [what, rule, forAva, forEthan] of cases) {
    it(`${what}: 403 in the handler's shape, or admitted`, async () => {
      const ava = d.http.guard(request({ authorization: `JWT ${tokens.avaJwt}` }), rule);
      const ethanResult = d.http.guard(request({ authorization: `JWT ${tokens.ethanJwt}` }), rule);
      for (const [result, code] of [
        [ava, forAva],
        [ethanResult, forEthan],
      ] as const) {
        if (code === null) expect(await admitted(result)).not.toBeNull();
        else expect((await refusal(result)).response.status).toBe(403);
      }
      // check() judges a principal already on the request the same way.
      const principal = await d.tg.requirePrincipal({ authorization: `JWT ${tokens.avaJwt}` });
      const checked = d.http.check(principal, rule);
      expect(checked?.headers['tollgate-error-code']).toBe(forAva);
    });
  }

  it('a staging user token meets the environment rule', async () => {
    expect(
      await admitted(
        d.http.guard(request({ authorization: `Bearer ${tokens.staging}` }), { environment: true }),
      ),
    ).toMatchObject({ environment: 'staging' });
  });

  it('check(): no principal is 401 credentials_missing; a met requirement is null', async () => {
    for (const principal of [null, undefined]) {
      const response = d.http.check(principal, { permissions: ['brand_create'] })!;
      expect(response.status).toBe(401);
      expect(bodyOf(response)).toEqual(plain('credentials_missing', MESSAGES.credentials_missing));
    }
    const ethanPrincipal = await d.tg.requirePrincipal({ authorization: `JWT ${tokens.ethanJwt}` });
    expect(
      d.http.check(ethanPrincipal, { permissions: ['brand_create'], roles: ['company_admin'] }),
    ).toBeNull();
  });

  it('the forbidden message in each shape', async () => {
    const principal = await d.tg.requirePrincipal({ authorization: `JWT ${tokens.avaJwt}` });
    expect(bodyOf(d.http.check(principal, { permissions: ['brand_create'] }, 'detail')!)).toEqual({
      detail: MESSAGES.forbidden,
    });
    expect(bodyOf(d.http.check(principal, { permissions: ['brand_create'] }, 'envelope')!)).toEqual({
      errorCode: 'AUTH_1000',
      errorMessage: MESSAGES.forbidden,
      content: '',
      pageable: '',
    });
  });
});

describe('CSRF: a state-changing request carried by the session cookie', () => {
  const HOST = 'app.test:8080';
  const cookie = () => ({ cookie: `tollgate_session=${tokens.session}`, host: HOST });
  const csrf = plain(
    'csrf_origin_mismatch',
    'A cookie-authenticated request that changes state must come from an allowed origin.',
  );

  it('is refused from another origin, or without Origin and Referer, for every state-changing method', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const extra of [
        {},
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { origin: 'not a url' },
        { referer: 'https://evil.example/form' },
        // The right host under the other scheme (the cookie is configured for plain HTTP here), or another port.
        { origin: `https://${HOST}` },
        { origin: 'http://app.test:9090' },
      ]) {
        const refused = await refusal(d.http.guard(request({ ...cookie(), ...extra }, method)));
        expect(refused.response.status, `${method} ${JSON.stringify(extra)}`).toBe(403);
        expect(bodyOf(refused.response)).toEqual(csrf);
      }
    }
  });

  it('is admitted from its own origin (Origin, or failing that Referer) and from a trusted origin', async () => {
    for (const extra of [
      { origin: `http://${HOST}` },
      { referer: `http://${HOST}/dashboard?x=1` },
      { origin: 'https://admin.example.com' },
      { referer: 'https://admin.example.com/page' },
    ]) {
      expect(
        await admitted(d.http.guard(request({ ...cookie(), ...extra }, 'POST'))),
        JSON.stringify(extra),
      ).toMatchObject({
        source: 'cookie',
      });
    }
  });

  it('needs no origin for a safe method, nor for the same token sent as a Bearer header', async () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      expect(await admitted(d.http.guard(request(cookie(), method)))).toMatchObject({ source: 'cookie' });
    }
    expect(
      await admitted(d.http.guard(request({ authorization: `Bearer ${tokens.session}` }, 'POST'))),
    ).toMatchObject({
      source: 'Bearer',
    });
  });

  it('takes https as the request’s own scheme unless the cookie is configured for plain HTTP', async () => {
    const secure = createHttpHandler(d.tg, { profiles: DOCUMENTED_PROFILES });
    const post = (origin: string) => secure.guard(request({ ...cookie(), origin }, 'POST'));
    expect(await admitted(post(`https://${HOST}`))).toMatchObject({ source: 'cookie' });
    expect((await refusal(post(`http://${HOST}`))).response.status).toBe(403);
  });
});

describe('a remembered refusal', () => {
  it('is answered synchronously with the very same rendered response, per shape', () => {
    const header = { authorization: `JWT ${tampered(tokens.ethanJwt)}` };
    const first = d.http.guard(request(header));
    expect(first).not.toBeInstanceOf(Promise);
    const responses = new Map<string, unknown>();
    for (const shape of ['default', 'envelope', 'detail'] as const) {
      const a = d.http.guard(request(header), { shape });
      const b = d.http.guard(request(header), { shape });
      expect(a).not.toBeInstanceOf(Promise);
      if (a instanceof Promise || b instanceof Promise || a.ok || b.ok)
        throw new Error('expected sync refusals');
      expect(b.response).toEqual(a.response);
      expect(b.error).toBe(a.error);
      responses.set(shape, a.response);
    }
    expect(new Set(responses.values()).size).toBe(3);
  });

  it('a known good credential is admitted synchronously too', () => {
    const header = { authorization: `JWT ${tokens.ethanJwt}` };
    const result = d.http.guard(request(header));
    expect(result).not.toBeInstanceOf(Promise);
    expect(result).toMatchObject({ ok: true, principal: { username: ethan.username } });
  });

  it('a refusal that is not invalid_token is rendered afresh (a new error each time)', async () => {
    const first = await refusal(d.http.guard(request({})));
    const again = await refusal(d.http.guard(request({})));
    expect(again.response).toEqual(first.response);
  });
});

describe('renderError() of a TollgateError thrown by the app', () => {
  it('in the handler’s shape', () => {
    const http = createHttpHandler(d.tg, { profiles: DOCUMENTED_PROFILES, errorShape: 'detail' });
    expect(bodyOf(http.renderError(new TollgateError('not_found')))).toEqual({ detail: 'Not found.' });
  });
});
