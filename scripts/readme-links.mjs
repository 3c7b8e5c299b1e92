// The README checks of `check:exports`: which relative links of a README point at nothing that
// the package's tarball holds. npm shows the README alone, so `../core` or `docs/x.md` must be an
// absolute URL unless the file ships. Links in code (fenced or inline) are not links.
import path from 'node:path';

/**
 * @param {string} markdown the README's text
 * @param {readonly string[]} files the tarball's paths, relative to the package root
 * @returns {{ line: number, target: string }[]}
 */
export function brokenReadmeLinks(markdown, files) {
  const broken = [];
  let fence = null;
  markdown.split('\n').forEach((raw, index) => {
    const fenceMark = /^\s*(`{3,}|~{3,})/.exec(raw);
    if (fenceMark) {
      if (fence === null) fence = fenceMark[1][0];
      else if (fenceMark[1][0] === fence) fence = null;
      return;
    }
    if (fence !== null) return;
    const line = raw.replace(/`[^`]*`/g, '');
    const targets = [
      ...[...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g)].map((match) => match[1]),
      ...[...line.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/g)].map((match) => match[1]),
      ...[...line.matchAll(/\s(?:href|src)\s*=\s*["']([^"']+)["']/gi)].map((match) => match[1]),
    ];
    for (const target of targets) {
      if (!isShipped(target, files)) broken.push({ line: index + 1, target });
    }
  });
  return broken;
}

function isShipped(target, files) {
  if (/^[a-z][a-z\d+.-]*:/i.test(target) || target.startsWith('#') || target.startsWith('//')) return true;
  const bare = decodeURI(target.split(/[?#]/, 1)[0]);
  if (bare.startsWith('/')) return false; // root-relative: means the repository root on GitHub, nothing on npm
  const normal = path.posix.normalize(bare).replace(/\/$/, '');
  if (normal === '.') return true;
  if (normal.startsWith('../')) return false;
  return files.some((file) => file === normal || file.startsWith(`${normal}/`));
}
