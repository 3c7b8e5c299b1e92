import { packageBuild } from '../../tsup.base.js';

// Three entries: `index` runs anywhere `fetch` does (browsers, Node >= 20); `node` adds file storage
// and the CLI runner; `cli` is the `tollgate` bin (its `#!/usr/bin/env node` line is kept by esbuild).
export default packageBuild({ entry: ['src/index.ts', 'src/node.ts', 'src/cli.ts'] });
