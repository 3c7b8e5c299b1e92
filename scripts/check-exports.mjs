// A package's `check:exports`: packs it once (`pnpm pack`, as `pnpm publish` would: workspace
// versions resolved), then checks that tarball: every relative link of its README points at a file
// in the tarball (npm shows the README without the repository around it), its install lines name
// what a TypeScript app needs (peers, modules the declarations import, their @types), `publint --strict`, and
// `attw` with its default (strict) profile: node10 too, for the TypeScript projects that still
// resolve that way (subpath exports need `typesVersions` there).
// Run from the package's folder (`pnpm run check:exports`); exits non-zero if any check fails.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { missingInstalls } from './readme-install.mjs';
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

/** What the README gets wrong about the tarball: links to files it lacks, packages its install lines omit. */
function readmeProblems(tarballPath) {
  const unpacked = path.join(temp, 'unpacked');
  fs.mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', tarballPath, '-C', unpacked]);
  const root = path.join(unpacked, 'package');
  const entries = fs.readdirSync(root, { recursive: true }).map((entry) => entry.split(path.sep).join('/'));
  const readme = entries.find((entry) => /^readme\.md$/i.test(entry));
  if (!readme) return [`${tarballPath}: no README.md in the tarball`];
  const text = fs.readFileSync(path.join(root, readme), 'utf8');
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const declarations = entries
    .filter((entry) => /\.d\.[cm]?ts$/.test(entry))
    .map((entry) => fs.readFileSync(path.join(root, entry), 'utf8'));
  return [
    ...brokenReadmeLinks(text, entries).map(
      ({ line, target }) =>
        `README.md:${line}: the link ${target} points at no file in the tarball: make it an absolute URL or add the file to "files"`,
    ),
    ...missingInstalls(text, manifest, declarations).map(
      ({ name, why }) => `README.md: no install line names ${name} (${why})`,
    ),
  ];
}
