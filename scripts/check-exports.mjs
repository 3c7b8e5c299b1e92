// A package's `check:exports`: packs it once (`pnpm pack`, as `pnpm publish` would: workspace
// versions resolved), then runs `publint --strict` and `attw --profile node16` on that tarball.
// Before, publint packed the package itself and attw ran `npm pack` again: two packs per package.
// Run from the package's folder (`pnpm run check:exports`); exits non-zero if either check fails.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-check-exports-'));
try {
  execFileSync('pnpm', ['pack', '--pack-destination', temp], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [tarball, ...others] = fs.readdirSync(temp).filter((file) => file.endsWith('.tgz'));
  if (!tarball || others.length > 0) throw new Error(`expected one tarball in ${temp}`);
  const file = path.join(temp, tarball);
  for (const [command, ...args] of [
    ['publint', '--strict', file],
    ['attw', file, '--profile', 'node16'],
  ]) {
    const { status, error } = spawnSync(command, args, { stdio: 'inherit' });
    if (error) throw error;
    if (status !== 0) {
      process.exitCode = status ?? 1;
      break;
    }
  }
} finally {
  fs.rmSync(temp, { recursive: true, force: true });
}
