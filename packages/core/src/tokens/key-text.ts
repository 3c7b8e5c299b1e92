import { calculateJwkThumbprint, exportJWK, importPKCS8, type JWK } from 'jose';
import { exportSigningKey, importSigningKey, type SigningAlgorithm, type SigningKey } from './keys.js';
import { ALGORITHMS, SigningKeyConfigError, type StoredSigningKey } from './signing-key-store.js';

// Signing keys as text: a JWK, a PKCS#8 PEM or {"keys": [...]}, read and written.

// Seconds in JSON: a key may sign up to a second early (never after its time, nor
// stop verifying before it), a difference no rotation notices.
const floorSeconds = (ms: number) => Math.floor(ms / 1000);
const ceilSeconds = (ms: number) => Math.ceil(ms / 1000);

/**
 * The JSON form of stored keys (a file, an environment variable): `{ "keys": [jwk, …] }`, each a
 * private JWK with `kid` and `alg`, and, for its schedule, `iat` (created), `nbf` (signs from) and
 * `exp` (verifies until), NumericDates (seconds).
 */
export function formatStoredKeys(keys: readonly StoredSigningKey[]): string {
  const entries = keys.map((key) => ({
    ...key.jwk,
    kid: key.kid,
    alg: key.alg,
    iat: floorSeconds(key.createdAt),
    nbf: floorSeconds(key.activatesAt),
    ...(key.expiresAt === null ? {} : { exp: ceilSeconds(key.expiresAt) }),
  }));
  return `${JSON.stringify({ keys: entries }, null, 2)}\n`;
}

export function bad(source: string, reason: string): SigningKeyConfigError {
  return new SigningKeyConfigError(`${source}: ${reason}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function optionalSeconds(entry: Record<string, unknown>, name: string, source: string): number | undefined {
  const value = entry[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw bad(source, `"${name}" of a key is not a NumericDate`);
  }
  return value * 1000;
}

async function storedFromJwk(entry: Record<string, unknown>, source: string): Promise<StoredSigningKey> {
  const { iat: _iat, nbf: _nbf, exp: _exp, ...jwk } = entry as JWK & Record<string, unknown>;
  if (typeof jwk.kty !== 'string') throw bad(source, 'a key has no "kty": not a JWK');
  if (jwk.alg !== undefined && !ALGORITHMS.includes(jwk.alg as SigningAlgorithm)) {
    throw bad(source, `unsupported "alg" (use ${ALGORITHMS.join(', ')})`);
  }
  // Without a kid every instance must still name the key the same: its RFC 7638 thumbprint.
  const kid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : await thumbprint(jwk, source);
  let key: SigningKey;
  try {
    key = await importSigningKey(jwk, { kid });
  } catch (error) {
    // importSigningKey's own messages name no key material; anything else (node:crypto) is replaced.
    const reason = error instanceof TypeError ? error.message : 'the key cannot be imported';
    throw bad(source, `${reason} (a private JWK: OKP Ed25519, EC P-256 or oct of 32+ bytes)`);
  }
  return {
    kid,
    alg: key.alg,
    jwk: await exportSigningKey(key),
    createdAt: optionalSeconds(entry, 'iat', source) ?? 0,
    activatesAt: optionalSeconds(entry, 'nbf', source) ?? 0,
    expiresAt: optionalSeconds(entry, 'exp', source) ?? null,
  };
}

async function thumbprint(jwk: JWK, source: string): Promise<string> {
  try {
    return await calculateJwkThumbprint(jwk);
  } catch {
    throw bad(source, 'the key lacks the members of its type: not a valid JWK');
  }
}

async function storedFromPem(text: string, source: string): Promise<StoredSigningKey> {
  let imported: Awaited<ReturnType<typeof importPKCS8>> | undefined;
  let alg: SigningAlgorithm | undefined;
  for (const candidate of ['ES256', 'EdDSA'] as const) {
    try {
      imported = await importPKCS8(text, candidate, { extractable: true });
      alg = candidate;
      break;
    } catch {
      // not this algorithm's key type: try the next
    }
  }
  if (imported === undefined || alg === undefined) {
    throw bad(source, 'not a PKCS#8 private key of EC P-256 or Ed25519 ("-----BEGIN PRIVATE KEY-----")');
  }
  const jwk = await exportJWK(imported);
  return storedFromJwk({ ...jwk, alg }, source);
}

/**
 * Reads keys from text: a private JWK, a PKCS#8 PEM, or `{ "keys": [jwk, …] }` (the format of
 * `formatStoredKeys`, where `nbf`/`exp` schedule a rotation). `source` names the text in errors;
 * no error ever quotes the text.
 */
export async function parseSigningKeys(text: string, source: string): Promise<StoredSigningKey[]> {
  const trimmed = text.trim();
  if (trimmed === '') throw bad(source, 'empty');
  // Secrets managers and .env files often hold a PEM on one line, its newlines written `\n`.
  if (trimmed.startsWith('-----BEGIN')) return [await storedFromPem(trimmed.replaceAll('\\n', '\n'), source)];
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    // JSON.parse's message quotes the text: never pass it on.
    throw bad(source, 'neither JSON (a JWK or {"keys": [...]}) nor a PEM private key');
  }
  if (!isObject(value)) throw bad(source, 'not a JSON object');
  if (!('keys' in value)) return [await storedFromJwk(value, source)];
  const list = value.keys;
  if (!Array.isArray(list) || list.length === 0) throw bad(source, '"keys" is not a non-empty array');
  const keys: StoredSigningKey[] = [];
  const kids = new Set<string>();
  for (const entry of list) {
    if (!isObject(entry)) throw bad(source, 'an entry of "keys" is not an object');
    const key = await storedFromJwk(entry, source);
    if (kids.has(key.kid)) throw bad(source, `two keys have the kid ${key.kid}`);
    kids.add(key.kid);
    keys.push(key);
  }
  return keys;
}
