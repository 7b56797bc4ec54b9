#!/usr/bin/env node
// The install script of @selfsup/backend-native. When the prebuilt binary of this platform's
// package (an optional dependency, e.g. @selfsup/backend-native-linux-x64-gnu) is installed and
// loads, it does nothing. Otherwise it builds the addon from source with node-gyp against the
// Node.js headers already on this machine; it never downloads anything and never fails the
// install. Either way it records what happened in build/install-status.json, which the runtime
// reads to say why no binary is there (nativeBinaryInfo()); when npm skips install scripts
// (--ignore-scripts, allowScripts) that file is absent, and that absence is the explanation.
//
//   node scripts/install.mjs           use the prebuilt, else build unless build/Release/selfsup_native.node exists
//   node scripts/install.mjs --force   build from source, even over a prebuilt
//
// SELFSUP_NATIVE_SKIP_BUILD=1 skips the build from source (the prebuilt is still used when it loads).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rebuildAddon } from './node-gyp.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const addon = join(root, 'build', 'Release', 'selfsup_native.node');
const log = join(root, 'build', 'install.log');
const statusFile = join(root, 'build', 'install-status.json');
const force = process.argv.includes('--force');

/** Records the outcome for the runtime (the format nativeBinaryInfo() reads: src/install-status.ts). */
function record(outcome, detail, extra = {}) {
  try {
    mkdirSync(dirname(statusFile), { recursive: true });
    const status = { outcome, detail, ...extra, node: process.versions.node, date: new Date().toISOString() };
    writeFileSync(statusFile, `${JSON.stringify(status, null, 2)}\n`);
  } catch {
    // a read-only package folder: the runtime then says the install script did not run
  }
}

function done(message) {
  if (message) console.log(`${manifest.name}: ${message}`);
  process.exit(0);
}

/** Loads the binary in a child process (a binary that crashes on load must not fail the install). */
function loadError(path) {
  const result = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path)}).info()`], { encoding: 'utf8' });
  return result.status === 0 ? undefined : (result.stderr.split('\n').find((line) => /Error/.test(line)) ?? `exit ${result.status}`).trim();
}

/**
 * The prebuilt binary among this package's optional dependencies that npm installed here and that
 * loads, or why none does. npm installs only the platform package whose os/cpu/libc match.
 */
function findPrebuilt() {
  const require = createRequire(join(root, 'package.json'));
  const notes = [];
  for (const name of Object.keys(manifest.optionalDependencies ?? {}).filter((dependency) => dependency.startsWith(`${manifest.name}-`))) {
    let packageJson;
    try {
      packageJson = require.resolve(`${name}/package.json`);
    } catch {
      continue;
    }
    const { version } = JSON.parse(readFileSync(packageJson, 'utf8'));
    const binary = join(dirname(packageJson), 'selfsup_native.node');
    const id = `${name}@${version}`;
    if (version !== manifest.version) notes.push(`${id} does not match ${manifest.name}@${manifest.version}`);
    else if (!existsSync(binary)) notes.push(`${id} has no selfsup_native.node`);
    else {
      const error = loadError(binary);
      if (error === undefined) return { id, binary };
      notes.push(`${id} does not load (${error.slice(0, 200)})`);
    }
  }
  return { notes };
}

const prebuilt = force ? { notes: ['--force'] } : findPrebuilt();
if (prebuilt.binary) {
  record('prebuilt', `${prebuilt.id} loads; nothing to build`, { prebuilt: prebuilt.id });
  done();
}
const notUsed = { prebuiltNotUsed: prebuilt.notes };

if (process.env.SELFSUP_NATIVE_SKIP_BUILD === '1') {
  record('skipped', 'SELFSUP_NATIVE_SKIP_BUILD=1 at install', notUsed);
  done('native build skipped (SELFSUP_NATIVE_SKIP_BUILD=1); the backend will be unavailable.');
}
if (!force && existsSync(addon)) {
  if (!existsSync(statusFile)) record('built', 'found an existing build', notUsed);
  done();
}
if (!existsSync(join(root, 'binding.gyp'))) {
  record('no-toolchain', 'binding.gyp is missing', notUsed);
  done('binding.gyp is missing; the native backend will be unavailable.');
}

const built = rebuildAddon({ cwd: root, log });
if (!built.ok) {
  record(built.toolchain ? 'failed' : 'no-toolchain', built.reason, built.toolchain ? { log, ...notUsed } : notUsed);
  done(
    built.toolchain
      ? `native build failed (${built.reason}); the backend will be unavailable and selfsup falls back to wasm or cpu. Log: ${log}`
      : `${built.reason}; the native backend will be unavailable.`,
  );
}
record('built', 'built from source with node-gyp', { log, ...notUsed });
done(force ? `built ${addon}` : undefined);
