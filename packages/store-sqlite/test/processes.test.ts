import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFastPasswordHasher, DAY, newHash, newId, T0 } from '@tollgate/store-tests';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, type SqliteDriverName } from '../src/driver.js';
import { MIGRATIONS, openSqliteStore } from '../src/index.js';
import type { WorkerCommand, WorkerReply } from './fixtures/worker.js';
import { DRIVERS, tempDir } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const workerPath = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));

/** Another OS process running this package's source (through tsx) against the same file. */
class StoreProcess {
  private readonly child: ChildProcess;
  private pending: { resolve: (value: unknown) => void; reject: (error: Error) => void } | undefined;
  readonly ready: Promise<void>;

  constructor(driver: SqliteDriverName) {
    this.child = fork(workerPath, [driver], {
      cwd: packageDir,
      execArgv: ['--conditions=dev-source', '--import', 'tsx', '--disable-warning=ExperimentalWarning'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => {
        const error = new Error(`worker exited with code ${code}`);
        reject(error);
        this.pending?.reject(error);
      });
      this.child.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') return resolve();
        const pending = this.pending;
        this.pending = undefined;
        if (reply.type === 'done') pending?.resolve(reply.result);
        else pending?.reject(new Error(`worker failed: ${reply.message}`));
      });
    });
  }

  request(command: WorkerCommand): Promise<unknown> {
    if (this.pending) throw new Error('one command at a time');
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(command);
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

describe.each(DRIVERS)('two processes on one SQLite file (%s)', (driver) => {
  const workers: StoreProcess[] = [];
  const temp = tempDir();

  beforeAll(async () => {
    workers.push(new StoreProcess(driver), new StoreProcess(driver));
    await Promise.all(workers.map((w) => w.ready));
  }, 60_000);

  afterAll(() => {
    for (const worker of workers) worker.stop();
    temp.remove();
  });

  it('each refresh token rotated by both at once has exactly one winner', async () => {
    const filename = path.join(temp.dir, 'rotation.db');
    const store = openSqliteStore({ filename, driver, passwordHasher: createFastPasswordHasher() });
    const rounds = 200;
    const hashes: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const hash = newHash();
      await store.tokens.createRefreshFamily({
        family: { id: newId(), userId: 'user-1', createdAt: T0, absoluteExpiresAt: T0 + 30 * DAY },
        token: { hash, issuedAt: T0, expiresAt: T0 + DAY },
      });
      hashes.push(hash);
    }
    await store.close();

    const [a, b] = workers as [StoreProcess, StoreProcess];
    const now = T0 + 1000;
    let winsA = 0;
    for (const [i, hash] of hashes.entries()) {
      // Both get the same token in the same instant; who sends first alternates.
      const command: WorkerCommand = { type: 'rotate', filename, hash, now };
      const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
      const [one, two] = await Promise.all([first.request(command), second.request(command)]);
      expect([one, two].sort()).toEqual(['reused', 'rotated']);
      if ((first === a ? one : two) === 'rotated') winsA++;
    }
    await Promise.all(workers.map((w) => w.request({ type: 'close' })));
    // Scheduling decides who wins; a one-sided count would mean the processes never really raced.
    console.info(`rotation race: process A won ${winsA} of ${rounds}, process B ${rounds - winsA}`);
    expect(winsA).toBeGreaterThan(0);
    expect(winsA).toBeLessThan(rounds);

    const db = openConnection(filename, { driver, readonly: true });
    try {
      const count = (sql: string): number => db.prepare<[], { n: number }>(sql).get()?.n ?? -1;
      expect(count('SELECT count(*) AS n FROM refresh_tokens WHERE generation = 1')).toBe(rounds);
      expect(count('SELECT count(DISTINCT family_id) AS n FROM refresh_tokens WHERE generation = 1')).toBe(
        rounds,
      );
      expect(
        count('SELECT count(*) AS n FROM refresh_tokens WHERE generation = 0 AND rotated_at IS NULL'),
      ).toBe(0);
      expect(count('SELECT count(*) AS n FROM refresh_families WHERE revoked_at IS NULL')).toBe(0);
      expect(count("SELECT count(*) AS n FROM revocations WHERE kind = 'session'")).toBe(rounds);
    } finally {
      db.close();
    }
  }, 60_000);

  it('within the reuse interval, both get a pair and each family keeps exactly one live token', async () => {
    const filename = path.join(temp.dir, 'retry.db');
    const store = openSqliteStore({ filename, driver, passwordHasher: createFastPasswordHasher() });
    const rounds = 100;
    const hashes: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const hash = newHash();
      await store.tokens.createRefreshFamily({
        family: { id: newId(), userId: 'user-1', createdAt: T0, absoluteExpiresAt: T0 + 30 * DAY },
        token: { hash, issuedAt: T0, expiresAt: T0 + DAY },
      });
      hashes.push(hash);
    }
    await store.close();

    const [a, b] = workers as [StoreProcess, StoreProcess];
    const command = (hash: string): WorkerCommand => ({
      type: 'rotate',
      filename,
      hash,
      now: T0 + 1000,
      reuseIntervalMs: 10_000,
    });
    for (const [i, hash] of hashes.entries()) {
      const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
      const results = await Promise.all([first.request(command(hash)), second.request(command(hash))]);
      expect(results.sort()).toEqual(['rotated', 'rotated (retried)']);
    }
    await Promise.all(workers.map((w) => w.request({ type: 'close' })));

    const db = openConnection(filename, { driver, readonly: true });
    try {
      const count = (sql: string): number => db.prepare<[], { n: number }>(sql).get()?.n ?? -1;
      // Per family: the login's token (rotated), the winner's successor (rotated by the retry), and
      // the retry's successor at generation 2, the only live one.
      expect(count('SELECT count(*) AS n FROM refresh_tokens')).toBe(3 * rounds);
      expect(count('SELECT count(*) AS n FROM refresh_tokens WHERE rotated_at IS NULL')).toBe(rounds);
      expect(
        count('SELECT count(*) AS n FROM refresh_tokens WHERE rotated_at IS NULL AND generation = 2'),
      ).toBe(rounds);
      expect(count('SELECT count(*) AS n FROM refresh_families WHERE revoked_at IS NULL')).toBe(rounds);
      expect(count('SELECT count(*) AS n FROM revocations')).toBe(0);
    } finally {
      db.close();
    }
  }, 60_000);

  it('two processes opening and seeding a new file at once leave one copy of the demo data', async () => {
    const [a, b] = workers as [StoreProcess, StoreProcess];
    for (let round = 0; round < 40; round++) {
      const filename = path.join(temp.dir, `seed-${round}.db`);
      const results = (await Promise.all([
        a.request({ type: 'seed', filename }),
        b.request({ type: 'seed', filename }),
      ])) as [{ seeded: boolean }, { seeded: boolean }];
      expect(results.map((r) => r.seeded).sort()).toEqual([false, true]);

      const db = openConnection(filename, { driver, readonly: true });
      try {
        const count = (table: string): number =>
          db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? -1;
        expect(count('users')).toBe(5);
        expect(count('organisations')).toBe(3);
        expect(count('environments')).toBe(3);
        expect(count('permissions')).toBe(5);
        expect(count('schema_migrations')).toBe(MIGRATIONS.length);
      } finally {
        db.close();
      }
    }
  }, 60_000);
});
