import {
  createPublicKey,
  createSecretKey,
  KeyObject,
  randomBytes,
  randomUUID,
  type webcrypto,
} from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

export type SigningAlgorithm = 'EdDSA' | 'ES256' | 'HS256';

/** A signing key, imported once. The algorithm is pinned: a token naming another is refused. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** Private key, or the secret for HS256. */
  readonly privateKey: KeyObject;
  /** Public key, or the secret for HS256. */
  readonly publicKey: KeyObject;
}

/** The keys tokens are signed and verified with. */
export interface KeySet {
  /** Signs every new token. */
  readonly current: SigningKey;
  /** Every key that verifies: the current one and the previous ones kept through a rotation. */
  readonly keys: readonly SigningKey[];
  get(kid: string): SigningKey | undefined;
  /** The public keys as a JWKS (HS256 secrets are never published). */
  jwks(): Promise<{ keys: JWK[] }>;
  /**
   * For a set whose keys change (`openKeySet`, `keySetFromEnv`): calls `listener` after each change
   * and returns the unsubscribe. `createTollgate` then forgets what it cached about tokens.
   */
  subscribe?(listener: () => void): () => void;
}

const MIN_HS256_SECRET_BYTES = 32;

function asKeyObject(key: KeyObject | webcrypto.CryptoKey): KeyObject {
  // jose 6 generates and imports CryptoKeys; node:crypto verification wants KeyObjects.
  return key instanceof KeyObject ? key : KeyObject.from(key);
}

/**
 * Generates a new key: ES256 (P-256) unless `alg` says otherwise, the algorithm every common JWT
 * verifier supports (jsonwebtoken, and so express-jwt, passport-jwt, koa-jwt and @nestjs/jwt, has no
 * EdDSA). `kid` defaults to a random UUID.
 */
export async function generateSigningKey(
  options: { alg?: SigningAlgorithm; kid?: string } = {},
): Promise<SigningKey> {
  const alg = options.alg ?? 'ES256';
  const kid = options.kid ?? randomUUID();
  if (alg === 'HS256') {
    const secret = createSecretKey(randomBytes(MIN_HS256_SECRET_BYTES));
    return Object.freeze({ kid, alg, privateKey: secret, publicKey: secret });
  }
  const pair = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  return Object.freeze({
    kid,
    alg,
    privateKey: asKeyObject(pair.privateKey),
    publicKey: asKeyObject(pair.publicKey),
  });
}

/**
 * Imports a private JWK (OKP Ed25519, EC P-256) or a secret (`kty: "oct"`, at least 32 bytes).
 * `alg` and `kid` come from the JWK unless given.
 */
export async function importSigningKey(
  jwk: JWK,
  options: { alg?: SigningAlgorithm; kid?: string } = {},
): Promise<SigningKey> {
  const alg = options.alg ?? (jwk.alg as SigningAlgorithm | undefined) ?? inferAlg(jwk);
  const kid = options.kid ?? jwk.kid;
  if (!kid) throw new TypeError('a signing key needs a kid');
  if (alg !== 'EdDSA' && alg !== 'ES256' && alg !== 'HS256')
    throw new TypeError(`unsupported algorithm ${alg}`);
  if (alg === 'HS256') {
    if (jwk.kty !== 'oct' || typeof jwk.k !== 'string') throw new TypeError('HS256 needs an oct JWK');
    const bytes = Buffer.from(jwk.k, 'base64url');
    if (bytes.length < MIN_HS256_SECRET_BYTES) throw new TypeError('HS256 secrets must be at least 32 bytes');
    const secret = createSecretKey(bytes);
    return Object.freeze({ kid, alg, privateKey: secret, publicKey: secret });
  }
  if (typeof jwk.d !== 'string') throw new TypeError('a signing key needs its private part (d)');
  const privateKey = asKeyObject(
    (await importJWK({ ...jwk, alg }, alg, { extractable: true })) as webcrypto.CryptoKey,
  );
  const publicKey = createPublicKey(privateKey);
  return Object.freeze({ kid, alg, privateKey, publicKey });
}

/** The private JWK of a key, to store it in a secrets manager. */
export async function exportSigningKey(key: SigningKey): Promise<JWK> {
  const jwk = await exportJWK(key.privateKey);
  return { ...jwk, kid: key.kid, alg: key.alg };
}

function inferAlg(jwk: JWK): SigningAlgorithm {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'oct') return 'HS256';
  throw new TypeError('cannot tell the algorithm of this key; pass alg');
}

/** The public keys of `keys` as a JWKS; HS256 secrets are never published. */
export async function jwksOf(keys: readonly SigningKey[]): Promise<{ keys: JWK[] }> {
  const published: JWK[] = [];
  for (const key of keys) {
    if (key.alg === 'HS256') continue;
    published.push({ ...(await exportJWK(key.publicKey)), kid: key.kid, alg: key.alg, use: 'sig' });
  }
  return { keys: published };
}

/**
 * A key set: `current` signs, `previous` keys only verify. To rotate without logging anyone
 * out, create a new set with a new current key and the old one in `previous`; drop it from
 * `previous` once the longest-lived token it signed has expired.
 */
export function createKeySet(options: { current: SigningKey; previous?: readonly SigningKey[] }): KeySet {
  const keys = [options.current, ...(options.previous ?? [])];
  const byKid = new Map<string, SigningKey>();
  for (const key of keys) {
    if (byKid.has(key.kid)) throw new TypeError(`duplicate kid ${key.kid}`);
    byKid.set(key.kid, key);
  }
  return Object.freeze({
    current: options.current,
    keys: Object.freeze(keys),
    get: (kid: string) => byKid.get(kid),
    jwks: () => jwksOf(keys),
  });
}
