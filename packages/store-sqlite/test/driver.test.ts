import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type Connection, openConnection, sqliteCodeName } from '../src/driver.js';
import {
  availableSqliteDrivers,
  openSqliteStore,
  SQLITE_DRIVERS,
  SqliteDriverError,
  type SqliteDriverName,
} from '../src/index.js';
import { DRIVERS, tempDir } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const temp = tempDir();
afterAll(() => temp.remove());

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
/** node:sqlite without a flag: Node 22.13+, 23.4+, 24 and later. */
const nodeHasSqlite = major > 23 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);

describe('driver choice', () => {
  it('finds node:sqlite exactly where this Node has it, and at least one driver', () => {
    expect(DRIVERS.includes('node:sqlite')).toBe(nodeHasSqlite);
    expect(DRIVERS.length).toBeGreaterThan(0);
    expect(availableSqliteDrivers()).toEqual(DRIVERS);
  });

  it('picks the first available driver by default, node:sqlite where there is one', async () => {
    const store = openSqliteStore({ filename: ':memory:' });
    expect(store.driver).toBe(DRIVERS[0]);
    if (nodeHasSqlite) expect(store.driver).toBe('node:sqlite');
    await store.close();
  });

  it.each(DRIVERS)('uses %s when asked to', async (driver) => {
    const store = openSqliteStore({ filename: ':memory:', driver });
    expect(store.driver).toBe(driver);
    await store.close();
  });

  const missing = SQLITE_DRIVERS.filter((driver) => !DRIVERS.includes(driver));
  it.skipIf(missing.length === 0).each(missing)(
    'refuses %s where it does not work, with a stable code and what to do',
    (driver) => {
      const attempt = () => openSqliteStore({ filename: ':memory:', driver });
      expect(attempt).toThrow(SqliteDriverError);
      expect(attempt).toThrow(
        driver === 'node:sqlite'
          ? `node:sqlite is not available in Node ${process.versions.node} (it comes with Node >= 22.13 and >= 23.4).`
          : /^better-sqlite3 cannot be loaded \(.*\): install better-sqlite3 12 next to @tollgate\/store-sqlite and allow its build script/,
      );
      expect(() => attempt()).toThrow(expect.objectContaining({ code: 'sqlite_driver_unavailable', driver }));
    },
  );

  it('refuses an unknown driver name', () => {
    const attempt = () =>
      openSqliteStore({ filename: ':memory:', driver: 'sqlite3' as unknown as SqliteDriverName });
    expect(attempt).toThrow(SqliteDriverError);
    expect(attempt).toThrow(`Unknown SQLite driver "sqlite3": use 'node:sqlite' or 'better-sqlite3'`);
  });

  it('names result codes as better-sqlite3 does', () => {
    expect(sqliteCodeName(5)).toBe('SQLITE_BUSY');
    expect(sqliteCodeName(517)).toBe('SQLITE_BUSY_SNAPSHOT');
    expect(sqliteCodeName(11)).toBe('SQLITE_CORRUPT');
    expect(sqliteCodeName(26)).toBe('SQLITE_NOTADB');
    expect(sqliteCodeName(275)).toBe('SQLITE_CONSTRAINT_CHECK');
    expect(sqliteCodeName(1555)).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(sqliteCodeName(2067)).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(sqliteCodeName(10 | (99 << 8))).toBe('SQLITE_IOERR'); // an extended code this list lacks
  });

  it('drops the ExperimentalWarning of loading node:sqlite, and no other warning', async () => {
    const file = path.join(temp.dir, 'warnings.mts');
    fs.writeFileSync(
      file,
      `import { openSqliteStore } from ${JSON.stringify(path.join(packageDir, 'src/index.ts'))};
       const store = openSqliteStore({ filename: ':memory:' });
       await store.close();
       process.emitWarning('another experiment', 'ExperimentalWarning');
       process.emitWarning('something else');
       console.log(store.driver);`,
    );
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--conditions=dev-source', '--import', 'tsx', file],
      { cwd: packageDir, timeout: 90_000 }, // tsx starting on a busy machine
    );
    expect(stdout.trim()).toBe(DRIVERS[0]);
    expect(stderr).not.toMatch(/SQLite is an experimental feature/);
    expect(stderr).toMatch(/ExperimentalWarning: another experiment/);
    expect(stderr).toMatch(/Warning: something else/);
  }, 180_000);
});

