/**
 * The `cors` option as the handler checks it at creation; the behaviour over real HTTP is tested on
 * every adapter (@tollgate/test-kit/cors).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHttpHandler } from '../helpers/internals.js';
import { type HttpDemo, httpDemo } from './fixtures.js';

let d: HttpDemo;
beforeAll(async () => {
  d = await httpDemo({ profiles: ['uat-jwt'] });
});

describe('cors options', () => {
  it.each([
    ['no origin', { origins: [] }],
    ['a wildcard', { origins: ['*'] }],
    ['a URL with a path', { origins: ['https://app.example.test/'] }],
    ['no scheme', { origins: ['app.example.test'] }],
    ['another scheme', { origins: ['ftp://app.example.test'] }],
    ['origins missing', {}],
  ])('%s: a TypeError naming cors.origins', (_what, cors) => {
    expect(() => createHttpHandler(d.tg, { profiles: ['uat-jwt'], cors: cors as never })).toThrow(
      /cors\.origins must list one or more origins/,
    );
  });

  it('maxAge is whole seconds', () => {
    expect(() =>
      createHttpHandler(d.tg, { profiles: ['uat-jwt'], cors: { origins: ['https://a.test'], maxAge: -1 } }),
    ).toThrow(/cors\.maxAge/);
  });

  it('off by default; with credentials the origins are trusted for the CSRF check, without they are not', () => {
    expect(d.http.options.cors).toBeNull();
    const origins = ['https://app.example.test', 'http://localhost:5173'];
    const plain = createHttpHandler(d.tg, { profiles: ['uat-jwt'], cors: { origins } });
    expect(plain.options.cors).toMatchObject({ origins, credentials: false, maxAge: 600 });
    expect(plain.options.trustedOrigins).toEqual([]);
    const withCookie = createHttpHandler(d.tg, {
      profiles: ['uat-jwt'],
      trustedOrigins: ['https://admin.example.test'],
      cors: { origins, credentials: true },
    });
    expect(withCookie.options.trustedOrigins).toEqual(['https://admin.example.test', ...origins]);
  });
});
