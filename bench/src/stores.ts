/**
 * `pnpm bench:stores`: Tollgate's store-bound paths on each backend, measured in one run.
 * - authenticate(UAT), repeated (cache hit), first lookup (a new token each call, one at a time,
 *   and 32 in flight): ops/s and p99 latency;
 * - refresh-token rotations under 32 concurrent clients (each rotating its own family): rotations/s, p99.
 * Backends: SQLite (a file, synchronous=FULL), PostgreSQL (this machine's, a fresh schema), and
 * PostgreSQL with Redis (revocation channel + shared login counters). Rounds are interleaved
 * across backends so drift hits them alike; ratios are against SQLite in the same run.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createKeySet,
  createScryptPasswordHasher,
  createTollgate,
  generateSigningKey,
  type Principal,
  type TokenStore,
  type Tollgate,
  type TollgateOptions,
  type UserDirectory,
} from '@tollgate/core';
import { openPostgresStore } from '@tollgate/store-postgres';
import { createRedisRevocationChannel, redisLimiterFactory } from '@tollgate/store-redis';
import { demoData, openSqliteStore } from '@tollgate/store-sqlite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { AUDIENCE, assert, cycle, DEMO_USER, ISSUER, UAT_PERMISSION } from './fixtures.js';

const int = (name: string, fallback: number) => {
  const value = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const QUICK = process.env.BENCH_QUICK === '1';
const CONFIG = {
  rounds: int('BENCH_ROUNDS', QUICK ? 1 : 5),
  timeMs: int('BENCH_TIME_MS', QUICK ? 300 : 2000),
  uatPool: int('BENCH_UAT_POOL', QUICK ? 512 : 4096),
  uatCache: 256,
  clients: 32,
};
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const log = (message: string) => process.stderr.write(`${message}\n`);

interface Backend {
  readonly name: string;
  readonly tollgate: Tollgate;
  readonly tokens: TokenStore;
  readonly uats: readonly string[];
  readonly repeatedUat: string;
  readonly refreshTokens: string[];
  close(): Promise<void>;
}

interface Stores {
  readonly tokens: TokenStore;
  readonly users: UserDirectory;
  close(): Promise<void>;
}

async function prepare(name: string, stores: Stores, extra: Partial<TollgateOptions> = {}): Promise<Backend> {
  const tollgate = createTollgate({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: createKeySet({ current: await generateSigningKey({ alg: 'HS256', kid: 'bench-stores' }) }),
    store: stores.tokens,
    users: stores.users,
    cache: { maxEntries: CONFIG.uatCache },
    loginLimits: false,
    ...extra,
  });
  const login = await tollgate.accessTokens.login(DEMO_USER);
  const caller: Principal = await tollgate.requirePrincipal({ authorization: `Bearer ${login.token}` });
  const expiresAt = new Date(Date.now() + 30 * 86_400_000);
  const uats: string[] = [];
  // Created in parallel batches: setup time, not measured.
  for (let i = 0; i < CONFIG.uatPool; i += 64) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(64, CONFIG.uatPool - i) }, (_, j) =>
        tollgate.uats.create({ caller, name: `bench ${i + j}`, expiresAt, permissions: [UAT_PERMISSION] }),
      ),
    );
    // Last-used set in the future: no lookup measured triggers its (deferred, throttled) write.
    await Promise.all(batch.map((uat) => stores.tokens.touchUat({ id: uat.id, at: expiresAt.getTime() })));
    uats.push(...batch.map((uat) => `UAT ${uat.token}`));
  }
  const repeated = await tollgate.uats.create({
    caller,
    name: 'repeated',
    expiresAt,
    permissions: [UAT_PERMISSION],
  });
  const principal = await tollgate.requirePrincipal({ authorization: `UAT ${repeated.token}` });
  assert(principal.userId === caller.userId, `${name}: a UAT authenticated as someone else`);
  const refreshTokens: string[] = [];
  for (let i = 0; i < CONFIG.clients; i++) {
    refreshTokens.push((await tollgate.tokenPair.login(DEMO_USER)).refreshToken);
  }
  return {
    name,
    tollgate,
    tokens: stores.tokens,
    uats,
    repeatedUat: `UAT ${repeated.token}`,
    refreshTokens,
    async close() {
      tollgate.close();
      await stores.close();
    },
  };
}

const hasher = createScryptPasswordHasher({ logN: 10, r: 8, p: 1 });

async function sqliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-stores-'));
  const store = openSqliteStore({ filename: join(dir, 'tollgate.db'), passwordHasher: hasher });
  await store.seed(demoData);
  return prepare('SQLite', {
    ...store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

async function postgresStores(schema: string): Promise<Stores> {
  const store = await openPostgresStore({ connectionString: DATABASE_URL, schema, passwordHasher: hasher });
  await store.seed(demoData);
  return {
    tokens: store.tokens,
    users: store.users,
    async close() {
      await store.close();
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

const freshSchema = () => `tollgate_bench_${randomBytes(5).toString('hex')}`;

async function postgresBackend(): Promise<Backend> {
  return prepare('PostgreSQL', await postgresStores(freshSchema()));
}

async function postgresRedisBackend(): Promise<Backend> {
  const schema = freshSchema();
  const stores = await postgresStores(schema);
  const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const channel = createRedisRevocationChannel({ redis, channel: `tollgate:${schema}:revocations` });
  await channel.ready();
  return prepare(
    'PostgreSQL + Redis',
    {
      ...stores,
      async close() {
        await channel.close();
        redis.disconnect();
        await stores.close();
      },
    },
    {
      revocationChannel: channel,
      loginLimits: { limiterFactory: redisLimiterFactory(redis), keyPrefix: `tollgate:${schema}:login` },
    },
  );
}

interface Sample {
  readonly ops: number;
  readonly seconds: number;
  readonly latenciesUs: Float64Array;
}

/** Runs `op` from `workers` concurrent loops for `timeMs`; every op's latency is recorded. */
async function measure(workers: number, op: (worker: number) => Promise<unknown>): Promise<Sample> {
  const latencies: number[] = [];
  const deadline = performance.now() + CONFIG.timeMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await op(worker);
        latencies.push((performance.now() - t0) * 1000);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { ops: latencies.length, seconds, latenciesUs: Float64Array.from(latencies) };
}

