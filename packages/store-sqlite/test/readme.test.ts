import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const temp = tempDir();

afterAll(() => temp.remove());

/** The README's "Use" snippet, pointed at this checkout's sources. */
function snippet(): string {
  const readme = fs.readFileSync(path.join(packageDir, 'README.md'), 'utf8');
  const match = /^## Use\n[\s\S]*?^```ts\n([\s\S]*?)^```$/m.exec(readme);
  if (!match?.[1]) throw new Error('README.md has no ts snippet under "## Use"');
  return match[1]
    .replace("'@tollgate/store-sqlite'", `'${path.join(packageDir, 'src/index.ts')}'`)
    .replace("'@tollgate/core'", `'${path.join(packageDir, '../core/src/index.ts')}'`);
}

describe('README', () => {
  it('runs the "Use" snippet as written: seeds once, logs in, exits', async () => {
    const file = path.join(temp.dir, 'snippet.mts');
    fs.writeFileSync(file, snippet());
    const run = () =>
      promisify(execFile)(process.execPath, ['--conditions=dev-source', '--import', 'tsx', file], {
        cwd: packageDir,
        env: { ...process.env, TOLLGATE_DB: path.join(temp.dir, 'readme.db') },
        // Seeding hashes five passwords with the OWASP scrypt cost: room for a busy machine.
        timeout: 90_000,
      });
    expect((await run()).stdout).toBe('demo data seeded\naccess token expires in 3600 seconds\n');
    expect((await run()).stdout).toBe('directory already has data\naccess token expires in 3600 seconds\n');
  }, 180_000);
});
