/**
 * The README's "Use" snippet in the project `nest new` makes: CommonJS, compiled by plain `tsc`
 * (`module: commonjs`, so `moduleResolution: node10`, and `emitDecoratorMetadata`), against the
 * packages as they are published (their `dist`, through `main`/`types`), then run by Node. A snippet
 * with a top-level `await` fails here with TS1378.
 *
 * Needs the built packages: `pnpm exec turbo run build --filter=@tollgate/nest...
 * --filter=@tollgate/store-sqlite` (`pnpm test` builds them beside the tests, which wait for them).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, DETAIL_MISSING, ETHAN, jwt } from '@tollgate/test-kit';
import { BUILD_WAIT_MS, whenBuilt } from '@tollgate/test-kit/built';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const root = path.join(packageDir, '../..');
const readme = fs.readFileSync(path.join(packageDir, 'README.md'), 'utf8');
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-nest-cjs-'));
let child: ChildProcess | undefined;

beforeAll(() => whenBuilt(), BUILD_WAIT_MS);
afterAll(() => {
  child?.kill();
  fs.rmSync(temp, { recursive: true, force: true });
});

/** The directory of a package installed for this one (its dev dependencies). */
function packageRoot(name: string): string {
  return fs.realpathSync(path.join(packageDir, 'node_modules', name));
}

/** A CommonJS app: package.json without "type", the tsconfig of `nest new`, node_modules linked. */
function project(): void {
  const links: Record<string, string> = {
    '@tollgate/core': path.join(root, 'packages/core'),
    '@tollgate/nest': packageDir,
    '@tollgate/store-sqlite': path.join(root, 'packages/store-sqlite'),
    '@nestjs/common': packageRoot('@nestjs/common'),
    '@nestjs/core': packageRoot('@nestjs/core'),
    '@nestjs/platform-express': packageRoot('@nestjs/platform-express'),
    'reflect-metadata': packageRoot('reflect-metadata'),
    rxjs: packageRoot('rxjs'),
    '@types/node': path.join(root, 'node_modules/@types/node'),
  };
  for (const name of ['core', 'nest', 'store-sqlite']) {
    const dist = path.join(root, 'packages', name, 'dist/index.cjs');
    if (!fs.existsSync(dist))
      throw new Error(`${dist} is missing: build the packages first (see the top of this file)`);
  }
  for (const [name, target] of Object.entries(links)) {
    const link = path.join(temp, 'node_modules', name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(target, link, 'dir');
  }
  fs.writeFileSync(path.join(temp, 'package.json'), JSON.stringify({ name: 'nest-app', private: true }));
  fs.writeFileSync(
    path.join(temp, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'commonjs',
        declaration: true,
        removeComments: true,
        emitDecoratorMetadata: true,
        experimentalDecorators: true,
        allowSyntheticDefaultImports: true,
        target: 'ES2023',
        sourceMap: true,
        outDir: './dist',
        skipLibCheck: true,
        strictNullChecks: true,
        forceConsistentCasingInFileNames: true,
        noImplicitAny: false,
        types: ['node'],
      },
      include: ['src'],
    }),
  );
  const match = /^## Use\n[\s\S]*?^```ts\n([\s\S]*?)^```$/m.exec(readme);
  if (!match?.[1]) throw new Error('README.md has no ts snippet under "## Use"');
  fs.mkdirSync(path.join(temp, 'src'));
  fs.writeFileSync(path.join(temp, 'src/main.ts'), match[1]);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('README in a CommonJS Nest project', () => {
  it('compiles with tsc (module: commonjs) and serves what it says', { timeout: 120_000 }, async () => {
    project();
    const tsc = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', temp],
      {
        cwd: temp,
        encoding: 'utf8',
      },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    const compiled = fs.readFileSync(path.join(temp, 'dist/main.js'), 'utf8');
    expect(compiled).toContain('require("@tollgate/nest")');

    const port = await freePort();
    const proc = spawn(process.execPath, ['dist/main.js'], {
      cwd: temp,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let output = '';
    const listening = await new Promise<string>((resolve, reject) => {
      proc.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const line = /^listening on .*$/m.exec(output);
        if (line) resolve(line[0]);
      });
      proc.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      proc.on('exit', (code) => reject(new Error(`the app exited (${code}): ${output}`)));
    });
    expect(listening).toBe(`listening on http://localhost:${port}`);

    const url = `http://127.0.0.1:${port}`;
    const scans = await call(`${url}/api/v2/scans/download`, {
      headers: { authorization: `JWT ${await jwt(url, ETHAN)}` },
    });
    expect(scans.status).toBe(200);
    expect(JSON.parse(scans.text)).toEqual({ scans: [], for: ETHAN.username });
    const missing = await call(`${url}/api/v2/scans/download`);
    expect([missing.status, missing.text]).toEqual([401, DETAIL_MISSING]);
  });
});
