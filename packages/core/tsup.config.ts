import { packageBuild } from '../../tsup.base.js';

export default packageBuild({
  entry: {
    index: 'src/index.ts',
    http: 'src/http/index.ts',
    node: 'src/node.ts',
    testing: 'src/testing/index.ts',
  },
});
