// In this workspace only: @tollgate/store-sqlite's optional peer better-sqlite3 is not filled in
// from the root (pnpm would make it a required dependency of the project, and every install on
// Node 26, which better-sqlite3 12 refuses, would stop). The root's optional better-sqlite3 is the
// one store-sqlite's sources find on Node 20; published, the package keeps its optional peer.
module.exports = {
  hooks: {
    readPackage(pkg) {
      if (pkg.name === '@tollgate/store-sqlite') {
        delete pkg.peerDependencies?.['better-sqlite3'];
        delete pkg.peerDependenciesMeta?.['better-sqlite3'];
      }
      return pkg;
    },
  },
};
