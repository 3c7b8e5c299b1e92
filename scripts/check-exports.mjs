// A package's `check:exports`: packs it once (`pnpm pack`, as `pnpm publish` would: workspace
// versions resolved), then checks that tarball: every relative link of its README points at a file
// in the tarball (npm shows the README without the repository around it), `publint --strict`, and
// `attw` with its default (strict) profile: node10 too, for the TypeScript projects that still
// resolve that way (subpath exports need `typesVersions` there).
// Run from the package's folder (`pnpm run check:exports`); exits non-zero if any check fails.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brokenReadmeLinks } from './readme-links.mjs';

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-check-exports-'));
try {
  execFileSync('pnpm', ['pack', '--pack-destination', temp], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [tarball, ...others] = fs.readdirSync(temp).filter((file) => file.endsWith('.tgz'));
  if (!tarball || others.length > 0) throw new Error(`expected one tarball in ${temp}`);
  const file = path.join(temp, tarball);
  const broken = readmeProblems(file);
  if (broken.length > 0) {
    for (const line of broken) console.error(line);
    process.exitCode = 1;
  } else {
    for (const [command, ...args] of [
      ['publint', '--strict', file],
      ['attw', file],
    ]) {
      const { status, error } = spawnSync(command, args, { stdio: 'inherit' });
      if (error) throw error;
      if (status !== 0) {
        process.exitCode = status ?? 1;
        break;
      }
    }
  }
} finally {
  fs.rmSync(temp, { recursive: true, force: true });
}

/** The README's relative links that point at nothing in the tarball, one message each. */
function readmeProblems(tarballPath) {
  const entries = execFileSync('tar', ['-tzf', tarballPath], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ''));
  const readme = entries.find((entry) => /^readme\.md$/i.test(entry));
  if (!readme) return [`${tarballPath}: no README.md in the tarball`];
  const text = execFileSync('tar', ['-xzOf', tarballPath, `package/${readme}`], { encoding: 'utf8' });
  return brokenReadmeLinks(text, entries).map(
    ({ line, target }) =>
      `README.md:${line}: the link ${target} points at no file in the tarball: make it an absolute URL or add the file to "files"`,
  );
}
