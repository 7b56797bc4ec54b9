#!/usr/bin/env node
// Packs every publishable package of the workspace (`npm pack`, lifecycle scripts included) into a
// folder, prints each tarball's packed and unpacked size, and checks that each tarball holds what
// the package needs and nothing else. Exits 1 on any violation, naming the package and the file.
//
//   node scripts/ci/packed-install/pack.mjs <repository root> <tarball folder>
//
// Writes <tarball folder>/packages.json: [{ name, version, tarball, packedBytes, unpackedBytes, files }].
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [root, outDir] = process.argv.slice(2);
if (!root || !outDir) {
  console.error('usage: node pack.mjs <repository root> <tarball folder>');
  process.exit(2);
}

/** Folders of the publishable (non-private) packages: packages/* and the per-platform packages/*\/npm/*. */
function publishablePackageFolders() {
  const folders = [];
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const folder = join(root, 'packages', name);
    if (existsSync(join(folder, 'package.json'))) folders.push(folder);
    const platforms = join(folder, 'npm');
    if (existsSync(platforms) && statSync(platforms).isDirectory()) {
      for (const platform of readdirSync(platforms).sort()) {
        if (existsSync(join(platforms, platform, 'package.json'))) folders.push(join(platforms, platform));
      }
    }
  }
  return folders.filter((folder) => JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).private !== true);
}

/** `[{ path, bytes }]` of a tarball, paths relative to its `package/` folder. */
function tarballEntries(tarball) {
  const listing = execFileSync('tar', ['-tvzf', tarball], { encoding: 'utf8' });
  return listing
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      // -rw-r--r-- 0/0    1234 1985-10-26 08:15 package/dist/index.js
      const fields = line.trim().split(/\s+/);
      const path = fields.slice(5).join(' ');
      return { path: path.replace(/^package\//, ''), bytes: Number(fields[2]) };
    })
    .filter((entry) => !entry.path.endsWith('/'));
}

