// Bundles the portal into static files in dist/: index.html, portal-<hash>.js, portal-<hash>.css
// (and their source maps). Nothing is fetched: esbuild and the sources are all local.
// `pnpm --filter @tollgate/example-portal build`, or `buildPortal()` from a test's global setup.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const PORTAL_DIST = join(HERE, 'dist');

export interface BuiltPortal {
  readonly dir: string;
  /** The bundle's file names in `dir`, e.g. `portal-3KX2ZP4Q.js`. */
  readonly script: string;
  readonly stylesheet: string;
}

export async function buildPortal(outdir: string = PORTAL_DIST): Promise<BuiltPortal> {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: { portal: join(HERE, 'src/main.tsx') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    // The workspace's packages from their TypeScript sources (no build of @tollgate/client needed).
    conditions: ['dev-source'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    // Content-hashed names: the server may let browsers cache them for a year (index.html: no-cache).
    entryNames: '[name]-[hash]',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  let script: string | undefined;
  let stylesheet: string | undefined;
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (output.entryPoint === undefined) continue;
    script = basename(file);
    if (output.cssBundle !== undefined) stylesheet = basename(output.cssBundle);
  }
  if (script === undefined || stylesheet === undefined)
    throw new Error('esbuild wrote no script or no stylesheet');
  const template = await readFile(join(HERE, 'public/index.html'), 'utf8');
  const html = template
    .replace('%PORTAL_SCRIPT%', `./${script}`)
    .replace('%PORTAL_STYLESHEET%', `./${stylesheet}`);
  await writeFile(join(outdir, 'index.html'), html);
  return { dir: outdir, script, stylesheet };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await buildPortal();
  console.log(`portal built: ${built.dir} (${built.script}, ${built.stylesheet})`);
}
