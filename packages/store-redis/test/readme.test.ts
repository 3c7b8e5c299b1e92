import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { redisNamespaceFor } from '../src/index.js';
import { REDIS_URL } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const coreDir = path.join(packageDir, '../core');
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-redis-readme-'));
// The database the snippet's store stands for: one of its own each run, so its namespace is too.
const identity = { server: `readme-test-${randomUUID()}`, database: 'memory' };

afterAll(async () => {
  fs.rmSync(temp, { recursive: true, force: true });
  // The snippet's successful login leaves a (zero) counter under its namespace.
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${redisNamespaceFor(identity)}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
});

/** The README's "Use" snippet, pointed at this checkout's sources. */
function snippet(): string {
  const readme = fs.readFileSync(path.join(packageDir, 'README.md'), 'utf8');
  const match = /^## Use\n[\s\S]*?^```ts\n([\s\S]*?)^```$/m.exec(readme);
  if (!match?.[1]) throw new Error('README.md has no ts snippet under "## Use"');
  const code = match[1]
    .replace("'@tollgate/store-redis'", `'${path.join(packageDir, 'src/index.ts')}'`)
    .replace("'@tollgate/core'", `'${path.join(coreDir, 'src/index.ts')}'`)
    .replace("'ioredis'", `'${createRequire(import.meta.url).resolve('ioredis')}'`);
  expect(code).not.toMatch(/from '(@tollgate\/|ioredis')/);
  return code;
}

// What the snippet's `./stores.js` stands for: memory stores with the demo data, shaped as a
// PostgreSQL store (tokens, users, signingKeys, identity, close); its keys in a file beside it.
const stores = `
import { createScryptPasswordHasher, fileKeyStore } from '${path.join(coreDir, 'src/index.ts')}';
import { createMemoryTokenStore, createMemoryUserDirectory, demoData } from '${path.join(coreDir, 'src/testing/index.ts')}';
export const store = {
  tokens: createMemoryTokenStore(),
  users: await createMemoryUserDirectory(demoData, {
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
  }),
  signingKeys: fileKeyStore(new URL('./signing-keys.json', import.meta.url).pathname),
  identity: ${JSON.stringify(identity)},
  close: async () => {},
};
`;

describe('README', () => {
  it('runs the "Use" snippet as written: logs in through the Redis limiter, then exits cleanly on SIGTERM', async () => {
    fs.writeFileSync(path.join(temp, 'package.json'), '{ "type": "module" }'); // for stores.ts
    fs.writeFileSync(path.join(temp, 'stores.ts'), stores);
    const file = path.join(temp, 'snippet.mts');
    fs.writeFileSync(file, snippet());
    const child = spawn(process.execPath, ['--conditions=dev-source', '--import', 'tsx', file], {
      cwd: packageDir,
      env: { ...process.env, REDIS_URL },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // A moment later: the snippet installs its SIGTERM handler right after printing.
      if (stdout.endsWith('\n')) setTimeout(() => child.kill('SIGTERM'), 200);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // The SIGTERM handler closes everything it opened: the process must then exit by itself.
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    clearTimeout(killer);
    expect({ stdout, stderr, code, signal }).toEqual({
      stdout: 'logged in as bob@acme.test\n',
      stderr: '',
      code: 0,
      signal: null,
    });
    // Its counters were kept under the namespace of its database.
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.keys(`${redisNamespaceFor(identity)}:tollgate:login:account:*`)).toHaveLength(1);
    } finally {
      redis.disconnect();
    }
  }, 30_000);
});
