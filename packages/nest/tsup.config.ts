import { packageBuild } from '../../tsup.base.js';

// Nest's legacy decorators: esbuild takes `experimentalDecorators` from tsconfig.json.
export default packageBuild();
