#!/usr/bin/env node
// Builds this package's prebuilt binary: @selfsup/backend-native's binding.gyp (its sources, not a
// copy) compiled by node-gyp in a staging folder (.build/) with selfsup_portable=1, so libstdc++
// and libgcc are linked in and the binary needs only glibc; then copied to ./selfsup_native.node.
// The kernels pick AVX-512, AVX2 or generic code by CPU detection at run time (no -march), so the
// binary runs on any x86-64 CPU.
//
//   node scripts/build.mjs           build; on a machine this package is not for, say so and do nothing
//   node scripts/build.mjs --check   fail unless ./selfsup_native.node is here (and loads, where it can);
//                                    `prepack` runs it, so no tarball goes out without its binary
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rebuildAddon } from '../../backend-native/scripts/node-gyp.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const binary = join(root, 'selfsup_native.node');
const staging = join(root, '.build');
const bindingGyp = resolve(root, '..', 'backend-native', 'binding.gyp');

function fail(message) {
  console.error(`${manifest.name}: ${message}`);
  process.exit(1);
}

/** This machine as npm's `os`, `cpu` and `libc` fields name it. */
function thisMachine() {
  const libc = process.platform === 'linux' ? (process.report?.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl') : undefined;
  return { os: process.platform, cpu: process.arch, libc };
}

/** True when npm would install this package on this machine. */
function isForThisMachine(machine) {
  return manifest.os.includes(machine.os) && manifest.cpu.includes(machine.cpu) && (manifest.libc === undefined || manifest.libc.includes(machine.libc));
}

/** Loads the binary in a child process (a binary that crashes on load must not take this one down). */
function loadError(path) {
  const result = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path)}).info()`], { encoding: 'utf8' });
  return result.status === 0 ? undefined : (result.stderr.split('\n').find((line) => /Error/.test(line)) ?? `exit ${result.status}`).trim();
}

const machine = thisMachine();
const describe = (m) => [m.os, m.cpu, m.libc].filter(Boolean).join('-');
const target = describe({ os: manifest.os[0], cpu: manifest.cpu[0], libc: manifest.libc?.[0] });

if (process.argv.includes('--check')) {
  if (!existsSync(binary)) fail(`${binary} is missing; build it with \`npm run build\` on a ${target} machine before packing.`);
  if (isForThisMachine(machine)) {
    const error = loadError(binary);
    if (error) fail(`${binary} does not load (${error}); rebuild it with \`npm run build\`.`);
  }
  process.exit(0);
}

if (!isForThisMachine(machine)) {
  console.log(`${manifest.name}: this machine is ${describe(machine)}, not ${target}; no prebuilt binary built.`);
  process.exit(0);
}

mkdirSync(staging, { recursive: true });
// gyp resolves the included file's source paths relative to that file: the sources stay in backend-native.
writeFileSync(join(staging, 'binding.gyp'), `${JSON.stringify({ includes: [relative(staging, bindingGyp)] }, null, 2)}\n`);
const log = join(staging, 'build.log');
const built = rebuildAddon({ cwd: staging, log, variables: { selfsup_portable: 1 } });
if (!built.ok) fail(`build failed (${built.reason}); log: ${log}`);
copyFileSync(built.addon, binary);
const error = loadError(binary);
if (error) fail(`the binary built but does not load (${error}); log: ${log}`);
console.log(`${manifest.name}: built ${relative(process.cwd(), binary) || binary}`);
