import { defineConfig, type Options } from 'tsup';

/** How every publishable package builds: ESM and CJS with declarations, for Node 20. */
export function packageBuild(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    ...overrides,
  });
}
