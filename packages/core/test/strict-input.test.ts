/**
 * Stricter input where silence misleads: scheme A's strict query, validation messages in DRF's
 * wording, a UAT expiry given as a date, challenges naming the route's schemes. Through the core's
 * HTTP handler with plain request objects.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpHandler,
  type HttpRequest,
  type HttpResponse,
  TollgateError,
  type TollgateHttp,
} from './helpers/internals.js';
import { ACCOUNTS, createHarness, type Harness, type IssuedTokens, issueAll } from './security-fixtures.js';

const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

let h: Harness;
let t: IssuedTokens;
let http: TollgateHttp;

beforeAll(async () => {
  h = await createHarness();
  t = await issueAll(h);
  http = createHttpHandler(h.tg, { profiles: DOCUMENTED_PROFILES });
});

const ethan = new URLSearchParams({ username: ACCOUNTS.ethan.username, password: ACCOUNTS.ethan.password });

async function send(request: Partial<HttpRequest> & { url: string }): Promise<HttpResponse> {
  const response = await http.handle({ method: 'GET', headers: {}, ...request });
  if (response === null) throw new Error(`not a route: ${request.url}`);
  return response;
}

const body = (response: HttpResponse): unknown => JSON.parse(response.body ?? 'null');

describe('scheme A: strict query', () => {
  it('a misspelt parameter (Environment=, environmentId=) → 400 naming it, not a token without environment', async () => {
    for (const name of ['Environment', 'environmentId', 'env']) {
      const response = await send({ url: `/Authentication?${ethan}&${name}=staging` });
      expect(response.status).toBe(400);
      expect(response.headers['tollgate-error-code']).toBe('malformed_request');
      expect(body(response)).toEqual({
        code: 'malformed_request',
        message: 'The request carries a query parameter this endpoint does not take.',
        fields: { [name]: ['Unknown parameter. Expected one of: username, password, environment.'] },
      });
    }
  });

  it('a repeated parameter → 400 naming it', async () => {
    const response = await send({
      url: `/Authentication?${ethan}&environment=staging&environment=production`,
    });
    expect(response.status).toBe(400);
    expect(body(response)).toMatchObject({
      fields: { environment: ['This parameter may appear only once.'] },
    });
  });

  it('every scheme A GET route is strict, including those that take no query', async () => {
    const bearer = { authorization: `Bearer ${t.adminAccess}` };
    const cases: [string, Record<string, string>][] = [
      [
        `/Authentication/UserToken?username=${encodeURIComponent(ACCOUNTS.ethan.username)}&Environment=staging`,
        bearer,
      ],
      [`/Authentication/refresh/${t.user}?environmentId=production`, {}],
      [`/Authentication/token/${t.user}/Environments?environment=staging`, {}],
      ['/Environment/current?environment=staging', { authorization: `Bearer ${t.user}` }],
    ];
    for (const [url, headers] of cases) {
      const response = await send({ url, headers });
      expect(response.status, url).toBe(400);
      const fields = (body(response) as { fields: Record<string, string[]> }).fields;
      expect(Object.keys(fields), url).toHaveLength(1);
    }
    const none = await send({
      url: '/Environment/current?x=1',
      headers: { authorization: `Bearer ${t.user}` },
    });
    expect(body(none)).toMatchObject({
      fields: { x: ['Unknown parameter: this endpoint takes no query parameters.'] },
    });
  });

  it('the declared parameters still work', async () => {
    const response = await send({ url: `/Authentication?${ethan}&environment=staging` });
    expect(response.status).toBe(200);
    expect(body(response)).toMatchObject({ environment: 'staging' });
  });

  it('routes of the other schemes keep ignoring parameters they do not declare', async () => {
    const response = await send({
      url: '/api/v2/me/?format=json',
      headers: { authorization: `JWT ${t.access}` },
    });
    expect(response.status).toBe(200);
  });
});

describe('validation messages in the API’s own wording, never the schema library’s', () => {
  it('environment= (blank) → "This field may not be blank." on every scheme A route that takes it', async () => {
    const urls = [`/Authentication?${ethan}&environment=`, `/Authentication/refresh/${t.user}?environment=`];
    for (const url of urls) {
      const response = await send({ url });
      expect(response.status, url).toBe(400);
      expect(body(response), url).toMatchObject({
        fields: { environment: ['This field may not be blank.'] },
      });
    }
    const post = await send({
      method: 'POST',
      url: '/Authentication',
      headers: { 'content-type': 'application/json' },
      body: { parsed: { ...Object.fromEntries(ethan), environment: '', username: '' } },
    });
    expect(body(post)).toMatchObject({
      fields: { username: ['This field may not be blank.'], environment: ['This field may not be blank.'] },
    });
  });

  it('scheme D (DRF-shaped): blank, too long, empty list, null, wrong type', async () => {
    const create = (fields: Record<string, unknown>) =>
      send({
        method: 'POST',
        url: '/api/v2/me/tokens/',
        headers: { authorization: `JWT ${t.access}`, 'content-type': 'application/json' },
        body: { parsed: { name: 'ci', expires_at: '2026-06-30', permissions: ['brand_create'], ...fields } },
      });
    const cases: [Record<string, unknown>, Record<string, string[]>][] = [
      [{ name: '' }, { name: ['This field may not be blank.'] }],
      [{ name: 'x'.repeat(201) }, { name: ['Ensure this field has no more than 200 characters.'] }],
      [{ permissions: [] }, { permissions: ['This list may not be empty.'] }],
      [{ permissions: [''] }, { permissions: ['This field may not be blank.'] }],
      [{ name: null }, { name: ['This field may not be null.'] }],
      [{ name: 7 }, { name: ['Not a valid string.'] }],
      [{ permissions: 'brand_create' }, { permissions: ['Expected a list of items.'] }],
      [
        { permissions: ['brand_create', 'brand_create'] },
        { permissions: ['Each permission may be given only once.'] },
      ],
    ];
    for (const [fields, expected] of cases) {
      const response = await create(fields);
      expect(response.status, JSON.stringify(fields)).toBe(400);
      expect(response.body, JSON.stringify(fields)).toBe(JSON.stringify(expected));
    }
    const jwt = await send({
      method: 'POST',
      url: '/api/v2/auth/jwt/',
      headers: { 'content-type': 'application/json' },
      body: { parsed: { email: '', password: 'x' } },
    });
    expect(jwt.body).toBe(JSON.stringify({ email: ['This field may not be blank.'] }));
  });

  it('the direct API words its field errors alike', async () => {
    await expect(h.tg.userTokens.login({ username: '', password: 'x' })).rejects.toMatchObject({
      code: 'malformed_request',
      fields: { username: ['This field may not be blank.'] },
    });
  });
});

describe('a UAT expiry given as a date means the end of that day in UTC', () => {
  const create = (expires_at: unknown) =>
    send({
      method: 'POST',
      url: '/api/v2/me/tokens/',
      headers: { authorization: `JWT ${t.access}`, 'content-type': 'application/json' },
      body: { parsed: { name: 'dated', expires_at, permissions: ['brand_create'] } },
    });

  it('2026-06-30 → expires_at 2026-06-30T23:59:59.999Z', async () => {
    const response = await create('2026-06-30');
    expect(response.status).toBe(201);
    expect(body(response)).toMatchObject({ expires_at: '2026-06-30T23:59:59.999Z' });
  });

  it('today (the clock is 2026-01-01T12:00Z) is accepted, yesterday is in the past', async () => {
    expect(body(await create('2026-01-01'))).toMatchObject({ expires_at: '2026-01-01T23:59:59.999Z' });
    const past = await create('2025-12-31');
    expect(past.status).toBe(400);
    expect(past.headers['tollgate-error-code']).toBe('invalid_expiry');
  });

  it('the 365-day limit is checked against the end of the day', async () => {
    // now + 365 days is 2027-01-01T12:00Z: the day before fits, that day itself ends too late.
    expect((await create('2026-12-31')).status).toBe(201);
    const beyond = await create('2027-01-01');
    expect(beyond.status).toBe(400);
    expect(beyond.headers['tollgate-error-code']).toBe('invalid_expiry');
  });

  it('the direct API takes the same spellings', async () => {
    const created = await h.tg.uats.create({
      caller: t.principals.access,
      name: 'direct',
      expiresAt: '2026-03-01',
      permissions: ['brand_create'],
    });
    expect(created.expiresAt.toISOString()).toBe('2026-03-01T23:59:59.999Z');
  });

  it('anything else → 400 in DRF’s DateTimeField wording', async () => {
    const message =
      'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z], YYYY-MM-DD.';
    for (const value of ['2026-06-31', '30/06/2026', '2026-06-30T10:00:00', 'tomorrow']) {
      const response = await create(value);
      expect(response.status, value).toBe(400);
      expect(response.body, value).toBe(JSON.stringify({ expires_at: [message] }));
    }
  });
});

describe('WWW-Authenticate names the schemes the route accepts', () => {
  const ALL = 'JWT realm="tollgate", UAT realm="tollgate", Bearer realm="tollgate"';
  const challengeOf = (response: HttpResponse) => response.headers['www-authenticate'];

  it('profile routes: from their security', async () => {
    expect(challengeOf(await send({ url: '/api/v2/me/' }))).toBe(ALL);
    expect(challengeOf(await send({ url: '/api/v2/me/tokens/' }))).toBe(
      'JWT realm="tollgate", Bearer realm="tollgate"',
    );
    expect(challengeOf(await send({ url: '/Environment/current' }))).toBe('Bearer realm="tollgate"');
    // No Authorization scheme at all (a password login): Bearer, as RFC 9110 wants one challenge.
    const login = await send({ url: '/Authentication?username=nobody%40x.test&password=wrong' });
    expect(login.status).toBe(401);
    expect(challengeOf(login)).toMatch(/^Bearer realm="tollgate", error="invalid_token"/);
  });

  it('guard: from the rule’s sources, also for a remembered refusal rendered once per rule', () => {
    const bad = `${t.access.slice(0, -2)}${t.access.at(-2) === 'A' ? 'B' : 'A'}${t.access.at(-1)}`;
    const request: HttpRequest = { method: 'GET', url: '/x', headers: { authorization: `JWT ${bad}` } };
    const params = 'realm="tollgate", error="invalid_token", error_description=';
    const rules = [
      { rule: undefined, schemes: ['JWT', 'UAT', 'Bearer'] },
      { rule: { sources: ['JWT', 'Bearer'] as const }, schemes: ['JWT', 'Bearer'] },
      { rule: { sources: ['Bearer', 'cookie', 'JWT'] as const }, schemes: ['Bearer', 'JWT'] },
      { rule: { sources: ['cookie'] as const }, schemes: ['Bearer'] },
    ];
    for (let round = 0; round < 2; round++) {
      for (const { rule, schemes } of rules) {
        const result = http.guard(request, rule);
        if (result instanceof Promise || result.ok) throw new Error('expected a synchronous refusal');
        const value = challengeOf(result.response) ?? '';
        const named = value.split(/, (?=[A-Za-z]+ realm=)/).map((part) => part.slice(0, part.indexOf(' ')));
        expect(named).toEqual(schemes);
        expect(value.split(params).length - 1).toBe(schemes.length);
      }
    }
    const none = http.guard({ method: 'GET', url: '/x', headers: {} }, { sources: ['UAT'] });
    if (none instanceof Promise || none.ok) throw new Error('expected a synchronous refusal');
    expect(challengeOf(none.response)).toBe('UAT realm="tollgate"');
    expect(none.response.headers['tollgate-error-code']).toBe('credentials_missing');
  });

  it('renderError: every scheme unless told the route’s sources', () => {
    const error = new TollgateError('credentials_missing');
    expect(challengeOf(http.renderError(error))).toBe(ALL);
    expect(challengeOf(http.renderError(error, 'detail', undefined, ['UAT', 'JWT']))).toBe(
      'UAT realm="tollgate", JWT realm="tollgate"',
    );
  });
});
