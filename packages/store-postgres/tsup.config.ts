import { packageBuild } from '../../tsup.base.js';

// Inline the demo data: esbuild drops `with { type: 'json' }` for node20, and Node's ESM loader
// refuses a JSON import without it.
export default packageBuild({ noExternal: ['@tollgate/core/demo-data.json'] });
