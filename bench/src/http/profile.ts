/**
 * Profiles one server variant under one scenario: `node --cpu-prof` on the server, autocannon on the
 * other CPU, then the hottest functions of the profile by self time.
 *   node --conditions=dev-source --import tsx src/http/profile.ts tollgate-hs256 first-seen 10
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  BENCH_DIR,
  log,
  SCENARIO_VARIANTS,
  SCENARIOS,
  type Scenario,
  stopChild,
  type Variant,
} from './common.js';
import { createHttpFixture } from './fixture.js';
import { checkServer, LoadGenerator, runStep, startServer } from './runner.js';

const variant = (process.argv[2] ?? 'tollgate-hs256') as Variant;
const scenario = (process.argv[3] ?? 'first-seen') as Scenario;
const seconds = Number(process.argv[4] ?? 10);
if (!SCENARIOS.includes(scenario) || !SCENARIO_VARIANTS[scenario].includes(variant)) {
  throw new Error(`usage: profile.ts <variant> <${SCENARIOS.join('|')}> [seconds]: no such measurement`);
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time per function (name, file, line), in percent of all samples. */
function hottest(profile: CpuProfile, top: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    if (!frame) return;
    const file = frame.url.replace(/^file:\/\//, '');
    const where = file ? `${relative(BENCH_DIR, file)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'}  ${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, time]) => `${((time / total) * 100).toFixed(1).padStart(6)}%  ${key}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-http-profile-'));
  const profileDir = join(BENCH_DIR, 'results', 'prof');
  const before = new Set(safeList(profileDir));
  try {
    const fixture = await createHttpFixture({ poolSize: 20_000, cacheEntries: 10_000 });
    const fixtureFile = join(dir, 'fixture.json');
    writeFileSync(fixtureFile, JSON.stringify(fixture));
    const server = await startServer(variant, fixtureFile, { profile: true });
    const load = new LoadGenerator(fixtureFile);
    try {
      await checkServer(server, fixture.tokens.hs256);
      const step = { scenario, variant, expected: scenario === 'refused' ? 401 : 200 };
      await runStep(load, server, step, { seconds: 2, connections: 10 });
      const result = await runStep(load, server, step, { seconds, connections: 10 });
      const cpu = result.serverCpuSeconds;
      log(
        `${variant} ${scenario}: ${result.requestsPerSecond.toFixed(0)} req/s wall` +
          (cpu ? `, ${(result.requests / cpu).toFixed(0)} req/s per core` : ''),
      );
    } finally {
      await load.stop();
      await stopChild(server.child, 30_000); // the profile is written as it exits
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // One profile per thread (tsx runs its loader in a worker): the main thread's is the biggest.
  const written = safeList(profileDir)
    .filter((name) => !before.has(name) && name.endsWith('.cpuprofile'))
    .map((name) => join(profileDir, name))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!written) throw new Error('no profile written');
  const profile = JSON.parse(readFileSync(written, 'utf8')) as CpuProfile;
  process.stdout.write(
    `${written}\nself time, whole run (setup included):\n${hottest(profile, 40).join('\n')}\n`,
  );
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

await main();
