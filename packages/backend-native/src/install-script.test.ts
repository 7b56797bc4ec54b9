// The install script (scripts/install.mjs) run for real in temporary package folders, and what the
// runtime then says about the binary: the record the script writes is the runtime's explanation.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findNativeBinary } from './native-binary.js';
import { readInstallStatus } from './install-status.js';
import { LINUX_X64_GNU, PACKAGE_DIR, PLATFORM_PACKAGE, WORKSPACE_BINARY, makePackage, removePackages, type Layout } from '../test/package-layout.js';

// the install script's own lookups (plain JavaScript, so imported by URL)
const nodeGyp = (await import(new URL('../scripts/node-gyp.mjs', import.meta.url).href)) as { findNodeGyp(): string | undefined; findNodeDir(): string | undefined };

afterAll(removePackages);

const loadable = WORKSPACE_BINARY !== undefined && process.platform === 'linux' && process.arch === 'x64';
const toolchain = nodeGyp.findNodeGyp() !== undefined && nodeGyp.findNodeDir() !== undefined;

/** A package folder with this package's install scripts in it. */
function packageWithScripts(layout: Layout): string {
  const root = makePackage(layout);
  mkdirSync(join(root, 'scripts'));
  for (const script of ['install.mjs', 'node-gyp.mjs']) copyFileSync(join(PACKAGE_DIR, 'scripts', script), join(root, 'scripts', script));
  return root;
}

function runInstall(root: string, env: Record<string, string> = {}): { status: number | null; stdout: string } {
  const environment: Record<string, string | undefined> = { ...process.env, ...env };
  if (!('SELFSUP_NATIVE_SKIP_BUILD' in env)) delete environment.SELFSUP_NATIVE_SKIP_BUILD;
  delete environment.SELFSUP_NATIVE_ADDON;
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'install.mjs')], { cwd: root, env: environment, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout };
}

function runtimeInfo(root: string) {
  return findNativeBinary({ packageRoot: root, env: {}, target: LINUX_X64_GNU }, createRequire(import.meta.url)).info;
}

describe.runIf(loadable)('install script with a prebuilt binary installed', () => {
  it('builds nothing, prints nothing, and records that the prebuilt loads', () => {
    const root = packageWithScripts({ platformPackage: { version: '1.2.3', binary: 'real' } });
    const { status, stdout } = runInstall(root);
    expect(status).toBe(0);
    expect(stdout).toBe('');
    expect(existsSync(join(root, 'build', 'Release'))).toBe(false);
    expect(readInstallStatus(root)).toMatchObject({ outcome: 'prebuilt', prebuilt: `${PLATFORM_PACKAGE}@1.2.3` });
    expect(runtimeInfo(root)).toMatchObject({ source: 'prebuilt', summary: `prebuilt ${PLATFORM_PACKAGE}@1.2.3` });
  });

  it('does not count a prebuilt that does not load, and says why in its record', () => {
    const root = packageWithScripts({ platformPackage: { version: '1.2.3', binary: 'garbage' } });
    const { status, stdout } = runInstall(root, { SELFSUP_NATIVE_SKIP_BUILD: '1' });
    expect(status).toBe(0);
    expect(stdout).toContain('native build skipped (SELFSUP_NATIVE_SKIP_BUILD=1)');
    const record = readInstallStatus(root);
    expect(record?.outcome).toBe('skipped');
    expect(record?.prebuiltNotUsed?.[0]).toMatch(/^@selfsup\/backend-native-linux-x64-gnu@1\.2\.3 does not load \(.*(invalid ELF header|file too short)/);
  });
});

describe('install script without a prebuilt binary', () => {
  it('records SELFSUP_NATIVE_SKIP_BUILD=1, and the runtime says the build was skipped on purpose', () => {
    const root = packageWithScripts({});
    const { status } = runInstall(root, { SELFSUP_NATIVE_SKIP_BUILD: '1' });
    expect(status).toBe(0);
    expect(readInstallStatus(root)).toMatchObject({ outcome: 'skipped', prebuiltNotUsed: [] });
    expect(runtimeInfo(root).reason).toContain('the build from source was skipped on purpose (SELFSUP_NATIVE_SKIP_BUILD=1 at install)');
  });

  it('records a missing binding.gyp without failing the install', () => {
    const root = packageWithScripts({});
    const { status } = runInstall(root);
    expect(status).toBe(0);
    expect(readInstallStatus(root)).toMatchObject({ outcome: 'no-toolchain', detail: 'binding.gyp is missing' });
    expect(runtimeInfo(root).reason).toContain('nothing was built from source at install: binding.gyp is missing');
  });

  it.runIf(toolchain)('records a failed build with its first error and log, without failing the install', () => {
    const root = packageWithScripts({});
    mkdirSync(join(root, 'native'));
    writeFileSync(join(root, 'native', 'broken.cc'), '#error broken on purpose\n');
    writeFileSync(join(root, 'binding.gyp'), JSON.stringify({ targets: [{ target_name: 'selfsup_native', sources: ['native/broken.cc'] }] }));
    const { status, stdout } = runInstall(root);
    expect(status).toBe(0);
    expect(stdout).toContain('native build failed (');
    const record = readInstallStatus(root);
    expect(record?.outcome).toBe('failed');
    expect(record?.detail).toContain('broken on purpose');
    expect(readFileSync(record!.log!, 'utf8')).toContain('broken on purpose');
    const reason = runtimeInfo(root).reason!;
    expect(reason).toMatch(/the build from source failed at install \(.*broken on purpose; see .*build\/install\.log\)/);
    expect(reason).toMatch(/^[^\n]+$/);
  });
});
