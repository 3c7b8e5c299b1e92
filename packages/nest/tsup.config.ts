import { defineConfig } from 'tsup';

// Nest's legacy decorators: esbuild takes `experimentalDecorators` from tsconfig.json.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
