/**
 * The release the pending changesets make (`changeset status --output`, read-only): every published
 * package at one version (the fixed group), no private package in it, and no major bump that no
 * changeset asked for. changesets bumps a peer dependency's dependents by a major, and the fixed
 * group carries that to every package: the first release came out as 1.0.0 instead of 0.1.0 until
 * the config said `onlyUpdatePeerDependentsWhenOutOfRange` (see RELEASING.md).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

interface Plan {
  readonly changesets: readonly { releases: readonly { name: string; type: string }[] }[];
  readonly releases: readonly { name: string; type: string; oldVersion: string; newVersion: string }[];
}

function published(): string[] {
  const names: string[] = [];
  for (const dir of readdirSync(join(root, 'packages'))) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
    if (!manifest.private) names.push(manifest.name);
  }
  return names.sort();
}

describe('the pending release', () => {
  it('moves every published package to one version, private ones not at all, majors only when asked', {
    timeout: 60_000,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-release-plan-'));
    try {
      const file = join(dir, 'plan.json');
      execFileSync(
        process.execPath,
        [join(root, 'node_modules/@changesets/cli/bin.js'), 'status', '--output', file],
        {
          cwd: root,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      const plan = JSON.parse(readFileSync(file, 'utf8')) as Plan;
      const moving = plan.releases.filter((release) => release.type !== 'none');
      if (plan.changesets.length === 0) {
        expect(moving).toEqual([]);
        return;
      }
      expect(moving.map((release) => release.name).sort()).toEqual(published());
      expect(new Set(moving.map((release) => release.newVersion)).size).toBe(1);
      const askedMajor = plan.changesets.some((changeset) =>
        changeset.releases.some((r) => r.type === 'major'),
      );
      if (!askedMajor) {
        for (const release of moving) {
          expect(release.newVersion.split('.')[0], release.name).toBe(release.oldVersion.split('.')[0]);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
