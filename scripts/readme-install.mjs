// The README check of `check:exports` for its install lines: what a TypeScript app must install
// beside the package, read from the tarball itself. Required: the package, its peer dependencies
// (unless optional), and every module its type declarations import that it does not depend on;
// for a module whose types come from DefinitelyTyped (an `@types/` package among its dev
// dependencies), that `@types/` package.
import { builtinModules } from 'node:module';

/** The packages named by the README's `npm install` / `pnpm add` / `yarn add` lines. */
export function installedByReadme(markdown) {
  const names = new Set();
  for (const raw of markdown.split('\n')) {
    const line = raw.replace(/\s#.*$/, '').trim();
    const match = /^(?:npm (?:install|i|add)|pnpm (?:add|install|i)|yarn add)\s+(.*)$/.exec(line);
    if (!match) continue;
    for (const word of match[1].split(/\s+/)) {
      if (word === '' || word.startsWith('-')) continue;
      names.add(word.replace(/(?<=.)@[^/]*$/, '')); // no version: `pg@8` → `pg`
    }
  }
  return names;
}

/** The bare module specifiers that declaration files import (`from '…'`, `import('…')`, `require('…')`). */
export function declarationImports(texts) {
  const modules = new Set();
  for (const text of texts) {
    for (const match of text.matchAll(
      /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm,
    )) {
      const specifier = match[1];
      if (
        specifier.startsWith('.') ||
        specifier.startsWith('node:') ||
        builtinModules.includes(specifier.split('/')[0])
      )
        continue;
      const parts = specifier.split('/');
      modules.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
    }
  }
  return modules;
}

/** `@types/` name of a module: `pg` → `@types/pg`, `@koa/router` → `@types/koa__router`. */
function typesPackage(name) {
  return `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
}

/**
 * What the README's install lines leave out, as messages.
 * @param {string} markdown the README
 * @param {{ name: string, dependencies?: Record<string, string>, devDependencies?: Record<string, string>,
 *   peerDependencies?: Record<string, string>, peerDependenciesMeta?: Record<string, { optional?: boolean }> }} manifest
 * @param {readonly string[]} declarations the texts of the tarball's .d.ts / .d.cts files
 */
export function missingInstalls(markdown, manifest, declarations) {
  const installed = installedByReadme(markdown);
  const dependencies = manifest.dependencies ?? {};
  const dev = manifest.devDependencies ?? {};
  const missing = [];
  const need = (name, why) => {
    if (!installed.has(name) && !missing.some((entry) => entry.name === name)) missing.push({ name, why });
  };
  need(manifest.name, 'the package itself');
  for (const peer of Object.keys(manifest.peerDependencies ?? {})) {
    if (!manifest.peerDependenciesMeta?.[peer]?.optional) need(peer, 'a peer dependency');
  }
  for (const module of declarationImports(declarations)) {
    if (module === manifest.name || module in dependencies || typesPackage(module) in dependencies) continue;
    if (typesPackage(module) in dev) need(typesPackage(module), `its type declarations import ${module}`);
    else need(module, `its type declarations import ${module}`);
  }
  return missing;
}
