import * as nodeCrypto from 'node:crypto';
import {
  createScryptPasswordHasher,
  OWASP_SCRYPT,
  type PasswordHasher,
  type ScryptParameters,
} from './password-hashing.js';

/** Argon2id's work factor. */
export interface Argon2Parameters {
  /** Memory, in KiB. OWASP: 19456 (19 MiB). */
  readonly memoryKiB: number;
  /** Iterations. OWASP: 2. */
  readonly passes: number;
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet: Argon2id, m = 19 MiB, t = 2, p = 1. */
export const OWASP_ARGON2ID: Argon2Parameters = Object.freeze({
  memoryKiB: 19456,
  passes: 2,
  parallelism: 1,
});

type Argon2 = (
  algorithm: 'argon2id',
  parameters: {
    message: string;
    nonce: Buffer;
    parallelism: number;
    tagLength: number;
    memory: number;
    passes: number;
  },
  callback: (error: Error | null, key: Buffer) => void,
) => void;

// node:crypto has argon2 from Node 24.7; feature-detected, never assumed.
const argon2 = (nodeCrypto as unknown as { argon2?: Argon2 }).argon2;

/** Whether this runtime's node:crypto offers Argon2 (Node 24.7 and later). */
export const argon2Available = (): boolean => typeof argon2 === 'function';

const TAG_LENGTH = 32;
// The PHC string format other Argon2 libraries read and write (base64 without padding).
const ENCODED =
  /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{22,88})\$([A-Za-z0-9+/]{43})$/;

function derive(password: string, salt: Buffer, params: Argon2Parameters): Promise<Buffer> {
  const run = argon2 as Argon2;
  return new Promise((resolve, reject) => {
    run(
      'argon2id',
      {
        message: password.normalize('NFC'),
        nonce: salt,
        parallelism: params.parallelism,
        tagLength: TAG_LENGTH,
        memory: params.memoryKiB,
        passes: params.passes,
      },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

// PHC strings use unpadded standard base64.
const b64 = (buffer: Buffer) => buffer.toString('base64url').replaceAll('-', '+').replaceAll('_', '/');

/**
 * Password hashing with node:crypto Argon2id (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`). It verifies
 * existing scrypt hashes too (`$scrypt$…`, with their stored parameters), so a directory can move to it
 * without resetting passwords. Throws a TypeError on a runtime without Argon2.
 */
export function createArgon2idPasswordHasher(params: Argon2Parameters = OWASP_ARGON2ID): PasswordHasher {
  if (!argon2Available()) throw new TypeError('this runtime has no node:crypto argon2 (Node 24.7 or later)');
  const { memoryKiB, passes, parallelism } = params;
  if (
    memoryKiB < 8 * parallelism ||
    memoryKiB > 4_194_304 ||
    passes < 1 ||
    passes > 16 ||
    parallelism < 1 ||
    parallelism > 16
  ) {
    throw new RangeError('argon2id parameters out of range');
  }
  const scrypt = createScryptPasswordHasher(OWASP_SCRYPT);

  const hash = async (password: string): Promise<string> => {
    const salt = nodeCrypto.randomBytes(16);
    const key = await derive(password, salt, params);
    return `$argon2id$v=19$m=${memoryKiB},t=${passes},p=${parallelism}$${b64(salt)}$${b64(key)}`;
  };

  const verify = async (password: string, encoded: string): Promise<boolean> => {
    if (encoded.startsWith('$scrypt$')) return scrypt.verify(password, encoded);
    const match = ENCODED.exec(encoded);
    if (!match) return false;
    const stored = { memoryKiB: Number(match[1]), passes: Number(match[2]), parallelism: Number(match[3]) };
    if (
      stored.memoryKiB > 4_194_304 ||
      stored.memoryKiB < 8 * stored.parallelism ||
      stored.passes < 1 ||
      stored.parallelism < 1
    )
      return false;
    const expected = Buffer.from(match[5]!, 'base64');
    const actual = await derive(password, Buffer.from(match[4]!, 'base64'), stored);
    return nodeCrypto.timingSafeEqual(actual, expected);
  };

  const dummy = hash('tollgate-dummy-password');
  dummy.catch(() => {});
  return {
    hash,
    verify,
    async verifyDummy(password) {
      await verify(password, await dummy);
    },
  };
}

export interface PasswordHasherOptions {
  /**
   * `scrypt` (the default: every supported Node line has it), `argon2id` (Node 24.7+, else a
   * TypeError), or `auto`: Argon2id where the runtime has it, scrypt where not.
   */
  readonly algorithm?: 'scrypt' | 'argon2id' | 'auto';
  /** Default `OWASP_SCRYPT` (N = 2^17, r = 8, p = 1: 128 MiB a hash). */
  readonly scrypt?: ScryptParameters;
  /** Default `OWASP_ARGON2ID` (19 MiB, t = 2, p = 1). */
  readonly argon2id?: Argon2Parameters;
}

/** A password hasher by algorithm and work factor, with OWASP's parameters by default. */
export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const algorithm = options.algorithm ?? 'scrypt';
  if (algorithm === 'argon2id' || (algorithm === 'auto' && argon2Available()))
    return createArgon2idPasswordHasher(options.argon2id);
  return createScryptPasswordHasher(options.scrypt);
}
