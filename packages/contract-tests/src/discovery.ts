import { constants, createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectJson, list, record, text } from './assertions.js';
import type { ContractClient } from './client.js';
import { ETHAN } from './demo.js';

/** JWK members that only a private (or symmetric) key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Every endpoint of CONTRACT.md, as OpenAPI path templates (parameter names normalised to `{}`). */
type Endpoint = readonly [path: string, methods: readonly string[]];

export const CONTRACT_ENDPOINTS: readonly Endpoint[] = [
  ['/Authentication', ['get', 'post']],
  ['/Authentication/UserToken', ['get']],
  ['/Authentication/refresh/{}', ['get']],
  ['/Authentication/token/{}/Environments', ['get']],
  ['/Environment/current', ['get']],
  ['/API3/authentication/authenticateUserByToken', ['post']],
  ['/api/v2/auth/token', ['post']],
  ['/api/v2/auth/token/refresh', ['post']],
  ['/api/v2/auth/token/revoke', ['post']],
  ['/api/v2/auth/jwt/', ['post']],
  ['/api/v2/me/', ['get']],
  ['/api/v2/me/tokens/', ['get', 'post']],
  ['/api/v2/me/tokens/{}/', ['delete']],
];

/** The protected demo routes of CONTRACT.md (served by each example app). */
export const DEMO_ENDPOINTS: readonly Endpoint[] = [
  ['/api/v2/brands/', ['post']],
  ['/api/v2/products/', ['post']],
  ['/api/v2/scans/download', ['get']],
  ['/api/v2/scm/bulk-edit/', ['post']],
  ['/api/v2/scm/codes/{}/', ['patch']],
];

function decodeSegment(segment: string | undefined): Record<string, unknown> {
  return record(
    JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as unknown,
    'JWT segment',
  );
}

/** Verifies a compact JWS against a public JWK with node:crypto; `undefined` when the alg is not handled here. */
function verifyJws(token: string, jwk: Record<string, unknown>): boolean | undefined {
  const [header, payload, signature] = token.split('.');
  const alg = String(decodeSegment(header).alg);
  const data = Buffer.from(`${header}.${payload}`);
  const sig = Buffer.from(signature ?? '', 'base64url');
  const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  const hash = `sha${alg.endsWith('512') ? '512' : alg.endsWith('384') ? '384' : '256'}`;
  if (alg === 'EdDSA' || alg === 'Ed25519') return verify(null, data, key, sig);
  if (alg.startsWith('ES')) return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
  if (alg.startsWith('RS')) return verify(hash, data, key, sig);
  if (alg.startsWith('PS')) {
    return verify(
      hash,
      data,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
      sig,
    );
  }
  return undefined;
}

/** Section 7: the published key set and API description. */
export function defineDiscovery(client: ContractClient): void {
  const jwks = async (): Promise<Record<string, unknown>[]> => {
    const body = record(expectJson(await client.get('/.well-known/jwks.json'), 200), 'JWKS');
    return list(body.keys, 'keys').map((key) => record(key, 'JWK'));
  };

  describe('discovery', () => {
    it('GET /.well-known/jwks.json → 200 {"keys":[...]} with kid, alg, use and no private members', async () => {
      const reply = await client.get('/.well-known/jwks.json');
      const body = record(expectJson(reply, 200), 'JWKS');
      expect(Object.keys(body)).toContain('keys');
      const keys = list(body.keys, 'keys').map((key) => record(key, 'JWK'));
      expect(keys.length).toBeGreaterThan(0);
      const kids = new Set<string>();
      for (const key of keys) {
        kids.add(text(key.kid, 'kid'));
        text(key.alg, 'alg');
        expect(key.use).toBe('sig');
        expect(['OKP', 'EC', 'RSA']).toContain(key.kty);
        for (const member of PRIVATE_MEMBERS)
          expect(key, `JWK ${String(key.kid)} has no "${member}"`).not.toHaveProperty(member);
      }
      expect(kids.size, 'kids are unique').toBe(keys.length);
    });

    it('the scheme D JWT is signed by a key of the JWKS (kid and alg match, signature verifies)', async () => {
      const token = await client.jwt(ETHAN);
      expect(token.split('.'), 'a compact JWS').toHaveLength(3);
      const header = decodeSegment(token.split('.')[0]);
      const keys = await jwks();
      const key = keys.find((candidate) => candidate.kid === header.kid);
      expect(key, `kid ${String(header.kid)} is published`).toBeDefined();
      expect(header.alg).toBe(key?.alg);
      const verified = verifyJws(token, key ?? {});
      if (verified !== undefined) expect(verified, 'signature verifies').toBe(true);
    });

    it('JWT-shaped access tokens (scheme C) are signed by a key of the JWKS too', async () => {
      const token = await client.access(ETHAN);
      const parts = token.split('.');
      if (parts.length !== 3) return; // an opaque access token: nothing to check against the JWKS
      const header = decodeSegment(parts[0]);
      const key = (await jwks()).find((candidate) => candidate.kid === header.kid);
      expect(key, `kid ${String(header.kid)} is published`).toBeDefined();
      const verified = verifyJws(token, key ?? {});
      if (verified !== undefined) expect(verified, 'signature verifies').toBe(true);
    });

    const openApiPaths = async (): Promise<Map<string, Record<string, unknown>>> => {
      const reply = await client.get('/openapi.json');
      const body = record(expectJson(reply, 200), 'OpenAPI document');
      expect(text(body.openapi, 'openapi').startsWith('3.1'), `openapi ${String(body.openapi)}`).toBe(true);
      record(body.info, 'info');
      const normalised = new Map<string, Record<string, unknown>>();
      for (const [path, item] of Object.entries(record(body.paths, 'paths'))) {
        normalised.set(path.replace(/\{[^{}]*\}/g, '{}'), record(item, `paths[${path}]`));
      }
      return normalised;
    };

    const expectEndpoints = (paths: Map<string, Record<string, unknown>>, endpoints: readonly Endpoint[]) => {
      for (const [path, methods] of endpoints) {
        const item = paths.get(path);
        expect(item, `paths has ${path}`).toBeDefined();
        for (const method of methods) expect(item, `${method.toUpperCase()} ${path}`).toHaveProperty(method);
      }
    };

    it('GET /openapi.json → 200, OpenAPI 3.1, a path entry (with its methods) for every endpoint of the four schemes', async () => {
      expectEndpoints(await openApiPaths(), CONTRACT_ENDPOINTS);
    });

    it('GET /openapi.json lists the protected demo routes', async () => {
      expectEndpoints(await openApiPaths(), DEMO_ENDPOINTS);
    });
  });
}
