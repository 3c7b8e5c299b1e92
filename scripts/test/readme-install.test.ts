import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, without declarations
import * as install from '../readme-install.mjs';

type Manifest = {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
const { installedByReadme, missingInstalls } = install as {
  installedByReadme: (markdown: string) => Set<string>;
  missingInstalls: (
    markdown: string,
    manifest: Manifest,
    declarations: readonly string[],
  ) => { name: string }[];
};

const manifest: Manifest = {
  name: '@tollgate/express',
  dependencies: { '@tollgate/core': 'workspace:^' },
  peerDependencies: { express: '^5', '@tollgate/store-sqlite': '*' },
  peerDependenciesMeta: { '@tollgate/store-sqlite': { optional: true } },
  devDependencies: { '@types/express': '^5', tsx: '4' },
};
const declarations = [
  "import { Principal } from '@tollgate/core';\nimport { RequestHandler } from 'express';\nimport type { Server } from 'node:http';\nimport { EventEmitter } from 'events';",
  "export declare function x(): import('express-serve-static-core').Request;",
];

describe('README install lines', () => {
  it('reads npm install, pnpm add and yarn add lines, without flags, versions or comments', () => {
    const readme = [
      '```sh',
      'npm install @tollgate/core @tollgate/express express@5',
      'npm install -D @types/express   # TypeScript: pg too',
      'pnpm add better-sqlite3',
      'yarn add @scope/pkg@^1',
      '```',
    ].join('\n');
    expect([...installedByReadme(readme)].sort()).toEqual(
      [
        '@scope/pkg',
        '@tollgate/core',
        '@tollgate/express',
        '@types/express',
        'better-sqlite3',
        'express',
      ].sort(),
    );
  });

  it('asks for the package, its required peers, and what its declarations import (their @types)', () => {
    const without = '```sh\nnpm install @tollgate/core\n```';
    expect(missingInstalls(without, manifest, declarations).map(({ name }) => name)).toEqual([
      '@tollgate/express',
      'express',
      '@types/express',
      'express-serve-static-core',
    ]);
    const complete =
      '```sh\nnpm install @tollgate/express express express-serve-static-core\nnpm install -D @types/express\n```';
    expect(missingInstalls(complete, manifest, declarations)).toEqual([]);
  });
});
