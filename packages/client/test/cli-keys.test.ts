import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fileKeyStore,
  keySetFromEnv,
  type LiveKeySet,
  openKeySet,
  type SigningKeyStore,
} from '@tollgate/core';
import { openPostgresStore } from '@tollgate/store-postgres';
import { openSqliteStore } from '@tollgate/store-sqlite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, expectUsageError, removeTempDirs, tempDir } from './cli-harness.js';
import { POSTGRES_URL } from './sessions-server.js';

// `tollgate keys …` against what the app reads: its output through core's keySetFromEnv, its
// rotations through core's openKeySet on the same key file, SQLite file and PostgreSQL schema.

afterAll(() => removeTempDirs());

const NO_HASHING = {
  hash: () => Promise.reject(new Error('unused')),
  verify: async () => false,
  verifyDummy: async () => {},
};

/** The private members of a JWK: none may ever be printed by list or rotate. */
function privateParts(keys: LiveKeySet): Promise<string[]> {
  return Promise.all(
    keys.keys.map(async (key) => {
      const { exportSigningKey } = await import('@tollgate/core');
      const jwk = await exportSigningKey(key);
      return (jwk.d ?? jwk.k) as string;
    }),
  );
}

describe('tollgate keys generate', () => {
  it('prints a private JWK (ES256 by default) that keySetFromEnv reads', async () => {
    const { run } = cli();
    for (const [args, alg] of [
      [[], 'ES256'],
      [['--alg', 'EdDSA'], 'EdDSA'],
      [['--alg', 'HS256', '--kid', 'my-kid'], 'HS256'],
    ] as const) {
      const result = await run(['keys', 'generate', ...args]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
      const keys = await keySetFromEnv({ env: { TOLLGATE_SIGNING_KEY: result.stdout } });
      expect(keys.current.alg).toBe(alg);
      if (alg === 'HS256') expect(keys.current.kid).toBe('my-kid');
    }
  });

  it('prints a PKCS#8 PEM that keySetFromEnv reads', async () => {
    const { run } = cli();
    for (const alg of ['ES256', 'EdDSA']) {
      const result = await run(['keys', 'generate', '--format', 'pem', '--alg', alg]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
      expect((await keySetFromEnv({ env: { K: result.stdout }, variable: 'K' })).current.alg).toBe(alg);
    }
  });

  it('refuses what it cannot do, as usage errors', async () => {
    const { run } = cli();
    expectUsageError(await run(['keys', 'generate', '--alg', 'RS256']), /--alg wants ES256, EdDSA, HS256/);
    expectUsageError(await run(['keys', 'generate', '--alg', 'HS256', '--format', 'pem']), /no PEM form/);
    expectUsageError(await run(['keys', 'generate', '--format', 'der']), /--format wants jwk or pem/);
    expectUsageError(await run(['keys', 'generate', '--format', 'pem', '--kid', 'x']), /a PEM holds no kid/);
    expectUsageError(await run(['keys', 'nope']), 'unknown keys command: nope');
    expectUsageError(await run(['keys', 'rotate', '--file', 'f', '--sqlite', 'g']), /--file or a database/);
    expectUsageError(
      await run(['keys', 'list', '--file', join(tempDir(), 'missing.json')]),
      /no such key file/,
    );
  });

  it('has help for every command', async () => {
    const { run } = cli();
    for (const args of [
      ['keys', '--help'],
      ...['generate', 'rotate', 'list'].map((sub) => ['keys', sub, '--help']),
    ]) {
      const result = await run(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(`^Usage: tollgate keys ${args[1] === '--help' ? '' : args[1]}`),
      );
    }
    const usage = await run(['help']);
    expect(usage.stdout).toMatch(/keys generate\|rotate\|list/);
  });
});

interface Target {
  readonly args: readonly string[];
  readonly store: SigningKeyStore;
  readonly close: () => Promise<void>;
}

async function fileTarget(): Promise<Target> {
  const file = join(tempDir(), 'keys', 'signing-keys.json');
  return { args: ['--file', file], store: fileKeyStore(file), close: async () => {} };
}

async function sqliteTarget(): Promise<Target> {
  const file = join(tempDir(), 'tollgate.db');
  const store = openSqliteStore({ filename: file, passwordHasher: NO_HASHING });
  return { args: ['--sqlite', file], store: store.signingKeys, close: () => store.close() };
}

async function postgresTarget(): Promise<Target> {
  const schema = `tollgate_keys_${randomBytes(5).toString('hex')}`;
  const store = await openPostgresStore({
    connectionString: POSTGRES_URL,
    schema,
    poolSize: 2,
    passwordHasher: NO_HASHING,
  });
  return {
    args: ['--postgres', POSTGRES_URL, '--schema', schema],
    store: store.signingKeys,
    close: async () => {
      await store.close();
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client
        .query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`)
        .finally(() => client.end());
    },
  };
}

describe.each([
  ['a key file', fileTarget],
  ['a SQLite file', sqliteTarget],
  ['PostgreSQL', postgresTarget],
] as const)('tollgate keys rotate and list on %s', (_name, open) => {
  it('rotates the keys the app reads: the new one published first, the old one retiring; list shows no secret', async () => {
    const target = await open();
    try {
      const { run } = cli();
      const app = await openKeySet({ store: target.store, reloadIntervalMs: 0 });
      const oldKid = app.current.kid;

      const listed = await run(['keys', 'list', ...target.args]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(
        new RegExp(
          `^KID +ALG +STATUS +CREATED +SIGNS FROM +VERIFIES UNTIL\\n${oldKid} +ES256 +current +\\S+ +\\S+ +no end\\n$`,
        ),
      );

      const rotated = await run([
        'keys',
        'rotate',
        ...target.args,
        '--alg',
        'EdDSA',
        '--publish-for',
        '600',
        '--overlap',
        '7200',
      ]);
      expect(rotated.code, rotated.stderr).toBe(0);
      const newKid = /Added EdDSA key (\S+) to /.exec(rotated.stdout)?.[1];
      expect(newKid).toBeDefined();
      expect(rotated.stdout).toMatch(/signs from \d{4}-\d\d-\d\dT/);

      await app.reload();
      expect(app.current.kid).toBe(oldKid);
      expect((await app.jwks()).keys.map((key) => key.kid)).toEqual([oldKid, newKid]);

      const json = await run(['keys', 'list', ...target.args, '--json']);
      const rows = JSON.parse(json.stdout) as {
        kid: string;
        alg: string;
        status: string;
        expires_at: string | null;
      }[];
      expect(rows.map((row) => [row.kid, row.alg, row.status])).toEqual([
        [oldKid, 'ES256', 'current'],
        [newKid, 'EdDSA', 'next'],
      ]);
      const signsFrom = Date.parse((rows[1] as unknown as { signs_from: string }).signs_from);
      expect(Date.parse(rows[0]!.expires_at!)).toBeGreaterThanOrEqual(signsFrom + 7_200_000);
      for (const secret of await privateParts(app)) {
        expect(listed.stdout + json.stdout + rotated.stdout + rotated.stderr).not.toContain(secret);
      }
      if (target.args[0] === '--file') expect(statSync(target.args[1]!).mode & 0o777).toBe(0o600);
      if (target.args[0] === '--file')
        expect(JSON.parse(readFileSync(target.args[1]!, 'utf8')).keys).toHaveLength(2);
      app.close();
    } finally {
      await target.close();
    }
  });
});

describe('tollgate keys on edge cases', () => {
  it('into an empty SQLite store the first key signs at once, and the app uses it', async () => {
    const target = await sqliteTarget();
    try {
      const { run } = cli();
      const rotated = await run(['keys', 'rotate', ...target.args]);
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(rotated.stdout).toContain('It signs at once: there was no key.');
      const kid = /Added ES256 key (\S+) to /.exec(rotated.stdout)?.[1];
      const app = await openKeySet({ store: target.store, reloadIntervalMs: 0 });
      expect(app.current.kid).toBe(kid);
      app.close();
    } finally {
      await target.close();
    }
  });

  it('refuses a corrupt key file without quoting it', async () => {
    const dir = join(tempDir(), 'corrupt');
    mkdirSync(dir);
    const file = join(dir, 'keys.json');
    writeFileSync(file, '{"keys": [{"kty": "EC", "d": "SECRET-PART-1234"', { mode: 0o600 });
    const { run } = cli();
    for (const command of ['list', 'rotate']) {
      const result = await run(['keys', command, '--file', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${file} is not JSON`);
      expect(result.stdout + result.stderr).not.toContain('SECRET-PART');
    }
  });
});
