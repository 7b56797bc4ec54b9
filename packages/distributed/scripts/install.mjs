#!/usr/bin/env node
// The install script of @selfsup/distributed: builds the Open MPI addon (native/mpi_addon.cc)
// from source with node-gyp against the system's MPI, found through `mpicc`. It never downloads
// anything and never fails the install: without mpicc it prints one line and the package still
// works with its single-process communicator (createMpiCommunicator() then says what to install).
// The outcome goes to build/install-status.json, which the runtime reads to explain a missing addon.
//
//   node scripts/install.mjs           build unless build/Release/selfsup_mpi.node exists
//   node scripts/install.mjs --force   build again
//
// SELFSUP_MPI_SKIP_BUILD=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const NAME = '@selfsup/distributed';
const INSTALL_HINT = 'apt-get install libopenmpi-dev openmpi-bin';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'build', 'Release', 'selfsup_mpi.node');
const log = join(root, 'build', 'install.log');
const statusFile = join(root, 'build', 'install-status.json');
const force = process.argv.includes('--force');

/** Records the outcome for the runtime (read by src/mpi-addon.ts). */
function record(outcome, detail) {
  try {
    mkdirSync(dirname(statusFile), { recursive: true });
    writeFileSync(statusFile, `${JSON.stringify({ outcome, detail, node: process.versions.node, date: new Date().toISOString() }, null, 2)}\n`);
  } catch {
    // a read-only package folder: the runtime then says the install script did not run
  }
}

function done(message) {
  if (message) console.log(`${NAME}: ${message}`);
  process.exit(0);
}

/** node-gyp: the one npm runs scripts with, else the copy bundled with npm next to this node. */
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

/** Node's headers already on this machine (never a download). */
function findNodeDir() {
  const version = process.versions.node;
  const candidates = [
    process.env.npm_config_nodedir,
    resolve(dirname(process.execPath), '..'),
    join(homedir(), '.cache', 'node-gyp', version),
    process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'node-gyp', version) : undefined,
  ];
  return candidates.find((candidate) => candidate && existsSync(join(candidate, 'include', 'node', 'node_api.h')));
}

if (process.env.SELFSUP_MPI_SKIP_BUILD === '1') {
  record('skipped', 'SELFSUP_MPI_SKIP_BUILD=1 at install');
  done('MPI addon build skipped (SELFSUP_MPI_SKIP_BUILD=1); only the single-process communicator is available.');
}
if (!force && existsSync(addon)) {
  if (!existsSync(statusFile)) record('built', 'found an existing build');
  done();
}
const mpicc = spawnSync('mpicc', ['--showme:version'], { encoding: 'utf8' });
if (mpicc.error || mpicc.status !== 0) {
  record('no-mpi', `mpicc not found on PATH (${INSTALL_HINT})`);
  done(`Open MPI not found (no mpicc on PATH); multi-process training needs it: ${INSTALL_HINT}, then npm rebuild ${NAME}.`);
}
const nodeGyp = findNodeGyp();
const nodeDir = findNodeDir();
if (!nodeGyp || !nodeDir) {
  const reason = !nodeGyp ? 'node-gyp not found (it ships with npm)' : `Node.js ${process.versions.node} headers not found (include/node/node_api.h)`;
  record('no-toolchain', reason);
  done(`${reason}; the MPI communicator will be unavailable.`);
}
const args = [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`];
const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_nodedir: nodeDir } });
const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
try {
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, `$ node ${args.join(' ')}\n${output}`);
} catch {
  // the log is a convenience
}
if (result.status !== 0 || !existsSync(addon)) {
  const reason = (result.error?.message ?? output.split('\n').find((line) => /error/i.test(line)) ?? `node-gyp exited with ${result.status}`).trim().slice(0, 200);
  record('failed', `${reason} (log: ${log})`);
  done(`MPI addon build failed (${reason}); the MPI communicator will be unavailable. Log: ${log}`);
}
record('built', 'built from source with node-gyp against the system MPI');
done(force ? `built ${addon}` : undefined);
