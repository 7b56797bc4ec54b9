// Prints the install size of a node_modules folder (the sum of its files' sizes, as npm's
// "unpackedSize" counts them) and its largest packages. Fails when a package that must not be
// installed is there.
//
//   node install-size.mjs <node_modules> [--forbid <package> ...]
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [folder, ...rest] = process.argv.slice(2);
const forbidden = rest.filter((_, i) => rest[i - 1] === '--forbid');

function sizeOf(path) {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.isFile() ? stat.size : 0;
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0);
}

/** Top-level packages of node_modules (scoped ones as `@scope/name`), with their sizes. */
function packages(root) {
  const out = [];
  for (const entry of readdirSync(root)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const name of readdirSync(join(root, entry))) out.push({ name: `${entry}/${name}`, bytes: sizeOf(join(root, entry, name)) });
    } else {
      out.push({ name: entry, bytes: sizeOf(join(root, entry)) });
    }
  }
  return out.sort((a, b) => b.bytes - a.bytes);
}

const list = packages(folder);
const total = sizeOf(folder);
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
console.log(`install size: ${mb(total)} in ${list.length} top-level packages; largest:`);
for (const { name, bytes } of list.slice(0, 8)) console.log(`  ${mb(bytes).padStart(9)}  ${name}`);
const present = forbidden.filter((name) => list.some((p) => p.name === name));
if (present.length > 0) {
  console.error(`installed although nothing may depend on it: ${present.join(', ')}`);
  process.exit(1);
}
