// Temporary package folders laid out as npm installs @selfsup/backend-native: its package.json,
// build/Release and build/install-status.json, and a platform package in node_modules beside it.
// The binaries in them are real: copies of a binary built in this workspace.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of @selfsup/backend-native in this workspace. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The prebuilt binary of the linux-x64-gnu platform package, where `npm run build` made it. */
export const PLATFORM_BINARY = join(PACKAGE_DIR, 'npm', 'linux-x64-gnu', 'selfsup_native.node');

/** A binary of this workspace that loads on this machine (prebuilt or built from source), if any. */
export const WORKSPACE_BINARY: string | undefined = [PLATFORM_BINARY, join(PACKAGE_DIR, 'build', 'Release', 'selfsup_native.node')].find((path) => existsSync(path));

export const PACKAGE_NAME = '@selfsup/backend-native';
export const PLATFORM_PACKAGE = `${PACKAGE_NAME}-linux-x64-gnu`;

/** The linux-x64-gnu machine the platform package is for. */
export const LINUX_X64_GNU = { platform: 'linux', arch: 'x64', libc: 'glibc' } as const;

const folders: string[] = [];

/** Removes every folder made by {@link makePackage} (call in afterAll). */
export function removePackages(): void {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** What goes into the binary slots: a copy of a real binary, garbage bytes, or nothing. */
export type BinaryContent = 'real' | 'garbage' | undefined;

function placeBinary(path: string, content: BinaryContent): void {
  if (content === undefined) return;
  mkdirSync(dirname(path), { recursive: true });
  if (content === 'garbage') writeFileSync(path, 'not an ELF file');
  else copyFileSync(WORKSPACE_BINARY!, path);
}

/** A package layout to make. */
export interface Layout {
  /** @defaultValue '1.2.3' */
  readonly version?: string;
  /** @defaultValue [PLATFORM_PACKAGE] */
  readonly optionalDependencies?: readonly string[];
  /** The platform package in node_modules: its version and binary; absent when undefined. */
  readonly platformPackage?: { readonly version: string; readonly binary: BinaryContent };
  /** build/Release/selfsup_native.node */
  readonly built?: BinaryContent;
  /** build/install-status.json's content */
  readonly installStatus?: Record<string, unknown>;
}

/**
 * Makes `<tmp>/node_modules/@selfsup/backend-native` (returned) and, as npm would place it,
 * `<tmp>/node_modules/@selfsup/backend-native-linux-x64-gnu`.
 */
export function makePackage(layout: Layout = {}): string {
  const top = mkdtempSync(join(tmpdir(), 'selfsup-native-binary-'));
  folders.push(top);
  const version = layout.version ?? '1.2.3';
  const root = join(top, 'node_modules', PACKAGE_NAME);
  const optional = layout.optionalDependencies ?? [PLATFORM_PACKAGE];
  writeJson(join(root, 'package.json'), {
    name: PACKAGE_NAME,
    version,
    type: 'module',
    optionalDependencies: Object.fromEntries(optional.map((name) => [name, version])),
  });
  if (layout.platformPackage) {
    const platformRoot = join(top, 'node_modules', PLATFORM_PACKAGE);
    writeJson(join(platformRoot, 'package.json'), { name: PLATFORM_PACKAGE, version: layout.platformPackage.version, main: 'selfsup_native.node' });
    placeBinary(join(platformRoot, 'selfsup_native.node'), layout.platformPackage.binary);
  }
  placeBinary(join(root, 'build', 'Release', 'selfsup_native.node'), layout.built);
  if (layout.installStatus) writeJson(join(root, 'build', 'install-status.json'), layout.installStatus);
  return root;
}