/** Every file path an `exports` value points to (conditions flattened; patterns with `*` skipped). */
function exportTargets(value) {
  if (typeof value === 'string') return value.includes('*') ? [] : [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(exportTargets);
}

/** The files the manifest says the package cannot work without. */
function requiredFiles(manifest) {
  const paths = ['package.json', 'README.md', 'LICENSE'];
  if (typeof manifest.main === 'string') paths.push(manifest.main);
  if (typeof manifest.types === 'string') paths.push(manifest.types);
  if (typeof manifest.bin === 'string') paths.push(manifest.bin);
  else if (manifest.bin) paths.push(...Object.values(manifest.bin));
  paths.push(...exportTargets(manifest.exports));
  for (const script of ['preinstall', 'install', 'postinstall']) {
    const match = /^node\s+(\S+\.m?js)\b/.exec(manifest.scripts?.[script] ?? '');
    if (match) paths.push(match[1]);
  }
  return [...new Set(paths.map((p) => p.replace(/^\.\//, '')))];
}

/** Files no runtime needs: tests, fixtures, test helpers, build leftovers, benchmarks, dot files (stale dist/ files are checked below). */
const FORBIDDEN = [
  [/\.test\.(ts|js|mjs|d\.ts|js\.map|d\.ts\.map)$/, 'a test file'],
  [/\.bench\.(ts|js)$|(^|\/)bench\//, 'a benchmark'],
  [/(^|\/)testing\//, 'a test helper (testing/)'],
  [/(^|\/)(fixtures?|__tests__|__fixtures__)\//, 'test fixtures'],
  [/\.tsbuildinfo$|(^|\/)tsconfig[^/]*\.json$/, 'a TypeScript build file'],
  [/(^|\/)(\.turbo|coverage|node_modules)\//, 'a build or install leftover'],
  [/(^|\/)build\//, 'a local native build (build/)'],
  [/(^|\/)\.[^/]+$/, 'a dot file'],
  [/\.log$/, 'a log file'],
];

const rootLicense = readFileSync(join(root, 'LICENSE'));
const summary = [];
const violations = [];

for (const folder of publishablePackageFolders()) {
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  const where = relative(root, folder);
  let filename;
  try {
    const output = execFileSync('npm', ['pack', '--silent', '--pack-destination', outDir], { cwd: folder, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    filename = output.trim().split('\n').at(-1);
  } catch (error) {
    violations.push(`${manifest.name}: npm pack failed in ${where}: ${String(error.stderr ?? error.message).trim().split('\n').slice(-5).join(' | ')}`);
    continue;
  }
  const tarball = join(outDir, filename);
  const entries = tarballEntries(tarball);
  const paths = new Set(entries.map((entry) => entry.path));
  for (const path of requiredFiles(manifest)) {
    if (!paths.has(path)) violations.push(`${manifest.name}: ${path} is missing from the tarball (the manifest refers to it, or every package needs it)`);
  }
  if (paths.has('LICENSE') && !execFileSync('tar', ['-xzOf', tarball, 'package/LICENSE']).equals(rootLicense)) {
    violations.push(`${manifest.name}: its LICENSE differs from the repository's LICENSE (copy it again: cp LICENSE ${where}/LICENSE)`);
  }
  const explicitlyListed = new Set((manifest.files ?? []).map((f) => f.replace(/^\.\//, '')));
  const shipsSource = [...paths].some((path) => path.startsWith('src/'));
  const stale = [];
  for (const { path } of entries) {
    for (const [pattern, what] of FORBIDDEN) {
      if (pattern.test(path)) violations.push(`${manifest.name}: ${path} is ${what}, which no user of the package needs`);
    }
    if (path.startsWith('scripts/') && !explicitlyListed.has(path)) {
      violations.push(`${manifest.name}: ${path} is a repository script; list it by name in "files" if an install script runs it`);
    }
    if (path.endsWith('.node') && manifest.main !== path && manifest.main !== `./${path}`) {
      violations.push(`${manifest.name}: ${path} is a native binary outside a per-platform package`);
    }
    // tsc never deletes: a module moved or removed in src/ leaves its old build in dist/
    const built = /^dist\/(.+?)\.(js|d\.ts|js\.map|d\.ts\.map)$/.exec(path);
    if (built && shipsSource && !['ts', 'mts', 'tsx'].some((extension) => paths.has(`src/${built[1]}.${extension}`))) stale.push(path);
  }
  if (stale.length > 0) {
    violations.push(
      `${manifest.name}: ${stale.length} stale build file(s) in dist/ whose source is gone (${stale.slice(0, 4).join(', ')}${stale.length > 4 ? ', ...' : ''}); ` +
        `rebuild from scratch (turbo's cache may hold them too): rm -rf ${where}/dist && npx turbo run build --filter=${manifest.name} --force`,
    );
  }
  summary.push({
    name: manifest.name,
    version: manifest.version,
    folder: where,
    tarball,
    packedBytes: statSync(tarball).size,
    unpackedBytes: entries.reduce((sum, entry) => sum + entry.bytes, 0),
    files: entries.length,
  });
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`.padStart(10);
console.log(`${'package'.padEnd(40)} ${'files'.padStart(5)} ${'packed'.padStart(10)} ${'unpacked'.padStart(10)}`);
for (const s of summary) console.log(`${s.name.padEnd(40)} ${String(s.files).padStart(5)} ${kb(s.packedBytes)} ${kb(s.unpackedBytes)}`);
const total = (key) => summary.reduce((sum, s) => sum + s[key], 0);
console.log(`${`total (${summary.length} tarballs)`.padEnd(40)} ${String(total('files')).padStart(5)} ${kb(total('packedBytes'))} ${kb(total('unpackedBytes'))}`);
writeFileSync(join(outDir, 'packages.json'), JSON.stringify(summary, null, 2) + '\n');

if (violations.length > 0) {
  console.error(`\n${violations.length} tarball content problem(s):`);
  for (const violation of violations) console.error(`  - ${violation}`);
  process.exit(1);
}
console.log('tarball contents: every required file present, no tests, fixtures, test helpers or build leftovers, LICENSE identical to the root one');
