import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findNativeBinary, platformTriple, type NativeBinaryInfo } from './native-binary.js';
import { LINUX_X64_GNU, PACKAGE_NAME, PLATFORM_PACKAGE, WORKSPACE_BINARY, makePackage, removePackages, type Layout } from '../test/package-layout.js';

afterAll(removePackages);

const load = createRequire(import.meta.url) as (path: string) => { info(): { isa: string } };
const loadable = WORKSPACE_BINARY !== undefined && process.platform === 'linux' && process.arch === 'x64';

function find(layout: Layout, options: { env?: Record<string, string>; target?: typeof LINUX_X64_GNU | { platform: string; arch: string; libc: undefined } } = {}) {
  const root = makePackage(layout);
  const found = findNativeBinary({ packageRoot: root, env: options.env ?? {}, target: options.target ?? LINUX_X64_GNU }, load);
  return { root, ...found };
}

function expectOneLine(info: NativeBinaryInfo): void {
  expect(info.reason).toMatch(/^[^\n]+$/);
}

describe('platformTriple', () => {
  it('names platforms as the platform packages are named', () => {
    expect(platformTriple({ platform: 'linux', arch: 'x64', libc: 'glibc' })).toBe('linux-x64-gnu');
    expect(platformTriple({ platform: 'linux', arch: 'arm64', libc: 'musl' })).toBe('linux-arm64-musl');
    expect(platformTriple({ platform: 'darwin', arch: 'arm64', libc: undefined })).toBe('darwin-arm64');
    expect(platformTriple({ platform: 'win32', arch: 'x64', libc: undefined })).toBe('win32-x64-msvc');
  });
});

