/** Choosing the password hash and its work factor; Argon2id where the runtime has it. */
import { describe, expect, it } from 'vitest';
import {
  argon2Available,
  createArgon2idPasswordHasher,
  createPasswordHasher,
  createScryptPasswordHasher,
} from './helpers/internals.js';

const cheapArgon2 = { memoryKiB: 1024, passes: 1, parallelism: 1 };

describe('password hashers', () => {
  it('createPasswordHasher: scrypt by default, with the work factor asked for, stored in each hash', async () => {
    const hasher = createPasswordHasher({ scrypt: { logN: 10, r: 8, p: 1 } });
    const encoded = await hasher.hash('S3cret!');
    expect(encoded).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    expect(await hasher.verify('S3cret!', encoded)).toBe(true);
    expect(await hasher.verify('wrong', encoded)).toBe(false);
  });

  it.skipIf(argon2Available())(
    'without node:crypto argon2: auto is scrypt, argon2id a clear TypeError',
    async () => {
      const auto = createPasswordHasher({ algorithm: 'auto', scrypt: { logN: 10, r: 8, p: 1 } });
      expect(await auto.hash('x')).toMatch(/^\$scrypt\$/);
      expect(() => createPasswordHasher({ algorithm: 'argon2id' })).toThrow(/argon2/);
      expect(() => createArgon2idPasswordHasher()).toThrow(TypeError);
    },
  );

  it.skipIf(!argon2Available())(
    'Argon2id: PHC strings, verified; old scrypt hashes still verify; auto picks it',
    async () => {
      const hasher = createArgon2idPasswordHasher(cheapArgon2);
      const encoded = await hasher.hash('S3cret!');
      expect(encoded).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
      expect(await hasher.verify('S3cret!', encoded)).toBe(true);
      expect(await hasher.verify('wrong', encoded)).toBe(false);
      expect(await hasher.verify('S3cret!', `${encoded.slice(0, -2)}AA`)).toBe(false);
      expect(await hasher.verify('S3cret!', '$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA')).toBe(false);
      const old = await createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }).hash('S3cret!');
      expect(await hasher.verify('S3cret!', old)).toBe(true);
      expect(await createPasswordHasher({ algorithm: 'auto', argon2id: cheapArgon2 }).hash('x')).toMatch(
        /^\$argon2id\$/,
      );
    },
  );
});
