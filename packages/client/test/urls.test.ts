import { describe, expect, it } from 'vitest';
import { expandPath, findShapeMismatch, jwtExpiry } from '../src/index.js';
import { resolveConfig, resolveUrl } from '../src/transport.js';

describe('URLs, paths and shapes', () => {
  it('paths resolve under the base URL, a mount prefix included', () => {
    const plain = resolveConfig({ baseUrl: 'http://127.0.0.1:3000' });
    expect(resolveUrl(plain, '/api/v2/me/').href).toBe('http://127.0.0.1:3000/api/v2/me/');
    const mounted = resolveConfig({ baseUrl: 'https://example.com/auth/' });
    expect(resolveUrl(mounted, '/Authentication?x=1').href).toBe(
      'https://example.com/auth/Authentication?x=1',
    );
    expect(resolveUrl(mounted, 'https://other.example/x').origin).toBe('https://other.example');
    expect(() => resolveConfig({ baseUrl: 'ftp://example.com' })).toThrow(TypeError);
  });

  it('path parameters are percent-encoded', () => {
    expect(expandPath('/Authentication/refresh/{token}', { token: 'a/b?c' })).toBe(
      '/Authentication/refresh/a%2Fb%3Fc',
    );
    expect(() => expandPath('/x/{id}/')).toThrow(/missing path parameter id/);
  });

  it('finds the first field a body lacks', () => {
    const reads = { 'content[].token': 'string', errorCode: 'string' } as const;
    expect(findShapeMismatch({ errorCode: '', content: [{ token: 't' }] }, reads)).toBeNull();
    expect(findShapeMismatch({ errorCode: '', content: [{ token: 1 }] }, reads)).toBe('content[].token');
    expect(findShapeMismatch({ content: [] }, reads)).toBe('errorCode');
    expect(findShapeMismatch([{ id: 'a' }, {}], { '[].id': 'string' })).toBe('[].id');
  });

  it('reads the exp of a JWT and of a base64url-wrapped one, without trusting anything else', () => {
    const b64 = (value: string) => btoa(value).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const jwt = `${b64('{"alg":"EdDSA"}')}.${b64('{"exp":1800000000}')}.sig`;
    expect(jwtExpiry(jwt)).toBe('2027-01-15T08:00:00.000Z');
    expect(jwtExpiry(b64(jwt))).toBe('2027-01-15T08:00:00.000Z');
    expect(jwtExpiry('tgu_opaque')).toBeNull();
    expect(jwtExpiry(`${b64('{}')}.${b64('{"exp":"soon"}')}.x`)).toBeNull();
  });
});
