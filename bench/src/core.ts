import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { SigningAlgorithm } from '@tollgate/core';
import { type BenchCase, runRounds } from './harness.js';
import { ALGORITHMS, createJwtCases, jwtId, REVOKED, VS_NONE_REVOKED } from './jwt-cases.js';
import { formatTable, formatTargets, summarize, type Target, target } from './report.js';
import { createUatCases, loadSqliteStore, uatId } from './uat-cases.js';

/** Knobs, from the environment: BENCH_QUICK=1 for a fast smoke run; the others override one value. */
function settings() {
  const quick = process.env.BENCH_QUICK === '1';
  const int = (name: string, fallback: number) => {
    const value = Number.parseInt(process.env[name] ?? '', 10);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    quick,
    rounds: int('BENCH_ROUNDS', quick ? 2 : 9),
    timeMs: int('BENCH_TIME_MS', quick ? 20 : 150),
    // The default cache size of createTollgate, and a pool that outnumbers it.
    jwtCacheEntries: int('BENCH_JWT_CACHE', quick ? 1024 : 10_000),
    jwtPool: int('BENCH_JWT_POOL', quick ? 2048 : 16_384),
    uatCacheEntries: int('BENCH_UAT_CACHE', quick ? 64 : 256),
    uatPool: int('BENCH_UAT_POOL', quick ? 256 : 2048),
    // What the "revoked" rows' Tollgates hold in memory.
    revokedSessions: int('BENCH_REVOKED_SESSIONS', 10_000),
    revokedUsers: int('BENCH_REVOKED_USERS', 1_000),
  };
}

function cpuAffinity(): string {
  try {
    return (
      execFileSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' })
        .trim()
        .split(': ')
        .pop() ?? '?'
    );
  } catch {
    return 'unknown (no taskset)';
  }
}

const log = (message: string) => process.stderr.write(`${message}\n`);
const since = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const config = settings();
  const started = performance.now();
  const affinity = cpuAffinity();
  log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, CPU affinity ${affinity}`);
  if (typeof globalThis.gc !== 'function')
    log('note: run with --expose-gc so each measurement starts after a GC');

  const cases: BenchCase[] = [];
  for (const alg of ALGORITHMS) {
    const t0 = performance.now();
    cases.push(
      ...(await createJwtCases(alg, {
        poolSize: config.jwtPool,
        cacheEntries: config.jwtCacheEntries,
        revocations: { sessions: config.revokedSessions, users: config.revokedUsers },
      })),
    );
    log(
      `setup ${alg}: ${config.jwtPool} access tokens signed, ${config.revokedSessions} sessions and ${config.revokedUsers} users revoked, every verifier checked (${since(t0)})`,
    );
  }
  const sqlite = await loadSqliteStore();
  let cleanup = async () => {};
  if (sqlite) {
    const t0 = performance.now();
    const uat = await createUatCases(sqlite, {
      poolSize: config.uatPool,
      cacheEntries: config.uatCacheEntries,
    });
    cases.push(...uat.cases);
    cleanup = uat.cleanup;
    log(`setup UAT: SQLite file in a temp dir, ${config.uatPool} UATs created, checked (${since(t0)})`);
  } else {
    log('UAT rows skipped: @tollgate/store-sqlite does not export openSqliteStore yet');
  }
  const setupSeconds = (performance.now() - started) / 1000;

  log(`${cases.length} cases x ${config.rounds} rounds x ${config.timeMs} ms, shuffled each round`);
  const times = await runRounds(cases, {
    rounds: config.rounds,
    timeMs: config.timeMs,
    onRound: (round, rounds) => log(`round ${round}/${rounds}`),
  });
  await cleanup();
  const rows = summarize(cases, times);

  const byId = new Map(rows.map((row) => [row.id, row]));
  const ratio = (id: string, label: string) => byId.get(id)?.ratios[label] ?? Number.NaN;
  const targets: Target[] = [];
  for (const alg of ALGORITHMS) {
    const floor: Record<SigningAlgorithm, number> = { HS256: 0.7, EdDSA: 0.95, ES256: 0.95 };
    targets.push(
      target(
        `${alg} first-seen JWT vs floor`,
        ratio(jwtId.first(alg, 'tollgate'), 'vs floor'),
        '>=',
        floor[alg],
      ),
    );
  }
  for (const alg of ALGORITHMS) {
    targets.push(
      target(
        `${alg} first-seen JWT vs fast-jwt (cache off)`,
        ratio(jwtId.first(alg, 'tollgate'), 'vs fast-jwt'),
        '>',
        1,
      ),
    );
  }
  for (const alg of ALGORITHMS) {
    targets.push(
      target(
        `${alg} repeated JWT vs fast-jwt cache hit`,
        ratio(jwtId.repeated(alg, 'tollgate'), 'vs fast-jwt hit'),
        '>',
        1,
      ),
    );
  }
  // Holding 10k revoked sessions and 1k revoked users costs at most 3% against the same row without.
  for (const alg of ALGORITHMS) {
    for (const [kind, id] of [
      ['first-seen', jwtId.first(alg, REVOKED)],
      ['repeated', jwtId.repeated(alg, REVOKED)],
    ] as const) {
      targets.push(
        target(
          `${alg} ${kind} JWT, ${config.revokedSessions} sessions + ${config.revokedUsers} users revoked, vs none`,
          ratio(id, VS_NONE_REVOKED),
          '>=',
          0.97,
        ),
      );
    }
  }
  if (byId.has(uatId.first)) {
    targets.push(
      target(
        'UAT repeated vs HS256 fast-jwt cache hit',
        ratio(uatId.repeated, 'vs HS256 fast-jwt hit'),
        '>',
        1,
      ),
      target(
        'UAT first lookup (SQLite) vs first-seen HS256 JWT',
        ratio(uatId.first, 'vs HS256 JWT first'),
        '>=',
        0.8,
      ),
    );
  }

  const seconds = (performance.now() - started) / 1000;
  const lines = [
    `Tollgate core benchmark: node ${process.version}, CPU affinity ${affinity}, ${config.rounds} rounds x ${config.timeMs} ms per case`,
    'ns/op and ops/s: median over rounds. Ratios: reference time / row time, per round, median (>1: the row is faster).',
    formatTable(rows),
    '',
    'jsonwebtoken has no EdDSA: no row. fast-jwt (cache on) hits its cache on the repeated token.',
    '',
    'Targets',
    formatTargets(targets),
    sqlite ? '' : '\n  (UAT targets not checked: @tollgate/store-sqlite does not export openSqliteStore yet)',
    `Total ${seconds.toFixed(0)} s (setup ${setupSeconds.toFixed(0)} s).`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  const file = `${resultsDir}core-latest.json`;
  const json = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? null,
    cpuAffinity: affinity,
    settings: config,
    seconds,
    results: rows,
    targets,
    uat: sqlite ? 'measured' : 'skipped: @tollgate/store-sqlite does not export openSqliteStore yet',
  };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  log(`results written to ${file}`);
}

await main();
