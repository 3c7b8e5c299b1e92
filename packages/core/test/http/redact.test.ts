/**
 * `redactUrl`: a URL fit for a log line. Path tokens, the query fields a route declares secret, every
 * undeclared field of a token route and the usual secret names on any URL are replaced, however they
 * are spelled (doubled slashes, percent-encoded names, case).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../helpers/internals.js';
import { get, type HttpDemo, httpDemo } from './fixtures.js';

const R = '[REDACTED]';

describe('redactUrl', () => {
  it('path tokens of the user-token routes', () => {
    expect(redactUrl('/Authentication/refresh/abc.def.ghi')).toBe(`/Authentication/refresh/${R}`);
    expect(redactUrl('/Authentication/refresh/abc?environment=staging')).toBe(
      `/Authentication/refresh/${R}?environment=staging`,
    );
    expect(redactUrl('/Authentication/token/abc/Environments')).toBe(
      `/Authentication/token/${R}/Environments`,
    );
    expect(redactUrl('/Authentication/refresh/abc/')).toBe(`/Authentication/refresh/${R}`);
    expect(redactUrl('/Authentication/refresh/abc#top')).toBe(`/Authentication/refresh/${R}#top`);
  });

  it('doubled slashes do not hide a path token (read as the router reads them)', () => {
    expect(redactUrl('/Authentication//refresh//abc')).toBe(`/Authentication/refresh/${R}`);
    expect(redactUrl('///Authentication/token//abc///Environments/')).toBe(
      `/Authentication/token/${R}/Environments`,
    );
  });

  it('the password of the query login, however its name is spelled; the declared fields stay', () => {
    expect(
      redactUrl('/Authentication?username=bob%40acme.test&password=Acme!user1&environment=production'),
    ).toBe(`/Authentication?username=bob%40acme.test&password=${R}&environment=production`);
    for (const name of ['pass%77ord', '%70assword', 'PASSWORD', 'Pass%57ord']) {
      expect(redactUrl(`/Authentication?username=u&${name}=secret`), name).toBe(
        `/Authentication?username=u&${name}=${R}`,
      );
    }
  });

  it('every field a token route does not declare (a typo must not leak the secret)', () => {
    expect(redactUrl('/Authentication?username=u&pasword=secret&x=1')).toBe(
      `/Authentication?username=u&pasword=${R}&x=${R}`,
    );
    expect(redactUrl('/Authentication/refresh/abc?environment=e&token2=t')).toBe(
      `/Authentication/refresh/${R}?environment=e&token2=${R}`,
    );
    // A route that carries no token keeps undeclared fields.
    expect(redactUrl('/Authentication/token/abc/Environments?page=2')).toBe(
      `/Authentication/token/${R}/Environments?page=2`,
    );
  });

  it('the usual secret names on any URL, decoded and case-insensitively', () => {
    expect(redactUrl('/api/v2/me/?access_token=a&ACCESS_TOKEN=b&acc%65ss_token=c&page=1')).toBe(
      `/api/v2/me/?access_token=${R}&ACCESS_TOKEN=${R}&acc%65ss_token=${R}&page=1`,
    );
    expect(redactUrl('/anything?token=a&refreshToken=b&refresh_token=c&code=d&password=e&q=f')).toBe(
      `/anything?token=${R}&refreshToken=${R}&refresh_token=${R}&code=${R}&password=${R}&q=f`,
    );
    expect(redactUrl('/anything?access+token=a&access_token')).toBe('/anything?access+token=a&access_token');
  });

  it('a URL without secrets is unchanged', () => {
    for (const url of ['/', '/health', '/api/v2/me/', '/api/v2/me/tokens/123/', '/Environment/current?x=1']) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it('the routes under a prefix', () => {
    expect(redactUrl('/auth/Authentication/refresh/abc', '/auth/')).toBe(`/auth/Authentication/refresh/${R}`);
    // Without the prefix too: a secret path parameter is found under any mount point.
    expect(redactUrl('/auth/Authentication/refresh/abc?password=p')).toBe(
      `/auth/Authentication/refresh/${R}?password=${R}`,
    );
  });
});

/**
 * The handler and `redactUrl` read a target alike (dot segments, also `%2e%2e`, `\` for `/`,
 * absolute-form; a leading `//` is a path, as Express and Koa read it): what is served as the refresh
 * route never keeps its token in the log line.
 */
describe('redactUrl and the handler read a URL the same way', () => {
  let d: HttpDemo;
  beforeAll(async () => {
    d = await httpDemo({ profiles: ['user-tokens'] });
  });

  const SPELLINGS = [
    '/x/../Authentication/refresh/SECRET',
    '/x/%2e%2e/Authentication/refresh/SECRET',
    '/Authentication\\refresh\\SECRET',
    'http://host/Authentication/refresh/SECRET',
  ];

  it('each of these spellings is served as the refresh route', async () => {
    for (const url of SPELLINGS) {
      const response = await d.http.handle(get(url));
      expect(response, url).not.toBeNull();
      expect(response?.headers['tollgate-error-code'], url).toBe('invalid_token');
    }
  });

  it('so none of them may keep the token in the log line', () => {
    for (const url of [...SPELLINGS, '//host/Authentication/refresh/SECRET']) {
      expect(redactUrl(url), url).not.toContain('SECRET');
    }
  });
});
