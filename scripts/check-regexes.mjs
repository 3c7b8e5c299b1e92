#!/usr/bin/env node
/**
 * Flags super-linear regular expressions (ReDoS) in the sources: every regex literal and every
 * `RegExp(...)` / `new RegExp(...)` with a literal pattern under packages/*\/src and examples/*\/src,
 * checked by recheck's automaton analysis (deterministic: no fuzzing, no timing; its native binary
 * where there is one, else its pure JavaScript build). A `RegExp` built
 * from a non-literal pattern cannot be checked and is refused too, unless the line before it says
 * `// regex-checked: <why its pattern is safe>`. Run by `pnpm run lint`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const { checkSync } = require('recheck');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['packages', 'examples'].flatMap((group) =>
  readdirSync(path.join(ROOT, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(ROOT, group, entry.name, 'src')),
);
const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/;

function* sourceFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') yield* sourceFiles(full);
    else if (entry.isFile() && SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) yield full;
  }
}

const literalText = (node) =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;

/** Every regex of a file: `{ line, source, flags }`, or `{ line, dynamic: true }` for a pattern built at run time. */
function regexesOf(file) {
  const text = readFileSync(file, 'utf8');
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const lineOf = (node) => sourceFile.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const literal = node.getText();
      const end = literal.lastIndexOf('/');
      found.push({ line: lineOf(node), source: literal.slice(1, end), flags: literal.slice(end + 1) });
    } else if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'RegExp'
    ) {
      const [pattern, flags] = node.arguments ?? [];
      const source = literalText(pattern);
      const line = lineOf(node);
      const previous = text.split('\n')[line - 2] ?? '';
      if (source !== undefined) found.push({ line, source, flags: literalText(flags) ?? '' });
      else if (!previous.includes('regex-checked:')) found.push({ line, dynamic: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

const problems = [];
let checked = 0;
for (const dir of SOURCE_DIRS) {
  for (const file of sourceFiles(dir)) {
    for (const regex of regexesOf(file)) {
      const where = `${path.relative(ROOT, file)}:${regex.line}`;
      if (regex.dynamic) {
        problems.push(
          `${where}: a RegExp built at run time cannot be checked (say why it is safe: // regex-checked: …)`,
        );
        continue;
      }
      checked++;
      const result = checkSync(regex.source, regex.flags, { checker: 'automaton', timeout: null });
      if (result.status === 'vulnerable') {
        const attack = result.attack?.pattern ?? '';
        problems.push(
          `${where}: /${regex.source}/${regex.flags} is ${result.complexity.summary} (attack: ${attack})`,
        );
      } else if (result.status === 'unknown') {
        problems.push(
          `${where}: /${regex.source}/${regex.flags} could not be checked (${result.error?.kind ?? result.error})`,
        );
      }
    }
  }
}

if (problems.length > 0) {
  console.error(
    `Super-linear or unchecked regular expressions (ReDoS):\n${problems.map((p) => `  ${p}`).join('\n')}`,
  );
  process.exit(1);
}
console.log(`check-regexes: ${checked} regular expressions, all linear`);
