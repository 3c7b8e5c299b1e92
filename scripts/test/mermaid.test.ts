// The sequence diagrams in the docs: Mermaid ends a message's text at a `;` or a `#` (the `;`
// separates statements, `#59;` is the escape), so a stray one breaks the whole diagram on GitHub.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const inDir = (dir: string, name = (file: string) => file.endsWith('.md')) =>
  readdirSync(join(ROOT, dir))
    .filter(name)
    .map((file) => join(dir, file));
const DOCS = [
  'README.md',
  ...inDir('docs'),
  ...['examples', 'packages'].flatMap((dir) =>
    readdirSync(join(ROOT, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) => inDir(join(dir, entry.name), (file) => file === 'README.md')),
  ),
];

/** Each ```mermaid block of a Markdown file: its first line number and its lines. */
function mermaidBlocks(markdown: string): { line: number; lines: string[] }[] {
  const blocks: { line: number; lines: string[] }[] = [];
  let current: { line: number; lines: string[] } | null = null;
  markdown.split('\n').forEach((text, index) => {
    if (current === null) {
      if (/^\s*```mermaid\s*$/.test(text)) current = { line: index + 2, lines: [] };
    } else if (/^\s*```\s*$/.test(text)) {
      blocks.push(current);
      current = null;
    } else current.lines.push(text);
  });
  return blocks;
}

/** Lines of a sequence diagram whose text has a `;` or `#` that is not an entity code (`#59;`). */
function strayCharacters(block: { line: number; lines: string[] }): string[] {
  if (!block.lines.some((text) => text.trim() === 'sequenceDiagram')) return [];
  return block.lines
    .map((text, index) => ({ text, line: block.line + index }))
    .filter(({ text }) => /[;#]/.test(text.replace(/#\w+;/g, '')))
    .map(({ text, line }) => `${line}: ${text.trim()}`);
}

describe('the Mermaid sequence diagrams in the docs', () => {
  it('hold no bare ; or # in their text (Mermaid would cut the message there)', () => {
    const found = DOCS.flatMap((file) =>
      mermaidBlocks(readFileSync(join(ROOT, file), 'utf8')).flatMap((block) =>
        strayCharacters(block).map((problem) => `${file}:${problem}`),
      ),
    );
    expect(found).toEqual([]);
  });

  it('draw each of the four schemes in docs/diagrams.md', () => {
    const markdown = readFileSync(join(ROOT, 'docs/diagrams.md'), 'utf8');
    for (const scheme of ['A', 'B', 'C', 'D']) {
      const section = markdown.split(new RegExp(`^## ${scheme}\\. `, 'm'))[1]?.split(/^## /m)[0] ?? '';
      expect(mermaidBlocks(section).length, `scheme ${scheme}`).toBeGreaterThan(0);
    }
  });

  it('finds a stray ; or # and lets entity codes through', () => {
    const block = (text: string) => ({ line: 1, lines: ['sequenceDiagram', text] });
    expect(strayCharacters(block('A->>B: Set-Cookie x=; Max-Age=0'))).toHaveLength(1);
    expect(strayCharacters(block('A->>B: issue #42'))).toHaveLength(1);
    expect(strayCharacters(block('A->>B: x=#59; Max-Age=0'))).toEqual([]);
  });
});
