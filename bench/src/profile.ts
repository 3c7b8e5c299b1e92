/**
 * Runs one benchmark case in a plain loop for a few seconds, for `node --cpu-prof`:
 *   node --cpu-prof --cpu-prof-dir=results/prof --conditions=dev-source --import tsx src/profile.ts HS256.first.tollgate
 */
import type { SigningAlgorithm } from '@tollgate/core';
import { ALGORITHMS, createJwtCases } from './jwt-cases.js';
import { createUatCases, loadSqliteStore } from './uat-cases.js';

const id = process.argv[2] ?? 'HS256.first.tollgate';
const seconds = Number(process.argv[3] ?? 5);
const alg = id.split('.')[0] as SigningAlgorithm;

async function main(): Promise<void> {
  let cleanup = async () => {};
  const cases = ALGORITHMS.includes(alg)
    ? await createJwtCases(alg, { poolSize: 16_384, cacheEntries: 10_000 })
    : [];
  if (id.startsWith('uat.')) {
    const sqlite = await loadSqliteStore();
    if (!sqlite) throw new Error('@tollgate/store-sqlite does not export openSqliteStore yet');
    const uat = await createUatCases(sqlite, { poolSize: 2048, cacheEntries: 256 });
    cases.push(...uat.cases);
    cleanup = uat.cleanup;
  }
  const benchCase = cases.find((c) => c.id === id);
  if (!benchCase) throw new Error(`no case ${id}; cases: ${cases.map((c) => c.id).join(', ')}`);
  const end = performance.now() + seconds * 1000;
  let calls = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 256; i++) await benchCase.run();
    calls += 256;
  }
  process.stdout.write(`${id}: ${((seconds * 1e9) / calls).toFixed(0)} ns/op over ${calls} calls\n`);
  await cleanup();
}

await main();
