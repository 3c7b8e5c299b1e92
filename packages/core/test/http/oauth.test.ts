/**
 * The `oauth` profile through the core's HTTP handler: the key set, RFC 8414 metadata built from the
 * configured public URL (never the Host header), and RFC 7662 introspection behind HTTP Basic.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHttpHandler, type HttpRequest, type OAuthProfileOptions } from '../helpers/internals.js';
import { accessPrincipal, ISSUER } from '../helpers/operation-rules.js';
import { ACCOUNTS, bodyOf, chunks, get, type HttpDemo, httpDemo, NO_STORE, serve } from './fixtures.js';

const CLIENT = { id: 'orders-api', secret: 'orders-api-introspection-secret' };
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function introspect(
  form: string,
  authorization: string | null = basic(CLIENT.id, CLIENT.secret),
  extra: Partial<HttpRequest> = {},
): HttpRequest {
  return {
    method: 'POST',
    url: '/oauth/introspect',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(form)),
      ...(authorization === null ? {} : { authorization }),
    },
    body: chunks(form),
    ...extra,
  };
}

let d: HttpDemo;
beforeAll(async () => {
  d = await httpDemo({
    profiles: ['token-pair', 'uat-jwt', 'oauth'],
    oauth: { publicUrl: 'https://auth.example.com/', introspectionClients: [CLIENT] },
  });
});

const login = async () => {
  const pair = await d.tg.tokenPair.login({
    username: ACCOUNTS.ethan.username,
    password: ACCOUNTS.ethan.password,
  });
  return pair;
};

describe('GET /.well-known/jwks.json and the metadata', () => {
  it('serves the Tollgate’s public key set', async () => {
    const response = await serve(d.http, get('/.well-known/jwks.json'));
    expect(response.status).toBe(200);
    expect(bodyOf(response)).toEqual(await d.tg.jwks());
    expect(bodyOf(response)).toMatchObject({ keys: [{ alg: 'ES256', kty: 'EC', use: 'sig' }] });
  });

  it('RFC 8414 metadata: the issuer, absolute URLs under the public URL, whatever the Host says', async () => {
    const response = await serve(
      d.http,
      get('/.well-known/oauth-authorization-server', {
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
      }),
    );
    expect(response.status).toBe(200);
    expect(bodyOf(response)).toEqual({
      issuer: ISSUER,
      jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
      introspection_endpoint: 'https://auth.example.com/oauth/introspect',
      introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
      response_types_supported: [],
      grant_types_supported: [],
      token_endpoint_auth_methods_supported: [],
    });
  });

  it('the handler prefix follows the public URL; the issuer is the default public URL', async () => {
    const http = createHttpHandler(d.tg, { profiles: ['oauth'], prefix: '/auth' });
    const body = bodyOf(await serve(http, get('/auth/.well-known/oauth-authorization-server')));
    expect(body).toMatchObject({
      jwks_uri: `${ISSUER}/auth/.well-known/jwks.json`,
      introspection_endpoint: `${ISSUER}/auth/oauth/introspect`,
    });
  });

  it('refuses to start with no usable public URL, a short secret, or a duplicate client', () => {
    const { tg } = d;
    const bad: OAuthProfileOptions[] = [
      { publicUrl: 'auth.example.com' },
      { publicUrl: 'ftp://auth.example.com' },
      { publicUrl: 'https://auth.example.com/?x=1' },
      { publicUrl: 'https://a.test', introspectionClients: [{ id: 'rs', secret: 'short' }] },
      { publicUrl: 'https://a.test', introspectionClients: [{ id: 'a:b', secret: CLIENT.secret }] },
      { publicUrl: 'https://a.test', introspectionClients: [CLIENT, CLIENT] },
    ];
    for (const oauth of bad)
      expect(() => createHttpHandler(tg, { profiles: ['oauth'], oauth })).toThrow(TypeError);
    // Not served: its options are not read.
    expect(() =>
      createHttpHandler(tg, { profiles: ['uat-jwt'], oauth: { publicUrl: 'not a url' } }),
    ).not.toThrow();
  });

  it('the OpenAPI document lists the three routes under the oauth tag', () => {
    const doc = d.http.openapi() as { paths: Record<string, Record<string, { tags: string[] }>> };
    expect(doc.paths['/.well-known/jwks.json']?.get?.tags).toEqual(['oauth']);
    expect(doc.paths['/.well-known/oauth-authorization-server']?.get?.tags).toEqual(['oauth']);
    expect(doc.paths['/oauth/introspect']?.post?.tags).toEqual(['oauth']);
  });
});

describe('POST /oauth/introspect', () => {
  it('a live access token: active with its claims, not cacheable', async () => {
    const pair = await login();
    const response = await serve(d.http, introspect(`token=${pair.token}&token_type_hint=access_token`));
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject(NO_STORE);
    expect(bodyOf(response)).toMatchObject({
      active: true,
      token_kind: 'access',
      username: ACCOUNTS.ethan.username,
      sub: ACCOUNTS.ethan.id,
      client_id: 'tollgate',
    });
  });

  it('after logout the same access token is {"active":false}; a refresh token never is active', async () => {
    const pair = await login();
    expect(bodyOf(await serve(d.http, introspect(`token=${pair.refreshToken}`)))).toEqual({ active: false });
    await d.tg.tokenPair.revoke({ refreshToken: pair.refreshToken });
    expect(bodyOf(await serve(d.http, introspect(`token=${pair.token}`)))).toEqual({ active: false });
    expect(bodyOf(await serve(d.http, introspect('token=not-a-token')))).toEqual({ active: false });
  });

  it('no or bad client credentials: 401 with a Basic challenge, and the body is never read', async () => {
    const pair = await login();
    const cases = [
      null,
      basic(CLIENT.id, `${CLIENT.secret}x`),
      basic('other', CLIENT.secret),
      basic(CLIENT.id, CLIENT.secret.slice(0, -1)),
      `Bearer ${pair.token}`,
      'Basic',
      'Basic !!!',
      `Basic ${Buffer.from(`${CLIENT.id}${CLIENT.secret}`).toString('base64')}`,
    ];
    for (const authorization of cases) {
      let read = false;
      const body = (async function* () {
        read = true;
        yield Buffer.from(`token=${pair.token}`);
      })();
      const response = await serve(d.http, introspect('', authorization, { body }));
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Basic realm="tollgate", charset="UTF-8"');
      expect(bodyOf(response)).toEqual({
        error: 'invalid_client',
        error_description: 'Client authentication failed.',
      });
      expect(read).toBe(false);
    }
  });

  it('refuses a body that is not a form, a missing or repeated token, and a token in the query', async () => {
    const pair = await login();
    const json: HttpRequest = {
      method: 'POST',
      url: '/oauth/introspect',
      headers: { 'content-type': 'application/json', authorization: basic(CLIENT.id, CLIENT.secret) },
      body: chunks(JSON.stringify({ token: pair.token })),
    };
    for (const request of [
      json,
      introspect(''),
      introspect('token='),
      introspect('token_type_hint=access_token'),
      introspect(`token=${pair.token}&token=${pair.token}`),
    ]) {
      const response = await serve(d.http, request);
      expect(response.status).toBe(400);
      expect(bodyOf(response)).toMatchObject({ error: 'invalid_request' });
    }
    const inQuery = await serve(
      d.http,
      introspect('', null, { url: `/oauth/introspect?token=${pair.token}` }),
    );
    // Refused for its query before anything else, with or without client credentials.
    expect(inQuery.status).toBe(400);
    const authorizedInQuery = await serve(
      d.http,
      introspect(`token=${pair.token}`, basic(CLIENT.id, CLIENT.secret), {
        url: `/oauth/introspect?token=${pair.token}`,
      }),
    );
    expect(authorizedInQuery.status).toBe(400);
  });

  it("a form an app's own parser already read (express.urlencoded) is taken as it is", async () => {
    const pair = await login();
    const parsed = (fields: unknown): HttpRequest => ({
      method: 'POST',
      url: '/oauth/introspect',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic(CLIENT.id, CLIENT.secret),
      },
      body: { parsed: fields },
    });
    expect(bodyOf(await serve(d.http, parsed({ token: pair.token })))).toMatchObject({ active: true });
    for (const fields of [{ token: [pair.token, pair.token] }, { token: { nested: 1 } }, null, 'token=x']) {
      expect((await serve(d.http, parsed(fields))).status).toBe(400);
    }
  });

  it('a body over maxBodyBytes is refused with 413', async () => {
    const response = await serve(d.http, introspect(`token=${'a'.repeat(70_000)}`));
    expect(response.status).toBe(413);
  });

  it('with no introspection client configured, every call is 401', async () => {
    const http = createHttpHandler(d.tg, { profiles: ['oauth'] });
    const principal = await accessPrincipal(d.tg, ACCOUNTS.ethan);
    expect(principal.tokenKind).toBe('access');
    const response = await serve(http, introspect('token=x'));
    expect(response.status).toBe(401);
  });

  it('client id and secret are form-decoded before comparison (RFC 6749 §2.3.1)', async () => {
    const special = { id: 'rs one', secret: 'p@ss:word/with+plus=16' };
    const http = createHttpHandler(d.tg, { profiles: ['oauth'], oauth: { introspectionClients: [special] } });
    const response = await serve(http, introspect('token=x', basic(special.id, special.secret)));
    expect(response.status).toBe(200);
    expect(bodyOf(response)).toEqual({ active: false });
  });
});