function p99(sample: Sample): number {
  const sorted = sample.latenciesUs.slice().sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN;
}

interface Scenario {
  readonly id: string;
  readonly title: string;
  run(backend: Backend): Promise<Sample>;
}

const SCENARIOS: readonly Scenario[] = [
  {
    id: 'uat-repeated',
    title: 'authenticate(UAT), repeated (the same token each call)',
    run: (b) => measure(1, () => Promise.resolve(b.tollgate.authenticate({ authorization: b.repeatedUat }))),
  },
  {
    id: 'uat-first',
    title: 'authenticate(UAT), first lookup (a new token each call, one at a time)',
    run: (b) => {
      const next = cycle(b.uats);
      return measure(1, () => Promise.resolve(b.tollgate.authenticate({ authorization: next() })));
    },
  },
  {
    id: 'uat-first-32',
    title: 'authenticate(UAT), first lookup, 32 in flight',
    run: (b) => {
      const next = cycle(b.uats);
      return measure(CONFIG.clients, () =>
        Promise.resolve(b.tollgate.authenticate({ authorization: next() })),
      );
    },
  },
  {
    id: 'rotate-32',
    title: 'refresh rotations, 32 concurrent clients',
    run: (b) =>
      measure(CONFIG.clients, async (worker) => {
        const pair = await b.tollgate.tokenPair.refresh({ refreshToken: b.refreshTokens[worker]! });
        b.refreshTokens[worker] = pair.refreshToken;
      }),
  },
];

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const fmt = (n: number) =>
  n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 });