describe.each(DRIVERS)('the %s connection', (driver) => {
  const open = (): Connection => {
    const db = openConnection(':memory:', { driver });
    db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
                             at INTEGER NOT NULL CHECK (at >= 0)) STRICT`);
    return db;
  };

  it('commits a transaction that returns and rolls back one that throws, a nested one alone', () => {
    const db = open();
    const insert = db.prepare<[string, number]>('INSERT INTO t (name, at) VALUES (?, ?)');
    const names = () => db.prepare<[], { name: string }>('SELECT name FROM t ORDER BY id').all();
    expect(db.transaction((n: string) => insert.run(n, 1).changes).immediate('a')).toBe(1);
    expect(() =>
      db
        .transaction(() => {
          insert.run('b', 1);
          throw new Error('no');
        })
        .immediate(),
    ).toThrow('no');
    const outer = db.transaction(() => {
      insert.run('c', 1);
      expect(() =>
        db
          .transaction(() => {
            insert.run('d', 1);
            insert.run('a', 1); // UNIQUE
          })
          .deferred(),
      ).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }));
      insert.run('e', 1);
    });
    outer.deferred();
    expect(names().map((r) => r.name)).toEqual(['a', 'c', 'e']);
    // Nothing left open: another write transaction starts.
    db.transaction(() => insert.run('f', 1)).immediate();
    db.close();
    db.close(); // a second close is harmless
    expect(db.open).toBe(false);
  });

  it('reports constraint failures with better-sqlite3 codes', () => {
    const db = open();
    db.prepare('INSERT INTO t (id, name, at) VALUES (1, ?, 0)').run('x');
    const insert = db.prepare<[number, string, number]>('INSERT INTO t (id, name, at) VALUES (?, ?, ?)');
    expect(() => insert.run(1, 'y', 0)).toThrow(
      expect.objectContaining({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }),
    );
    expect(() => insert.run(2, 'x', 0)).toThrow(
      expect.objectContaining({ code: 'SQLITE_CONSTRAINT_UNIQUE' }),
    );
    expect(() => insert.run(3, 'z', -1)).toThrow(
      expect.objectContaining({ code: 'SQLITE_CONSTRAINT_CHECK' }),
    );
    expect(() => db.prepare('SELECT nope FROM t')).toThrow(expect.objectContaining({ code: 'SQLITE_ERROR' }));
    db.close();
  });

  it('reads integers as numbers, millisecond timestamps exactly, and answers pragmas', () => {
    const db = open();
    const at = 4_102_444_800_123; // 2100-01-01, in ms
    const result = db.prepare<[string, number]>('INSERT INTO t (name, at) VALUES (?, ?)').run('x', at);
    expect(result).toMatchObject({ changes: 1, lastInsertRowid: 1 });
    const row = db
      .prepare<[string], { id: number; at: number }>('SELECT id, at FROM t WHERE name = ?')
      .get('x');
    expect(row).toEqual({ id: 1, at });
    expect(typeof row?.at).toBe('number');
    expect(db.prepare('SELECT 1 FROM t WHERE name = ?').get('missing')).toBeUndefined();
    expect(db.pragma('user_version')).toBe(0);
    expect(db.pragma('user_version = 7')).toBeUndefined();
    expect(db.pragma('user_version')).toBe(7);
    expect(db.memory).toBe(true);
    db.close();
  });

  it('opens a file read-only when asked', () => {
    const filename = path.join(temp.dir, `${driver.replace(':', '-')}.db`);
    openConnection(filename, { driver }).close(); // creates it
    const db = openConnection(filename, { driver, readonly: true });
    expect(db.memory).toBe(false);
    expect(() => db.exec('CREATE TABLE x (a)')).toThrow(expect.objectContaining({ code: 'SQLITE_READONLY' }));
    db.close();
  });
});
