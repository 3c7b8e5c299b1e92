import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';

export interface ScryptParameters {
  /** log2 of the CPU/memory cost N. OWASP: 17 (N = 2^17). */
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP Password Storage Cheat Sheet: scrypt N=2^17, r=8, p=1. */
export const OWASP_SCRYPT: ScryptParameters = { logN: 17, r: 8, p: 1 };

export interface PasswordHasher {
  /** `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` (base64url, no padding). */
  hash(password: string): Promise<string>;
  /** Constant-time comparison; false (never a throw) for a malformed stored hash. */
  verify(password: string, encoded: string): Promise<boolean>;
  /** The same work as `verify`, against a dummy hash: call it when the user does not exist. */
  verifyDummy(password: string): Promise<void>;
}

const KEY_LENGTH = 32;
const ENCODED =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{43})$/;

function derive(password: string, salt: Buffer, params: ScryptParameters): Promise<Buffer> {
  const N = 2 ** params.logN;
  return new Promise((resolve, reject) => {
    scryptCallback(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/**
 * Password hashing with node:crypto scrypt. Parameters are stored in each hash, so a
 * directory can raise them later and still verify old hashes.
 */
export function createScryptPasswordHasher(params: ScryptParameters = OWASP_SCRYPT): PasswordHasher {
  if (
    params.logN < 10 ||
    params.logN > 22 ||
    params.r < 1 ||
    params.r > 32 ||
    params.p < 1 ||
    params.p > 16
  ) {
    throw new RangeError('scrypt parameters out of range');
  }
  let dummy: Promise<string>;

  const hash = async (password: string): Promise<string> => {
    const salt = randomBytes(16);
    const key = await derive(password, salt, params);
    return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  };

  const verify = async (password: string, encoded: string): Promise<boolean> => {
    const match = ENCODED.exec(encoded);
    if (!match) return false;
    const stored: ScryptParameters = { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
    if (stored.logN > 22 || stored.r > 32 || stored.p > 16) return false;
    const expected = Buffer.from(match[5]!, 'base64url');
    const actual = await derive(password, Buffer.from(match[4]!, 'base64url'), stored);
    return timingSafeEqual(actual, expected);
  };

  // Made at once, not on the first unknown user: that login would otherwise cost two hashes.
  dummy = hash('tollgate-dummy-password');
  dummy.catch(() => {});
  return {
    hash,
    verify,
    async verifyDummy(password) {
      await verify(password, await dummy);
    },
  };
}
