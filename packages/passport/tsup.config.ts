import { packageBuild } from '../../tsup.base.js';

// `express-user` holds only a global type augmentation (opt-in: `@tollgate/passport/express-user`).
export default packageBuild({ entry: ['src/index.ts', 'src/express-user.ts'] });
