#!/usr/bin/env node
// The platform packages of @selfsup/backend-native, one folder per platform under npm/ (napi-rs's
// layout), each holding one prebuilt selfsup_native.node and npm's os/cpu/libc fields. They are not
// npm workspaces: npm refuses to install a workspace whose os/cpu/libc do not match the machine
// (EBADPLATFORM), which would break `npm install` of this repository everywhere else. The root
// package.json links them as optional `file:` dependencies instead, which npm skips where they do
// not match.
//
//   node scripts/prebuilt.mjs build     build the binary of the platform package that matches this
//                                       machine (this package's `npm run build` does); else say so
//   node scripts/prebuilt.mjs check     fail unless every platform package's version and this
//                                       package's optionalDependencies equal this package's version,
//                                       and this machine's platform package holds a binary that loads
//   node scripts/prebuilt.mjs check-pack <folder>
//                                       fail unless <folder> holds its binary (`prepack` runs it)
//   node scripts/prebuilt.mjs sync      set those versions to this package's (after `changeset version`)
//   node scripts/prebuilt.mjs publish   publish each platform package whose version is not on the
//                                       registry yet (`prepublishOnly`: before this package, which
//                                       names them as optional dependencies)
//
// `build` compiles this package's binding.gyp (its sources, not a copy) in <platform>/.build with
// selfsup_portable=1: libstdc++ linked in, so the binary needs only glibc 2.34+; the kernels pick
// AVX-512, AVX2 or generic code by CPU detection at run time (no -march), so it runs on any x86-64.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rebuildAddon } from './node-gyp.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifestPath = join(root, 'package.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const ADDON = 'selfsup_native.node';

function fail(message) {
  console.error(`${manifest.name}: ${message}`);
  process.exit(1);
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Every platform package: its folder and manifest. */
function platformPackages() {
  const folder = join(root, 'npm');
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(folder, entry.name, 'package.json')))
    .map((entry) => {
      const dir = join(folder, entry.name);
      return { dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
    });
}

/** This machine as npm's `os`, `cpu` and `libc` fields name it. */
function thisMachine() {
  const libc = process.platform === 'linux' ? (process.report?.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl') : undefined;
  return { os: process.platform, cpu: process.arch, libc };
}

/** True when npm would install the platform package `pkg` on `machine`. */
function isFor(pkg, machine) {
  return pkg.os.includes(machine.os) && pkg.cpu.includes(machine.cpu) && (pkg.libc === undefined || pkg.libc.includes(machine.libc));
}

const describe = (machine) => [machine.os, machine.cpu, machine.libc].filter(Boolean).join('-');

/** Loads a binary in a child process (a binary that crashes on load must not take this one down). */
function loadError(path) {
  const result = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path)}).info()`], { encoding: 'utf8' });
  return result.status === 0 ? undefined : (result.stderr.split('\n').find((line) => /Error/.test(line)) ?? `exit ${result.status}`).trim();
}

function build() {
  const machine = thisMachine();
  const target = platformPackages().find((pkg) => isFor(pkg.manifest, machine));
  if (!target) {
    console.log(`${manifest.name}: no platform package under npm/ is for ${describe(machine)}; no prebuilt binary built.`);
    return;
  }
  const staging = join(target.dir, '.build');
  mkdirSync(staging, { recursive: true });
  // gyp resolves an included file's source paths relative to that file: the sources stay in native/.
  writeJson(join(staging, 'binding.gyp'), { includes: [relative(staging, join(root, 'binding.gyp'))] });
  const log = join(staging, 'build.log');
  const built = rebuildAddon({ cwd: staging, log, variables: { selfsup_portable: 1 } });
  if (!built.ok) fail(`building the prebuilt binary of ${target.manifest.name} failed (${built.reason}); log: ${log}`);
  const binary = join(target.dir, ADDON);
  // A new file renamed over the old one: processes that have the old binary loaded keep their
  // mapping of it (copying over it in place would change the code under them).
  const staged = `${binary}.${process.pid}.tmp`;
  copyFileSync(built.addon, staged);
  renameSync(staged, binary);
  const error = loadError(binary);
  if (error) fail(`the prebuilt binary ${binary} does not load (${error}); log: ${log}`);
  console.log(`${manifest.name}: built ${relative(root, binary)} (${target.manifest.name})`);
}

function versionMismatches() {
  const mismatches = [];
  for (const { manifest: pkg } of platformPackages()) {
    if (pkg.version !== manifest.version) mismatches.push(`${pkg.name} is at ${pkg.version}`);
    const wanted = manifest.optionalDependencies?.[pkg.name];
    if (wanted !== manifest.version) mismatches.push(`optionalDependencies["${pkg.name}"] is ${wanted ?? 'missing'}`);
  }
  return mismatches;
}

function checkPack(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const binary = join(dir, ADDON);
  if (!existsSync(binary)) fail(`${binary} is missing: build it with \`npm run build\` on a ${describe({ os: pkg.os[0], cpu: pkg.cpu[0], libc: pkg.libc?.[0] })} machine before packing ${pkg.name}.`);
  if (isFor(pkg, thisMachine())) {
    const error = loadError(binary);
    if (error) fail(`${binary} does not load (${error}); rebuild it with \`npm run build\`.`);
  }
  if (pkg.version !== manifest.version) fail(`${pkg.name} is at ${pkg.version} but ${manifest.name} at ${manifest.version}; run \`node packages/backend-native/scripts/prebuilt.mjs sync\`.`);
}

function check() {
  const mismatches = versionMismatches();
  if (mismatches.length > 0) fail(`the platform packages must have ${manifest.name}'s version ${manifest.version}: ${mismatches.join('; ')}. Run \`node packages/backend-native/scripts/prebuilt.mjs sync\`.`);
  const target = platformPackages().find((pkg) => isFor(pkg.manifest, thisMachine()));
  if (target) checkPack(target.dir);
}

function sync() {
  for (const { dir, manifest: pkg } of platformPackages()) {
    if (pkg.version !== manifest.version) writeJson(join(dir, 'package.json'), { ...pkg, version: manifest.version });
  }
  const optional = Object.fromEntries(platformPackages().map(({ manifest: pkg }) => [pkg.name, manifest.version]));
  writeJson(manifestPath, { ...manifest, optionalDependencies: { ...manifest.optionalDependencies, ...optional } });
  console.log(`${manifest.name}: platform packages at ${manifest.version}`);
}

function publish() {
  check();
  for (const { dir, manifest: pkg } of platformPackages()) {
    const id = `${pkg.name}@${pkg.version}`;
    const published = spawnSync('npm', ['view', id, 'version'], { encoding: 'utf8' });
    if (published.status === 0 && published.stdout.trim() === pkg.version) {
      console.log(`${manifest.name}: ${id} is published already`);
      continue;
    }
    // npm's settings (registry, tag, otp, dry-run) reach this npm through the npm_config_* environment.
    const result = spawnSync('npm', ['publish', '--access', 'public'], { cwd: dir, stdio: 'inherit' });
    if (result.status !== 0) fail(`publishing ${id} failed`);
  }
}

const [command = 'build', argument] = process.argv.slice(2);
if (command === 'build') build();
else if (command === 'check') check();
else if (command === 'check-pack') checkPack(resolve(argument ?? '.'));
else if (command === 'sync') sync();
else if (command === 'publish') publish();
else fail(`unknown command ${command}; use build, check, check-pack <folder>, sync or publish`);