async function main(): Promise<void> {
  let affinity = 'unknown';
  try {
    affinity = execFileSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' })
      .trim()
      .split(': ')
      .pop()!;
  } catch {}
  log(
    `node ${process.version}, ${cpus()[0]?.model ?? '?'}, CPU affinity ${affinity}; PostgreSQL and Redis unpinned`,
  );
  log(
    `${CONFIG.rounds} rounds × ${CONFIG.timeMs} ms per scenario and backend; ${CONFIG.uatPool} UATs, cache ${CONFIG.uatCache}`,
  );

  const backends: Backend[] = [];
  try {
    for (const open of [sqliteBackend, postgresBackend, postgresRedisBackend]) {
      const t0 = performance.now();
      const backend = await open();
      backends.push(backend);
      log(
        `setup ${backend.name}: ${backend.uats.length} UATs, ${backend.refreshTokens.length} families (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
    }
    // results[scenario][backend] = per-round { opsPerSec, p99 }
    const results = new Map<string, Map<string, { opsPerSec: number[]; p99: number[] }>>();
    for (let round = 0; round < CONFIG.rounds; round++) {
      for (const scenario of SCENARIOS) {
        // Rotate the order each round so no backend always runs first.
        const order = backends.map((_, i) => backends[(i + round) % backends.length]!);
        for (const backend of order) {
          globalThis.gc?.();
          await scenario.run(backend); // warm-up, not recorded
          const sample = await scenario.run(backend);
          const byBackend = results.get(scenario.id) ?? new Map();
          results.set(scenario.id, byBackend);
          const entry = byBackend.get(backend.name) ?? { opsPerSec: [], p99: [] };
          byBackend.set(backend.name, entry);
          entry.opsPerSec.push(sample.ops / sample.seconds);
          entry.p99.push(p99(sample));
        }
      }
      log(`round ${round + 1}/${CONFIG.rounds} done`);
    }

    const lines: string[] = [];
    const summary: Record<
      string,
      Record<string, { opsPerSec: number; p99Us: number; vsSqlite: number }>
    > = {};
    for (const scenario of SCENARIOS) {
      lines.push(
        `\n### ${scenario.title}\n`,
        '| backend | ops/s | p99 | ops/s vs SQLite |',
        '| --- | ---: | ---: | ---: |',
      );
      const byBackend = results.get(scenario.id)!;
      const base = median(byBackend.get('SQLite')!.opsPerSec);
      summary[scenario.id] = {};
      for (const backend of backends) {
        const entry = byBackend.get(backend.name)!;
        const ops = median(entry.opsPerSec);
        const tail = median(entry.p99);
        summary[scenario.id]![backend.name] = { opsPerSec: ops, p99Us: tail, vsSqlite: ops / base };
        lines.push(`| ${backend.name} | ${fmt(ops)} | ${fmt(tail)} µs | ${(ops / base).toFixed(2)}× |`);
      }
    }
    const uat = summary['uat-repeated']!;
    const first = summary['uat-first']!;
    const first32 = summary['uat-first-32']!;
    const verdict = (ratio: number, floor: number) =>
      `${ratio.toFixed(2)}× ${ratio >= floor ? 'PASS' : 'FAIL'}`;
    const targets = [
      `repeated UAT, PostgreSQL + Redis vs SQLite ≥ 0.9×: ${verdict(uat['PostgreSQL + Redis']!.vsSqlite, 0.9)}`,
      `first-seen UAT one at a time, PostgreSQL within 2× of SQLite (≥ 0.5×): ${verdict(first.PostgreSQL!.vsSqlite, 0.5)}`,
      `first-seen UAT 32 in flight, PostgreSQL within 2× of SQLite (≥ 0.5×): ${verdict(first32.PostgreSQL!.vsSqlite, 0.5)}`,
    ];
    const report = `${lines.join('\n')}\n\nTargets:\n${targets.map((t) => `- ${t}`).join('\n')}\n`;
    process.stdout.write(report);
    const out = fileURLToPath(new URL('../results/', import.meta.url));
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, QUICK ? 'stores-quick.json' : 'stores.json'),
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, affinity, config: CONFIG, summary }, null, 2)}\n`,
    );
  } finally {
    for (const backend of backends) await backend.close();
  }
}

await main();
