import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from './helpers/internals.js';

describe('README error table', () => {
  it('lists every code of the catalogue with its status and message, and nothing else', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => [
      m[1],
      Number(m[2]),
      m[3],
    ]);
    const expected = Object.entries(ERROR_CATALOGUE).map(([code, { status, message }]) => [
      code,
      status,
      message,
    ]);
    expect(rows).toEqual(expected);
  });
});
