// Runs node-gyp against the Node.js headers already on this machine; never downloads anything.
// Shared by this package's install script (the build from source) and by the platform packages'
// build scripts (the prebuilt binaries), so both compile binding.gyp the same way.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** node-gyp: the one npm runs scripts with, else the copy bundled with npm next to this node. */
export function findNodeGyp() {
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

/**
 * Node's headers: npm's nodedir setting, the prefix of this node (Debian/NodeSource packages and
 * the official tarballs ship include/node), or node-gyp's own cache. Never a download.
 */
export function findNodeDir() {
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

/**
 * `node-gyp rebuild` in `cwd` (which holds a binding.gyp), with `variables` as gyp variables
 * (`--name=value`). Writes node-gyp's whole output to `log`.
 *
 * @returns `{ ok: true, addon }` with the built `.node` file, or `{ ok: false, toolchain, reason }`:
 *   `toolchain: false` when node-gyp or Node's headers are missing (nothing was attempted),
 *   `true` when the build ran and failed (the reason is the first error line of the log).
 */
export function rebuildAddon({ cwd, log, variables = {} }) {
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) return { ok: false, toolchain: false, reason: 'node-gyp not found (it ships with npm)' };
  const nodeDir = findNodeDir();
  if (!nodeDir) return { ok: false, toolchain: false, reason: `Node.js ${process.versions.node} headers not found (include/node/node_api.h)` };

  const args = [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`, '--jobs=max', ...Object.entries(variables).map(([name, value]) => `--${name}=${value}`)];
  const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_nodedir: nodeDir } });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  try {
    mkdirSync(dirname(log), { recursive: true });
    writeFileSync(log, `$ node ${args.join(' ')}\n${output}`);
  } catch {
    // the log is a convenience
  }
  const addon = join(cwd, 'build', 'Release', 'selfsup_native.node');
  if (result.status === 0 && existsSync(addon)) return { ok: true, addon };
  const reason = result.error?.message ?? output.split('\n').find((line) => /error|not found|No such file/i.test(line))?.trim() ?? `node-gyp exited with ${result.status}`;
  return { ok: false, toolchain: true, reason: reason.slice(0, 200) };
}
