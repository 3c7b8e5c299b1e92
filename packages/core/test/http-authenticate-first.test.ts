/**
 * The profiles' routes that declare `security` authenticate the caller before they read anything of
 * the request: a caller without (or with bad) credentials is answered 401 while its body is still
 * unread, so a slow or oversize body costs the server nothing. The route handler's own
 * `authenticate()` then returns that principal without verifying the credential again.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createHttpHandler,
  type HttpRequest,
  type HttpResponse,
  type TollgateHttp,
} from './helpers/internals.js';
import { createHarness, type Harness, type IssuedTokens, issueAll } from './security-fixtures.js';

const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

let h: Harness;
let t: IssuedTokens;
let http: TollgateHttp;

beforeAll(async () => {
  h = await createHarness();
  t = await issueAll(h);
  http = createHttpHandler(h.tg, { profiles: DOCUMENTED_PROFILES });
});

/**
 * A body that never arrives. `read` settles when someone starts to read it: a test races the answer
 * against it, so reading the body first fails at once instead of waiting forever.
 */
function missingBody(): { body: AsyncIterable<Uint8Array>; touched: () => boolean; read: Promise<void> } {
  let touched = false;
  let signal = () => {};
  const read = new Promise<void>((resolve) => {
    signal = resolve;
  });
  return {
    body: {
      [Symbol.asyncIterator]() {
        touched = true;
        signal();
        return { next: () => new Promise<IteratorResult<Uint8Array>>(() => {}) };
      },
    },
    touched: () => touched,
    read,
  };
}

/** The answer, unless the body is read first (then the test fails at once). */
function beforeBody(pending: Promise<HttpResponse>, read: Promise<void>): Promise<HttpResponse> {
  return Promise.race([
    pending,
    read.then(() => {
      throw new Error('the body was read before the caller was authenticated');
    }),
  ]);
}

const post = (
  url: string,
  headers: Record<string, string>,
  body: NonNullable<HttpRequest['body']>,
): HttpRequest => ({
  method: 'POST',
  url,
  headers,
  body,
});

async function answer(request: HttpRequest): Promise<HttpResponse> {
  const response = await http.handle(request);
  if (response === null) throw new Error(`${request.method} ${request.url} is not a route`);
  return response;
}

const JSON_1000 = { 'content-type': 'application/json', 'content-length': '1000' };

describe('a route with security authenticates before it reads the body', () => {
  it.each([
    ['no credentials', {}, 'credentials_missing'],
    ['a bad JWT', { authorization: 'JWT not.a.token' }, 'invalid_token'],
    ['a scheme the route does not take (UAT)', { authorization: 'UAT tg_uat_nope' }, 'unsupported_scheme'],
  ])('%s: 401 while the body is still missing', async (_name, auth, code) => {
    const { body, touched, read } = missingBody();
    const response = await beforeBody(
      answer(post('/api/v2/me/tokens/', { ...JSON_1000, ...auth }, body)),
      read,
    );
    expect(response.status).toBe(401);
    expect(response.headers['tollgate-error-code']).toBe(code);
    expect(JSON.parse(response.body ?? '')).toEqual({ detail: expect.any(String) });
    expect(touched()).toBe(false);
  });

  it('an oversize or non-JSON body without credentials → 401, not 413 or 415', async () => {
    for (const headers of [
      { 'content-type': 'application/json', 'content-length': '100000' },
      { 'content-type': 'text/plain', 'content-length': '10' },
    ]) {
      const { body, touched, read } = missingBody();
      const response = await beforeBody(answer(post('/api/v2/me/tokens/', headers, body)), read);
      expect(response.status).toBe(401);
      expect(touched()).toBe(false);
    }
  });

  it('with good credentials the body rules apply as before: 413, 415', async () => {
    const jwt = { authorization: `JWT ${t.access}` };
    const oversize = missingBody();
    const tooLarge = await answer(
      post(
        '/api/v2/me/tokens/',
        { ...jwt, 'content-type': 'application/json', 'content-length': '100000' },
        oversize.body,
      ),
    );
    expect(tooLarge.status).toBe(413);
    expect(oversize.touched()).toBe(false); // refused on the declared length
    const text = await answer(
      post('/api/v2/me/tokens/', { ...jwt, 'content-type': 'text/plain' }, { parsed: 'hello' }),
    );
    expect(text.status).toBe(415);
  });

  it('authenticates once: the handler’s authenticate() returns the principal found before the body', async () => {
    const spy = vi.spyOn(h.tg, 'authenticate');
    try {
      const response = await answer(
        post(
          '/api/v2/me/tokens/',
          { authorization: `JWT ${t.access}`, 'content-type': 'application/json' },
          {
            parsed: {
              name: 'once',
              expires_at: new Date(h.clock.now() + 86_400_000).toISOString(),
              permissions: ['scans_download'],
            },
          },
        ),
      );
      expect(response.status, response.body ?? '').toBe(201);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('the route’s sources still hold: a UAT on a JWT/Bearer route is refused before the body', async () => {
    const { body, touched, read } = missingBody();
    const response = await beforeBody(
      answer(post('/api/v2/me/tokens/', { ...JSON_1000, authorization: `UAT ${t.uat}` }, body)),
      read,
    );
    expect(response.status).toBe(401);
    expect(response.headers['tollgate-error-code']).toBe('unsupported_scheme');
    expect(touched()).toBe(false);
  });

  it('authenticates before it validates the query: no credentials and no username → 401', async () => {
    const response = await answer({ method: 'GET', url: '/Authentication/UserToken', headers: {} });
    expect(response.status).toBe(401);
    expect(response.headers['tollgate-error-code']).toBe('credentials_missing');
    const root = { authorization: `Bearer ${t.adminAccess}` };
    const missing = await answer({ method: 'GET', url: '/Authentication/UserToken', headers: root });
    expect(missing.status).toBe(400);
  });

  it('a route without security reads its body as before (the credentials are in it)', async () => {
    const { body, read } = missingBody();
    void http.handle(post('/api/v2/auth/token/refresh', JSON_1000, body));
    await read;
  });
});
