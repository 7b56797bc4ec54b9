#!/usr/bin/env node
// Builds the native addon with node-gyp against the Node.js headers already on this machine. It
// never downloads anything and never fails the install: without a toolchain or headers it prints
// one line, and the backend reports itself unavailable (selfsup then falls back to wasm or cpu).
//
//   node scripts/install.mjs           build unless build/Release/selfsup_native.node exists
//   node scripts/install.mjs --force   rebuild
//
// SELFSUP_NATIVE_SKIP_BUILD=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'build', 'Release', 'selfsup_native.node');
const log = join(root, 'build', 'install.log');
const force = process.argv.includes('--force');

function done(message) {
  if (message) console.log(`@selfsup/backend-native: ${message}`);
  process.exit(0);
}

if (process.env.SELFSUP_NATIVE_SKIP_BUILD === '1') done('native build skipped (SELFSUP_NATIVE_SKIP_BUILD=1); the backend will be unavailable.');
if (!force && existsSync(addon)) done();
if (!existsSync(join(root, 'binding.gyp'))) done('binding.gyp is missing; the native backend will be unavailable.');

// node-gyp: the one npm runs scripts with, else the copy bundled with npm next to this node.
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

// Node's headers: npm's nodedir setting, the prefix of this node (Debian/NodeSource packages and
// the official tarballs ship include/node), or node-gyp's own cache. Never a download.
function findNodeDir() {
  const version = process.versions.node;
  const candidates = [
    process.env.npm_config_nodedir,
    resolve(dirname(process.execPath), '..'),
    join(homedir(), '.cache', 'node-gyp', version),
    process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'node-gyp', version) : undefined,
  ];
  for (const candidate of candidates) {
    if (candidate && existsSync(join(candidate, 'include', 'node', 'node_api.h'))) return candidate;
  }
  return undefined;
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) done('node-gyp not found (it ships with npm); the native backend will be unavailable.');
const nodeDir = findNodeDir();
if (!nodeDir) done(`Node.js ${process.versions.node} headers not found (include/node/node_api.h); the native backend will be unavailable.`);

const args = [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`, '--jobs=max'];
const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_nodedir: nodeDir } });
const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
try {
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, `$ node ${args.join(' ')}\n${output}`);
} catch {
  // the log is a convenience
}
if (result.status !== 0 || !existsSync(addon)) {
  const reason = result.error?.message ?? output.split('\n').find((line) => /error|not found|No such file/i.test(line))?.trim() ?? `node-gyp exited with ${result.status}`;
  done(`native build failed (${reason.slice(0, 200)}); the backend will be unavailable and selfsup falls back to wasm or cpu. Log: ${log}`);
}
done(force ? `built ${addon}` : undefined);
