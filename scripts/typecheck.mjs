// Type-checks every TypeScript project of the workspace in one process, as `tsc --noEmit -p` would
// one by one, at a fraction of the cost:
//  - every tsconfig is its own program (its own options, its own files, its own augmentations);
//  - programs share parsed and bound source files (lib, @types and workspace sources are read once
//    per set of source-affecting options, through TypeScript's document registry, as tsserver does);
//  - a workspace file is checked in the programs of its own package; a program that merely imports
//    another package's sources (the `dev-source` export condition) does not check them again, since
//    that package's own program does. Files no project lists (a shared config module) are checked
//    wherever they are loaded.
// Usage: node scripts/typecheck.mjs [--full] [--verbose] [project dirs or tsconfig paths...]
//   --full checks every file of every program (exactly `tsc --noEmit`; slower);
//   --verbose prints each program's size and time.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const full = args.includes('--full');
const verbose = args.includes('--verbose');
const only = args.filter((arg) => !arg.startsWith('--')).map((arg) => path.resolve(arg));

/** Every tsconfig*.json of the workspace's packages, and of their test/.type-tests folders. */
function workspaceConfigs() {
  const dirs = [];
  for (const group of ['packages', 'examples']) {
    for (const name of fs.readdirSync(path.join(root, group)).sort()) dirs.push(path.join(root, group, name));
  }
  dirs.push(path.join(root, 'bench'));
  const configs = [];
  for (const dir of dirs) {
    for (const sub of ['', 'test/.type-tests']) {
      const at = path.join(dir, sub);
      if (!fs.existsSync(at)) continue;
      for (const file of fs.readdirSync(at).sort()) {
        if (/^tsconfig(\..+)?\.json$/.test(file)) configs.push(path.join(at, file));
      }
    }
  }
  return configs;
}

function selected(configs) {
  if (only.length === 0) return configs;
  return configs.filter((config) =>
    only.some((want) => config === want || path.dirname(config) === want || config.startsWith(`${want}/`)),
  );
}

const formatHost = {
  getCurrentDirectory: () => root,
  getCanonicalFileName: (file) => file,
  getNewLine: () => '\n',
};

const registry = ts.createDocumentRegistry(true, root);
const texts = new Map();
function readText(file) {
  let text = texts.get(file);
  if (text === undefined) {
    text = ts.sys.readFile(file);
    if (text !== undefined) texts.set(file, text);
  }
  return text;
}

function hostFor(options) {
  const host = ts.createCompilerHost(options, true);
  host.readFile = readText;
  host.getSourceFile = (fileName, languageVersionOrOptions) => {
    const text = readText(fileName);
    if (text === undefined) return undefined;
    const sourceFileOptions =
      typeof languageVersionOrOptions === 'object'
        ? languageVersionOrOptions
        : { languageVersion: languageVersionOrOptions };
    return registry.acquireDocument(
      fileName,
      options,
      ts.ScriptSnapshot.fromString(text),
      '1',
      ts.ScriptKind.Unknown,
      sourceFileOptions,
    );
  };
  return host;
}

/** The package folder (nearest package.json) of a file. */
const packageOfCache = new Map();
function packageOf(file) {
  const dir = path.dirname(file);
  let found = packageOfCache.get(dir);
  if (found === undefined) {
    found = fs.existsSync(path.join(dir, 'package.json')) || dir === root ? dir : packageOf(dir);
    packageOfCache.set(dir, found);
  }
  return found;
}

const configs = selected(workspaceConfigs());
const parsed = configs.map((config) => {
  const result = ts.getParsedCommandLineOfConfigFile(
    config,
    { noEmit: true },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.formatDiagnostic(diagnostic, formatHost));
      },
    },
  );
  if (!result) throw new Error(`cannot read ${config}`);
  return { config, result };
});

// Files the selected projects list as their own (include/files): each is checked in its project's
// program. A file none lists is checked in every program that loads it.
const listed = new Set(parsed.flatMap(({ result }) => result.fileNames.map((file) => path.resolve(file))));

let errors = 0;
const started = performance.now();
for (const { config, result } of parsed) {
  const t0 = performance.now();
  const program = ts.createProgram({
    rootNames: result.fileNames,
    options: result.options,
    projectReferences: result.projectReferences,
    host: hostFor(result.options),
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(result),
  });
  const configPackage = packageOf(config);
  const own = new Set(result.fileNames.map((file) => path.resolve(file)));
  const diagnostics = [
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
  ];
  let checked = 0;
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile) continue;
    const name = path.resolve(file.fileName);
    const mine = full || own.has(name) || packageOf(name) === configPackage || !listed.has(name);
    if (!mine) continue;
    checked++;
    diagnostics.push(...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file));
  }
  const sorted = ts.sortAndDeduplicateDiagnostics(diagnostics);
  errors += sorted.filter((d) => d.category === ts.DiagnosticCategory.Error).length;
  if (sorted.length > 0) {
    const format = process.stderr.isTTY ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
    process.stderr.write(format(sorted, formatHost));
  }
  if (verbose) {
    process.stderr.write(
      `${path.relative(root, config)}: ${program.getSourceFiles().length} files, ${checked} checked, ${Math.round(performance.now() - t0)} ms\n`,
    );
  }
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`typecheck: ${parsed.length} projects, ${errors} error(s), ${seconds}s`);
process.exitCode = errors > 0 ? 1 : 0;
