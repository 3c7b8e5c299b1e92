import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createFastPasswordHasher,
  DAY,
  demoSeed,
  expectedUser,
  HOUR,
  hashToken,
  MINUTE,
  newId,
  newTokenValue,
  newUatRecord,
  newUuidv7,
  T0,
} from '@tollgate/store-tests';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/database.js';
import { openConnection, type SqliteDriverName } from '../src/driver.js';
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  demoData,
  MIGRATIONS,
  openSqliteStore,
  seedDemoData,
} from '../src/index.js';
import { migrate } from '../src/migrations.js';
import { DRIVERS, tempDir } from './helpers.js';

const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A live UAT of user-1, as the store keeps it. */
const uatRecord = () => newUatRecord({ prefix: 'tgu_x', expiresAt: T0 + DAY });

function newFile(): string {
  const { dir, remove } = tempDir();
  cleanups.push(remove);
  return path.join(dir, 'tollgate.db');
}

describe.each(DRIVERS)('driver %s', (driver: SqliteDriverName) => {
  function open(filename: string, busyTimeoutMs?: number) {
    const store = openSqliteStore({
      filename,
      driver,
      passwordHasher: createFastPasswordHasher(),
      ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }),
    });
    cleanups.push(() => store.close());
    return store;
  }

  /** A connection of the driver under test, outside the store. */
  function raw(filename: string, options: { readonly?: boolean } = {}) {
    const db = openConnection(filename, { driver, ...options });
    cleanups.push(() => {
      db.close();
    });
    return db;
  }

  async function login(store: ReturnType<typeof open>, hash: string) {
    const family = { id: newId(), userId: 'user-1', createdAt: T0, absoluteExpiresAt: T0 + 30 * DAY };
    await store.tokens.createRefreshFamily({ family, token: { hash, issuedAt: T0, expiresAt: T0 + DAY } });
    return family;
  }

  describe('openSqliteStore: schema and migrations', () => {
    it('applies every migration once, recorded in schema_migrations', () => {
      const filename = newFile();
      open(filename);
      const rows = raw(filename, { readonly: true })
        .prepare<[], { version: number; name: string; applied_at: number }>(
          'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
        )
        .all();
      expect(rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4]);
      for (const row of rows) expect(row.applied_at).toBeGreaterThan(T0);
    });

    it('re-opening migrates nothing twice and keeps the data', async () => {
      const filename = newFile();
      const first = open(filename);
      const hash = hashToken(newTokenValue());
      const family = await login(first, hash);
      await first.close();
      const before = raw(filename, { readonly: true }).prepare('SELECT * FROM schema_migrations').all();

      const second = open(filename);
      const third = open(filename);
      const after = raw(filename, { readonly: true }).prepare('SELECT * FROM schema_migrations').all();
      expect(after).toEqual(before);
      const rotated = await second.tokens.rotateRefreshToken({
        presentedHash: hash,
        next: { hash: hashToken(newTokenValue()), issuedAt: T0 + MINUTE, expiresAt: T0 + DAY },
        now: T0 + MINUTE,
        revocationExpiresAt: T0 + 30 * DAY,
      });
      expect(rotated.outcome === 'rotated' && rotated.family.id).toBe(family.id);
      // The other connection sees the committed rotation at once.
      const again = await third.tokens.rotateRefreshToken({
        presentedHash: hash,
        next: { hash: hashToken(newTokenValue()), issuedAt: T0 + HOUR, expiresAt: T0 + DAY },
        now: T0 + HOUR,
        revocationExpiresAt: T0 + 30 * DAY,
      });
      expect(again.outcome).toBe('reused');
    });

    it('refuses a database migrated by a newer release', () => {
      const filename = newFile();
      open(filename);
      raw(filename).prepare("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)").run();
      expect(() => open(filename)).toThrow(/version 999/);
    });

    it('refuses a file that is not a SQLite database', () => {
      const filename = newFile();
      fs.writeFileSync(filename, 'not a database, just text that is long enough to have a header'.repeat(20));
      expect(() => open(filename)).toThrow();
    });

    it('indexes the lookups by token hash and by user id', () => {
      const filename = newFile();
      open(filename);
      const db = raw(filename, { readonly: true });
      const plan = (sql: string): string =>
        db
          .prepare<[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
          .all()
          .map((row) => row.detail)
          .join('; ');
      expect(plan("SELECT * FROM uats WHERE hash = 'x'")).toMatch(/USING INDEX/);
      expect(plan("SELECT * FROM uats WHERE user_id = 'x' ORDER BY created_at DESC")).toMatch(
        /USING INDEX uats_user_id/,
      );
      expect(plan("SELECT * FROM refresh_tokens WHERE hash = 'x'")).toMatch(/USING INDEX/);
      expect(plan("SELECT * FROM refresh_families WHERE user_id = 'x'")).toMatch(
        /USING INDEX refresh_families_user_id/,
      );
      expect(plan("SELECT * FROM users WHERE id = 'x'")).toMatch(/USING INDEX/);
      expect(plan("SELECT * FROM users WHERE username_key = 'x'")).toMatch(/USING INDEX/);
      expect(plan("SELECT * FROM sessions WHERE id = 'x'")).toMatch(/USING INDEX/);
      expect(
        plan("SELECT * FROM sessions WHERE user_id = 'x' AND revoked_at IS NULL ORDER BY created_at DESC"),
      ).toMatch(/USING INDEX sessions_user_id/);
      expect(plan('SELECT id FROM sessions WHERE expires_at < 5')).toMatch(
        /USING (COVERING )?INDEX sessions_expires_at/,
      );
      expect(plan('SELECT seq FROM revocations WHERE expires_at < 5')).toMatch(
        /USING (COVERING )?INDEX revocations_expires_at/,
      );
      expect(plan("SELECT * FROM audit_events WHERE user_id = 'x' ORDER BY at DESC")).toMatch(
        /USING INDEX audit_events_user_id/,
      );
      expect(plan("SELECT * FROM audit_events WHERE actor_id = 'x' ORDER BY at DESC")).toMatch(
        /USING INDEX audit_events_actor_id/,
      );
      expect(plan("SELECT * FROM audit_events WHERE type = 'x' ORDER BY at DESC")).toMatch(
        /USING INDEX audit_events_type/,
      );
      expect(plan('SELECT * FROM audit_events WHERE at < 5 ORDER BY at')).toMatch(
        /USING (COVERING )?INDEX audit_events_at/,
      );
      // A new session's look-up of its user's revocations (createSession).
      expect(
        plan("SELECT max(revoked_at) FROM revocations WHERE kind = 'user' AND id = 'x' AND revoked_at >= 5"),
      ).toMatch(/USING (COVERING )?INDEX revocations_user/);
    });

    it('migration 2 rebuilds revocations for the new kinds, keeping every row, its seq and the high-water mark', async () => {
      const filename = newFile();
      const v1 = openConnection(filename, { driver });
      try {
        migrate(v1, MIGRATIONS.slice(0, 1));
        const insert = v1.prepare<[string, string]>(
          'INSERT INTO revocations (kind, id, revoked_at, expires_at) VALUES (?, ?, 1, 2)',
        );
        for (const [kind, id] of [
          ['family', 'f-1'],
          ['uat', 'u-1'],
          ['family', 'f-2'],
          ['family', 'f-3'],
        ] as const) {
          insert.run(kind, id);
        }
        // The newest revocation purged: its seq (4) must still never come back.
        v1.prepare('DELETE FROM revocations WHERE seq = 4').run();
        expect(() => insert.run('session', 's-1')).toThrow(/CHECK/);
      } finally {
        v1.close();
      }

      const store = open(filename);
      const { records, lastSeq } = await store.tokens.listRevocations({ afterSeq: 0, now: 0 });
      expect(records).toEqual([
        { seq: 1, kind: 'family', id: 'f-1', revokedAt: 1, expiresAt: 2 },
        { seq: 2, kind: 'uat', id: 'u-1', revokedAt: 1, expiresAt: 2 },
        { seq: 3, kind: 'family', id: 'f-2', revokedAt: 1, expiresAt: 2 },
      ]);
      expect(lastSeq).toBe(4);
      await store.tokens.revokeUser({ userId: 'user-1', now: T0, revocationExpiresAt: T0 + DAY });
      expect(await store.tokens.listRevocations({ afterSeq: 3, now: 0 })).toEqual({
        records: [{ seq: 5, kind: 'user', id: 'user-1', revokedAt: T0, expiresAt: T0 + DAY }],
        lastSeq: 5,
      });
      const db = raw(filename, { readonly: true });
      expect(
        db
          .prepare<[], { name: string }>(
            "SELECT name FROM sqlite_master WHERE name LIKE 'revocations%' ORDER BY name",
          )
          .all(),
      ).toEqual([
        { name: 'revocations' },
        { name: 'revocations_expires_at' },
        // Migration 4's.
        { name: 'revocations_user' },
      ]);
      expect(
        db.prepare("SELECT name, seq FROM sqlite_sequence WHERE name LIKE 'revocations%'").all(),
      ).toEqual([{ name: 'revocations', seq: 5 }]);
    });

    it('migration 4 gives sessions a custom_data column: sessions from before it have none', async () => {
      const filename = newFile();
      const v3 = openConnection(filename, { driver });
      const id = newUuidv7(T0);
      try {
        migrate(v3, MIGRATIONS.slice(0, 3));
        v3.prepare<[string, number, number, number]>(
          `INSERT INTO sessions (id, user_id, kind, actor_user_id, actor_username, created_at, last_used_at,
             expires_at) VALUES (?, 'user-1', 'delegated', 'a-1', 'root', ?, ?, ?)`,
        ).run(id, T0, T0, T0 + DAY);
      } finally {
        v3.close();
      }
      const store = open(filename);
      expect(await store.tokens.findSession(id)).toMatchObject({ kind: 'delegated', customData: null });
      const [ended] = await store.tokens.revokeSessions({
        userId: 'user-1',
        ids: [id],
        now: T0 + 1,
        revocationExpiresAt: T0 + DAY,
      });
      expect(ended).toMatchObject({ id, customData: null, revokedAt: T0 + 1 });
    });

    it('migration 2 keeps the high-water mark of a revocation log that was purged empty', async () => {
      const filename = newFile();
      const v1 = openConnection(filename, { driver });
      try {
        migrate(v1, MIGRATIONS.slice(0, 1));
        v1.prepare(
          "INSERT INTO revocations (kind, id, revoked_at, expires_at) VALUES ('uat', 'u-1', 1, 2)",
        ).run();
        v1.prepare('DELETE FROM revocations').run();
      } finally {
        v1.close();
      }
      const store = open(filename);
      expect(await store.tokens.listRevocations({ afterSeq: 0, now: 0 })).toEqual({
        records: [],
        lastSeq: 1,
      });
      await store.tokens.revokeUser({ userId: 'user-1', now: T0, revocationExpiresAt: T0 + DAY });
      expect((await store.tokens.listRevocations({ afterSeq: 0, now: 0 })).records.map((r) => r.seq)).toEqual(
        [2],
      );
    });
  });

  describe('openSqliteStore: connection settings', () => {
    it('opens a file in WAL mode with synchronous FULL, foreign keys and the busy timeout', () => {
      const filename = newFile();
      const db = openDatabase(filename, 1234, driver);
      cleanups.push(() => {
        db.close();
      });
      expect(db.pragma('journal_mode')).toBe('wal');
      expect(db.pragma('synchronous')).toBe(2); // FULL
      expect(db.pragma('foreign_keys')).toBe(1);
      expect(db.pragma('busy_timeout')).toBe(1234);
      // WAL is a property of the file: any other connection sees it.
      open(filename);
      expect(raw(filename, { readonly: true }).pragma('journal_mode')).toBe('wal');
      expect(DEFAULT_BUSY_TIMEOUT_MS).toBe(5000);
    });

    it('accepts :memory:, each one a separate database', async () => {
      const a = open(':memory:');
      const b = open(':memory:');
      const hash = hashToken(newTokenValue());
      await login(a, hash);
      expect(
        await b.tokens.revokeRefreshFamilyByToken({ hash, now: T0, revocationExpiresAt: T0 + DAY }),
      ).toBeNull();
      expect(
        await a.tokens.revokeRefreshFamilyByToken({ hash, now: T0, revocationExpiresAt: T0 + DAY }),
      ).not.toBeNull();
    });

    it('refuses a negative busy timeout', () => {
      expect(() => open(newFile(), -1)).toThrow(RangeError);
    });
  });

  describe('openSqliteStore: failures reject, never answer', () => {
    it('rejects every call after close', async () => {
      const store = open(newFile());
      await store.seed(demoSeed);
      await store.close();
      await store.close(); // closing twice is harmless
      const hash = hashToken(newTokenValue());
      await expect(
        store.tokens.rotateRefreshToken({
          presentedHash: hash,
          next: { hash, issuedAt: T0, expiresAt: T0 + DAY },
          now: T0,
          revocationExpiresAt: T0 + DAY,
        }),
      ).rejects.toThrow(/not open/);
      await expect(store.tokens.findUatByHash(hash)).rejects.toThrow();
      await expect(store.tokens.listRevocations({ afterSeq: 0, now: T0 })).rejects.toThrow();
      await expect(store.tokens.purgeExpired({ now: T0, limit: 10 })).rejects.toThrow();
      await expect(store.users.findUserByUsername('ethan.buckley@datastoreltd.biz')).rejects.toThrow();
      await expect(
        store.users.verifyPassword('ethan.buckley@datastoreltd.biz', 'S0qUx56pW!'),
      ).rejects.toThrow();
      await expect(store.users.listEnvironments()).rejects.toThrow();
      await expect(store.seed(demoSeed)).rejects.toThrow();
      await expect(store.tokens.listSessionsByUser({ userId: 'user-1', now: T0 })).rejects.toThrow();
      await expect(
        store.tokens.revokeUser({ userId: 'user-1', now: T0, revocationExpiresAt: T0 + DAY }),
      ).rejects.toThrow();
      await expect(
        store.users.lifecycle?.setDisabled({ userId: demoSeed.users[0]!.id, disabled: true }),
      ).rejects.toThrow();
      await expect(store.audit.query({})).rejects.toThrow();
      await expect(store.audit.purgeExpired({ now: T0, limit: 10 })).rejects.toThrow();
    });

    it('refuses an audit retention that is not a positive number of days', () => {
      for (const auditRetentionDays of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => openSqliteStore({ filename: ':memory:', driver, auditRetentionDays })).toThrow(
          RangeError,
        );
      }
    });

    it('rejects with SQLITE_BUSY when another connection holds the write lock past the timeout', async () => {
      const filename = newFile();
      const store = open(filename, 50);
      const hash = hashToken(newTokenValue());
      await login(store, hash);
      const uat = uatRecord();
      await store.tokens.insertUat(uat);

      const other = raw(filename);
      other.exec('BEGIN IMMEDIATE');
      const rotation = {
        presentedHash: hash,
        next: { hash: hashToken(newTokenValue()), issuedAt: T0 + MINUTE, expiresAt: T0 + DAY },
        now: T0 + MINUTE,
        revocationExpiresAt: T0 + DAY,
      };
      const busy = { code: 'SQLITE_BUSY' };
      await expect(store.tokens.rotateRefreshToken(rotation)).rejects.toMatchObject(busy);
      await expect(
        store.tokens.revokeRefreshFamilyByToken({ hash, now: T0, revocationExpiresAt: T0 + DAY }),
      ).rejects.toMatchObject(busy);
      await expect(
        store.tokens.revokeUat({ id: uat.id, userId: 'user-1', now: T0, revocationExpiresAt: T0 + DAY }),
      ).rejects.toMatchObject(busy);
      await expect(store.tokens.insertUat({ ...uat, id: newId(), hash: 'h' })).rejects.toMatchObject(busy);
      await expect(store.tokens.purgeExpired({ now: T0 + 2 * DAY, limit: 10 })).rejects.toMatchObject(busy);
      // WAL: reads go on while another connection writes.
      expect(await store.tokens.findUatByHash(uat.hash)).toEqual(uat);
      other.exec('COMMIT');

      // Nothing was half-done: once the lock is free the same rotation wins.
      expect((await store.tokens.rotateRefreshToken(rotation)).outcome).toBe('rotated');
      expect(await store.tokens.listRevocations({ afterSeq: 0, now: T0 })).toEqual({
        records: [],
        lastSeq: 0,
      });
    });

    it('waits for a lock released within the busy timeout instead of failing', async () => {
      const filename = newFile();
      const store = open(filename, 5000);
      const hash = hashToken(newTokenValue());
      await login(store, hash);
      // A second process holding the lock for 200 ms, then committing.
      const script = `
        const db = ${JSON.stringify(driver)} === 'node:sqlite'
          ? new (process.getBuiltinModule('node:sqlite').DatabaseSync)(${JSON.stringify(filename)})
          : new (require('better-sqlite3'))(${JSON.stringify(filename)});
        db.exec('BEGIN IMMEDIATE');
        process.stdout.write('locked\\n');
        setTimeout(() => { db.exec('COMMIT'); db.close(); }, 200);
      `;
      const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', '-e', script], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      const started = Date.now();
      const result = await store.tokens.rotateRefreshToken({
        presentedHash: hash,
        next: { hash: hashToken(newTokenValue()), issuedAt: T0 + MINUTE, expiresAt: T0 + DAY },
        now: T0 + MINUTE,
        revocationExpiresAt: T0 + DAY,
      });
      expect(result.outcome).toBe('rotated');
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      await new Promise((resolve) => child.once('exit', resolve));
    }, 30_000); // a child Node process starts: slow on a busy machine
    it('rejects, rather than answering "not found", when the pages it reads are corrupt', async () => {
      const filename = newFile();
      const store = open(filename);
      const uat = uatRecord();
      await store.tokens.insertUat(uat);
      await store.close();
      const db = openConnection(filename, { driver, readonly: true });
      const pageSize = Number(db.pragma('page_size'));
      const pages = db
        .prepare<[], { rootpage: number }>("SELECT rootpage FROM sqlite_master WHERE tbl_name = 'uats'")
        .all()
        .map((row) => row.rootpage);
      db.close();
      expect(pages.length).toBeGreaterThanOrEqual(2); // the table and its hash index
      const fd = fs.openSync(filename, 'r+');
      for (const page of pages)
        fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
      fs.closeSync(fd);

      const reopened = open(filename);
      await expect(reopened.tokens.findUatByHash(uat.hash)).rejects.toMatchObject({ code: 'SQLITE_CORRUPT' });
      await expect(reopened.tokens.findUatByHash(hashToken(newTokenValue()))).rejects.toThrow();
      await expect(reopened.tokens.listUatsByUser('user-1')).rejects.toThrow();
    });
  });

  describe('openSqliteStore: what reaches the disk', () => {
    it('stores hashes only: no token value appears in the database or WAL files', async () => {
      const filename = newFile();
      const store = open(filename);
      const values: string[] = [];
      const hashes: string[] = [];
      const issue = (prefix: string): string => {
        const value = newTokenValue(prefix);
        values.push(value);
        hashes.push(hashToken(value));
        return hashToken(value);
      };

      for (let i = 0; i < 5; i++) {
        let current = issue('tgr_');
        await store.tokens.createRefreshFamily({
          family: { id: newId(), userId: 'user-1', createdAt: T0, absoluteExpiresAt: T0 + 30 * DAY },
          token: { hash: current, issuedAt: T0, expiresAt: T0 + DAY },
        });
        for (let generation = 1; generation <= 3; generation++) {
          const next = issue('tgr_');
          const now = T0 + generation * MINUTE;
          await store.tokens.rotateRefreshToken({
            presentedHash: current,
            next: { hash: next, issuedAt: now, expiresAt: now + DAY },
            now,
            revocationExpiresAt: T0 + 30 * DAY,
          });
          current = next;
        }
      }
      for (let i = 0; i < 5; i++) {
        const hash = issue('tgu_');
        const value = values.at(-1)!;
        await store.tokens.insertUat({
          id: newId(),
          userId: 'user-1',
          name: `token ${i}`,
          hash,
          prefix: value.slice(0, 8),
          permissions: ['brand_create'],
          createdAt: T0,
          expiresAt: T0 + DAY,
          revokedAt: null,
          lastUsedAt: null,
        });
      }

      const contents = (): string =>
        ['', '-wal']
          .map((suffix) => `${filename}${suffix}`)
          .filter((file) => fs.existsSync(file))
          .map((file) => fs.readFileSync(file).toString('latin1'))
          .join('\n');

      const check = (text: string): void => {
        for (const value of values)
          expect(text.includes(value), 'a token value reached the disk').toBe(false);
        // The search works: the hashes themselves are there.
        for (const hash of hashes) expect(text.includes(hash), 'a hash is missing from the files').toBe(true);
      };
      expect(fs.existsSync(`${filename}-wal`)).toBe(true);
      check(contents());
      await store.close(); // checkpoints the WAL into the main file
      check(contents());
    });
  });

  describe('seed and seedDemoData', () => {
    it('exports the demo data file as demoData', () => {
      expect(demoData).toEqual(demoSeed);
      expect(demoData.users.map((u) => u.username)).toContain('ethan.buckley@datastoreltd.biz');
    });

    it('seeds the demo data into an empty directory once, then never again', async () => {
      const filename = newFile();
      const store = open(filename);
      expect(await seedDemoData(store)).toEqual({ seeded: true });
      expect(await seedDemoData(store)).toEqual({ seeded: false });
      const ethan = expectedUser(demoData, 'ethan.buckley@datastoreltd.biz');
      expect(await store.users.verifyPassword('ethan.buckley@datastoreltd.biz', 'S0qUx56pW!')).toStrictEqual(
        ethan,
      );
      // A later start on the same file finds the data and seeds nothing.
      const later = open(filename);
      expect(await seedDemoData(later)).toEqual({ seeded: false });
      expect(raw(filename, { readonly: true }).prepare('SELECT count(*) AS n FROM users').get()).toEqual({
        n: 5,
      });
    });

    it('seeds nothing into a directory that already holds any data', async () => {
      const filename = newFile();
      const store = open(filename);
      raw(filename).prepare("INSERT INTO permissions (name, position) VALUES ('custom', 0)").run();
      expect(await seedDemoData(store)).toEqual({ seeded: false });
      expect(await store.users.listPermissions()).toEqual(['custom']);
    });

    it('two openers seeding at once leave one copy', async () => {
      const filename = newFile();
      const a = open(filename);
      const b = open(filename);
      const results = await Promise.all([seedDemoData(a), seedDemoData(b)]);
      expect(results.map((r) => r.seeded).sort()).toEqual([false, true]);
      expect(raw(filename, { readonly: true }).prepare('SELECT count(*) AS n FROM users').get()).toEqual({
        n: 5,
      });
      expect(await b.users.listEnvironments()).toEqual(demoData.environments);
    });

    it('rolls back a seed that breaks a constraint, leaving the directory empty', async () => {
      const store = open(newFile());
      const broken = {
        ...demoSeed,
        users: [{ ...demoSeed.users[0]!, organisationId: 'no-such-organisation' }],
      };
      await expect(store.seed(broken)).rejects.toThrow(/FOREIGN KEY/);
      expect(await store.users.listPermissions()).toEqual([]);
      expect(await store.seed(demoSeed)).toEqual({ seeded: true });
    });

    it('refuses a disabled user after the same work as for an unknown one', async () => {
      const filename = newFile();
      const calls = { verify: 0, verifyDummy: 0 };
      const inner = createFastPasswordHasher();
      const store = openSqliteStore({
        filename,
        passwordHasher: {
          hash: (password) => inner.hash(password),
          verify: (password, encoded) => {
            calls.verify++;
            return inner.verify(password, encoded);
          },
          verifyDummy: (password) => {
            calls.verifyDummy++;
            return inner.verifyDummy(password);
          },
        },
      });
      cleanups.push(() => store.close());
      await seedDemoData(store);
      raw(filename).prepare("UPDATE users SET disabled = 1 WHERE username = 'bob@acme.test'").run();
      expect(await store.users.verifyPassword('bob@acme.test', 'Acme!user1')).toBeNull();
      expect(calls).toEqual({ verify: 0, verifyDummy: 1 });
      expect(await store.users.findUserByUsername('bob@acme.test')).toMatchObject({ disabled: true });
    });

    it('hashes with OWASP scrypt by default and never stores a plaintext password', async () => {
      const filename = newFile();
      const store = openSqliteStore({ filename });
      cleanups.push(() => store.close());
      const seed = { ...demoSeed, users: demoSeed.users.slice(0, 1) };
      await store.seed(seed);
      const row = raw(filename, { readonly: true })
        .prepare<[], { password_hash: string }>('SELECT password_hash FROM users')
        .get();
      expect(row?.password_hash).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
      expect(
        await store.users.verifyPassword(seed.users[0]!.username, seed.users[0]!.password),
      ).not.toBeNull();
      await store.close();
      expect(fs.readFileSync(filename).toString('latin1')).not.toContain(seed.users[0]!.password);
    }, 60_000); // OWASP scrypt: slow on a busy machine
  });
});
