// `pnpm test`: lint, then the test suite beside the checks of what is published (the packages'
// builds, then the typecheck and publint/attw). One after the other these took ~4.5 min on a 2-core
// machine; much of the suite's time is waiting (servers, PostgreSQL, child processes), which leaves
// a core free for the checks. Only two tests read a build (the CLI bin, the Nest README in CommonJS):
// they wait for it through the status file named in TOLLGATE_TEST_BUILD_STATUS (@tollgate/test-kit's
// `whenBuilt`); every other test reads the sources. Exits non-zero if any step fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const seconds = (since) => `${Math.round((Date.now() - since) / 1000)} s`;

/** Runs a command; its output goes to ours as it comes, or is kept and handed back when `quiet`. */
function run(command, args, { quiet = false, env = process.env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (quiet) {
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
    }
    child.on('error', (error) => resolve({ code: 1, output: `${output}${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

const lint = await run('pnpm', ['run', 'lint']);
if (lint.code !== 0) process.exit(lint.code);

const statusDir = mkdtempSync(join(tmpdir(), 'tollgate-test-'));
const statusFile = join(statusDir, 'build-status');
writeFileSync(statusFile, '');

const turbo = ['exec', 'turbo', 'run', '--output-logs=errors-only'];
async function checks() {
  const since = Date.now();
  const build = await run('pnpm', [...turbo, 'build', '--filter=./packages/*'], { quiet: true });
  writeFileSync(statusFile, build.code === 0 ? 'ok' : 'failed');
  process.stdout.write(
    `\n--- builds: ${build.code === 0 ? 'ok' : 'FAILED'} (${seconds(since)})\n${build.output}`,
  );
  if (build.code !== 0) return build.code;
  // --only: the builds are done; turbo would otherwise restore their outputs under the tests' feet.
  const rest = await run('pnpm', [...turbo, '//#typecheck', 'check:exports', '--only'], { quiet: true });
  process.stdout.write(
    `\n--- typecheck and package checks: ${rest.code === 0 ? 'ok' : 'FAILED'} (${seconds(since)})\n${rest.output}`,
  );
  return rest.code;
}

const [checksCode, tests] = await Promise.all([
  checks(),
  run('pnpm', ['exec', 'vitest', 'run'], { env: { ...process.env, TOLLGATE_TEST_BUILD_STATUS: statusFile } }),
]);
rmSync(statusDir, { recursive: true, force: true });
if (checksCode !== 0) process.stdout.write('\nThe builds, typecheck or package checks failed: see above.\n');
process.exit(checksCode !== 0 ? checksCode : tests.code);
