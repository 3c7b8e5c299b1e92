import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, testSchemas } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-postgres-'));
const schemas = testSchemas();

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await schemas.dropAll();
});

/** The README's "Use" snippet, pointed at this checkout's sources. */
function snippet(): string {
  const readme = fs.readFileSync(path.join(packageDir, 'README.md'), 'utf8');
  const match = /^## Use\n[\s\S]*?^```ts\n([\s\S]*?)^```$/m.exec(readme);
  if (!match?.[1]) throw new Error('README.md has no ts snippet under "## Use"');
  return match[1]
    .replace("'@tollgate/store-postgres'", `'${path.join(packageDir, 'src/index.ts')}'`)
    .replace("'@tollgate/core'", `'${path.join(packageDir, '../core/src/index.ts')}'`);
}

describe('README', () => {
  it('runs the "Use" snippet as written: seeds once, logs in, exits', async () => {
    const file = path.join(dir, 'snippet.mts');
    fs.writeFileSync(file, snippet());
    const run = () =>
      promisify(execFile)(process.execPath, ['--conditions=dev-source', '--import', 'tsx', file], {
        cwd: packageDir,
        env: { ...process.env, DATABASE_URL, TOLLGATE_SCHEMA: schemas.base },
        timeout: 30_000,
      });
    expect((await run()).stdout).toBe('demo data seeded\naccess token expires in 3600 seconds\n');
    expect((await run()).stdout).toBe('directory already has data\naccess token expires in 3600 seconds\n');
  }, 60_000);
});
