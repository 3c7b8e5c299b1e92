import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, without declarations
import { brokenReadmeLinks } from '../readme-links.mjs';

const broken = brokenReadmeLinks as (
  markdown: string,
  files: readonly string[],
) => { line: number; target: string }[];

const scripts = join(import.meta.dirname, '..');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('brokenReadmeLinks', () => {
  const files = ['package.json', 'README.md', 'dist/index.js', 'docs/guide.md'];

  it('accepts absolute URLs, anchors and files the tarball holds', () => {
    const markdown = [
      '[site](https://example.com/x) [mail](mailto:a@b.c) [up](#install)',
      '[guide](docs/guide.md#part) [dir](./docs/) [entry](<dist/index.js>) [title](docs/guide.md "Guide")',
      '<a href="docs/guide.md">guide</a>',
      '[ref]: ./docs/guide.md',
    ].join('\n');
    expect(broken(markdown, files)).toEqual([]);
  });

  it('reports relative links outside the package or to files not packed, with their line', () => {
    const markdown = [
      '# Title',
      'See [core](../core) and [docs](../../docs/http.md).',
      '[missing](docs/other.md) ![logo](logo.png) [root](/docs/guide.md)',
      '<img src="img/a.svg">',
      '[ref]: CONTRIBUTING.md',
    ].join('\n');
    expect(broken(markdown, files)).toEqual([
      { line: 2, target: '../core' },
      { line: 2, target: '../../docs/http.md' },
      { line: 3, target: 'docs/other.md' },
      { line: 3, target: 'logo.png' },
      { line: 3, target: '/docs/guide.md' },
      { line: 4, target: 'img/a.svg' },
      { line: 5, target: 'CONTRIBUTING.md' },
    ]);
  });

  it('ignores link syntax in code', () => {
    const markdown = ['```ts', 'const a = x[0](y); // [b](../c)', '```', 'Call `f[0](../x)` first.'].join(
      '\n',
    );
    expect(broken(markdown, files)).toEqual([]);
  });
});

// check-exports.mjs itself, on a package whose README links to a file it does not pack: it packs
// the package and fails before publint and attw, naming the link.
describe('check-exports.mjs', () => {
  it('fails on a README link to a file missing from the tarball, and on missing install lines', {
    timeout: 120_000,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-check-readme-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'index.js'), 'export const x = 1;\n');
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'readme-fixture',
        version: '1.0.0',
        type: 'module',
        exports: './dist/index.js',
        files: ['dist'],
      }),
    );
    writeFileSync(join(dir, 'NOTES.md'), 'not packed\n');
    writeFileSync(
      join(dir, 'README.md'),
      '# Fixture\n\nSee [the notes](NOTES.md) and [dist](dist/index.js).\n',
    );
    const result = spawnSync(process.execPath, [join(scripts, 'check-exports.mjs')], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain('README.md:3: the link NOTES.md points at no file in the tarball');
    expect(result.stderr).not.toContain('dist/index.js');
    // And its install lines: it has none, so none names the package.
    expect(result.stderr).toContain('README.md: no install line names readme-fixture (the package itself)');
  });
});
