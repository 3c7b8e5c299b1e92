import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Inline the demo data: esbuild drops `with { type: 'json' }` for node20, and Node's ESM loader
  // refuses a JSON import without it.
  noExternal: ['@tollgate/core/demo-data.json'],
});
