import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { AVA, BOB, DOMAIN_ADMIN, ETHAN, ROOT } from './demo.js';

const PASSWORDS = [ETHAN, AVA, BOB, DOMAIN_ADMIN, ROOT].map((account) => account.password);

/**
 * Everything an example's `src/main.ts` prints from its start to its exit: it is stopped (SIGTERM)
 * once it has printed `listening on` and its banner, whose last line names `/openapi.json`.
 */
export function startupOutput(exampleDir: string, env: Readonly<Record<string, string>>): Promise<string> {
  const { TOLLGATE_DATABASE_URL: _db, TOLLGATE_REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--conditions=dev-source', '--import', 'tsx', 'src/main.ts'], {
    cwd: exampleDir,
    env: { ...inherited, PORT: '0', TOLLGATE_DB: ':memory:', TOLLGATE_SIGNING_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    let stopping = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!stopping && output.includes('listening on http://') && output.includes('/openapi.json\n')) {
        stopping = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', () =>
      stopping ? resolve(output) : reject(new Error(`exited before its banner:\n${output}`)),
    );
  });
}

/**
 * The example's start-up banner: in production (`NODE_ENV=production`) no demo password; outside
 * it, how to try the demo accounts (the check that the banner was read at all).
 */
export function defineStartupBanner(exampleDir: string, options: { development?: boolean } = {}): void {
  it('in production the start-up banner prints no demo password', async () => {
    const output = await startupOutput(exampleDir, { NODE_ENV: 'production' });
    expect(output).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toContain('/openapi.json');
    for (const password of PASSWORDS) expect(output).not.toContain(password);
  }, 120_000);

  if (options.development) {
    it('outside production it shows how to try the demo accounts', async () => {
      const output = await startupOutput(exampleDir, { NODE_ENV: 'development' });
      expect(output).toContain(ETHAN.password);
    }, 120_000);
  }
}
