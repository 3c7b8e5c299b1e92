import { packageBuild } from '../../tsup.base.js';

// shims: the CJS build gets a real import.meta.url, from which the optional better-sqlite3 is resolved.
export default packageBuild({ shims: true });