describe.runIf(loadable)('findNativeBinary with a loadable binary', () => {
  it('uses the platform package first, and says so', () => {
    const { addon, info } = find({ platformPackage: { version: '1.2.3', binary: 'real' }, built: 'real', installStatus: { outcome: 'prebuilt', detail: 'x' } });
    expect(addon?.info().isa).toMatch(/avx512|avx2|generic/);
    expect(info).toMatchObject({ source: 'prebuilt', summary: `prebuilt ${PLATFORM_PACKAGE}@1.2.3`, reason: undefined, platform: 'linux-x64-gnu' });
    expect(info.path).toMatch(new RegExp(`${PLATFORM_PACKAGE}/selfsup_native\\.node$`));
    // build/Release was not looked at
    expect(info.candidates.map((candidate) => candidate.source)).toEqual(['prebuilt']);
  });

  it('falls back to the build from source when the platform package was left out, and says why', () => {
    const { root, addon, info } = find({ built: 'real', installStatus: { outcome: 'built', detail: 'built from source with node-gyp' } });
    expect(addon).toBeDefined();
    expect(info.source).toBe('source');
    expect(info.path).toBe(join(root, 'build', 'Release', 'selfsup_native.node'));
    expect(info.summary).toBe(`built from source at install (${PLATFORM_PACKAGE} is not installed (npm leaves optional dependencies out with --omit=optional))`);
  });

  it('does not use a platform package of another version', () => {
    const { info } = find({ platformPackage: { version: '1.2.2', binary: 'real' }, built: 'real', installStatus: { outcome: 'built', detail: '' } });
    expect(info.source).toBe('source');
    expect(info.candidates[0]).toMatchObject({ source: 'prebuilt', loaded: false, note: `${PLATFORM_PACKAGE}@1.2.2 does not match ${PACKAGE_NAME}@1.2.3` });
  });

  it('falls back to the build from source when the prebuilt does not load, with the loader error', () => {
    const { info } = find({ platformPackage: { version: '1.2.3', binary: 'garbage' }, built: 'real', installStatus: { outcome: 'built', detail: '' } });
    expect(info.source).toBe('source');
    expect(info.summary).toMatch(/^built from source at install \(@selfsup\/backend-native-linux-x64-gnu@1\.2\.3: .*selfsup_native\.node does not load \(.*(invalid ELF header|file too short)/);
  });

  it('loads only the SELFSUP_NATIVE_ADDON file when it is set', () => {
    const { info } = find({ platformPackage: { version: '1.2.3', binary: 'real' } }, { env: { SELFSUP_NATIVE_ADDON: WORKSPACE_BINARY! } });
    expect(info).toMatchObject({ source: 'override', path: WORKSPACE_BINARY, summary: `SELFSUP_NATIVE_ADDON=${WORKSPACE_BINARY}` });

    const missing = find({ platformPackage: { version: '1.2.3', binary: 'real' } }, { env: { SELFSUP_NATIVE_ADDON: '/nonexistent/selfsup_native.node' } });
    expect(missing.addon).toBeUndefined();
    expect(missing.info.reason).toBe('SELFSUP_NATIVE_ADDON names /nonexistent/selfsup_native.node, which does not exist; unset it to use the prebuilt binary or the build from source.');
  });
});

describe('findNativeBinary when no binary is there', () => {
  it('says the install script never ran when it left no record (--ignore-scripts, allowScripts)', () => {
    const { addon, info } = find({});
    expect(addon).toBeUndefined();
    expect(info).toMatchObject({ source: undefined, summary: 'none', install: undefined });
    expectOneLine(info);
    expect(info.reason).toBe(
      `no native binary for linux-x64-gnu: ${PLATFORM_PACKAGE} is not installed (npm leaves optional dependencies out with --omit=optional); ` +
        `the install script of ${PACKAGE_NAME} never ran, so nothing was built from source (npm ran with --ignore-scripts, or its allowScripts policy left the script out). ` +
        `Fix: reinstall ${PACKAGE_NAME} with its optional dependencies, or run its install script: \`npm rebuild ${PACKAGE_NAME}\` (needs python3, make and a C++17 compiler).`,
    );
  });

  it('says the build was skipped on purpose with SELFSUP_NATIVE_SKIP_BUILD=1', () => {
    const { info } = find({ installStatus: { outcome: 'skipped', detail: 'SELFSUP_NATIVE_SKIP_BUILD=1 at install' } });
    expectOneLine(info);
    expect(info.reason).toContain('the build from source was skipped on purpose (SELFSUP_NATIVE_SKIP_BUILD=1 at install)');
    expect(info.reason).toContain('unset SELFSUP_NATIVE_SKIP_BUILD and run `npm rebuild @selfsup/backend-native`');
  });

  it('says the build failed, why, and where its log is', () => {
    const { info } = find({ installStatus: { outcome: 'failed', detail: 'make: g++: No such file or directory', log: '/x/build/install.log' } });
    expectOneLine(info);
    expect(info.reason).toContain('the build from source failed at install (make: g++: No such file or directory; see /x/build/install.log)');
    expect(info.install?.outcome).toBe('failed');
  });

  it('says when node-gyp or the headers were missing', () => {
    const { info } = find({ installStatus: { outcome: 'no-toolchain', detail: 'Node.js 20.0.0 headers not found (include/node/node_api.h)' } });
    expect(info.reason).toContain('nothing was built from source at install: Node.js 20.0.0 headers not found');
  });

  it('says when the prebuilt the install used is gone or broken', () => {
    const { info } = find({
      platformPackage: { version: '1.2.3', binary: undefined },
      installStatus: { outcome: 'prebuilt', detail: 'loads', prebuilt: `${PLATFORM_PACKAGE}@1.2.3` },
    });
    expect(info.reason).toMatch(/^no native binary for linux-x64-gnu: @selfsup\/backend-native-linux-x64-gnu@1\.2\.3: \S+selfsup_native\.node is missing; /);
    expect(info.reason).toContain(`nothing was built from source, since at install ${PLATFORM_PACKAGE}@1.2.3 loaded`);
  });

  it('says there is no prebuilt for a platform without a platform package, and offers only the build', () => {
    const { info } = find({ installStatus: { outcome: 'skipped', detail: '' } }, { target: { platform: 'darwin', arch: 'arm64', libc: undefined } });
    expect(info.prebuiltPackage).toBe(`${PACKAGE_NAME}-darwin-arm64`);
    expect(info.reason).toMatch(/^no native binary for darwin-arm64: no prebuilt binary for darwin-arm64 \(prebuilt: linux-x64-gnu\); /);
    expect(info.reason).not.toContain('optional dependencies');
    expect(info.candidates.map((candidate) => candidate.source)).toEqual(['prebuilt', 'source']);
  });

  it('ignores an install record it cannot read', () => {
    const { info } = find({ installStatus: { outcome: 'exploded' } });
    expect(info.install).toBeUndefined();
    expect(info.reason).toContain('never ran');
  });
});
