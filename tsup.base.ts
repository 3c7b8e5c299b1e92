import { defineConfig, type Options } from 'tsup';

/**
 * How every publishable package builds: ESM and CJS with declarations, for Node 20.
 *
 * The declarations are emitted without a second type check (`noCheck`): the typecheck
 * (`pnpm typecheck`, which `pnpm test` and `pnpm release` run first) checks every source file.
 * Same declaration files, a fifth less of the build's time.
 */
export function packageBuild(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { noCheck: true } },
    sourcemap: true,
    clean: true,
    target: 'node20',
    ...overrides,
  });
}
