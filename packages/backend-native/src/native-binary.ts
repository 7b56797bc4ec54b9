import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readInstallStatus, type InstallStatus } from './install-status.js';

/** The addon's file name, in `build/Release` and in every platform package. */
export const ADDON_FILE = 'selfsup_native.node';

/**
 * Where the native binary in use came from: `override` (the file `SELFSUP_NATIVE_ADDON` names),
 * `prebuilt` (this platform's package, an optional dependency) or `source` (built from source by
 * the install script, in `build/Release`).
 */
export type NativeBinarySource = 'override' | 'prebuilt' | 'source';

/** A machine as npm's `os`, `cpu` and `libc` package fields describe it. */
export interface NativeTarget {
  /** `process.platform`: `linux`, `darwin`, `win32`, ... */
  readonly platform: string;
  /** `process.arch`: `x64`, `arm64`, ... */
  readonly arch: string;
  /** On Linux, the C library: `glibc` or `musl`; undefined elsewhere. */
  readonly libc: 'glibc' | 'musl' | undefined;
}

/** One place the loader looked, and what it found there. */
export interface NativeBinaryCandidate {
  readonly source: NativeBinarySource;
  /** The `.node` file, when there is one to point at. */
  readonly path: string | undefined;
  /** True for the binary in use. */
  readonly loaded: boolean;
  /** One line: what it is when loaded, else why it was not used. */
  readonly note: string;
}

/** Which native binary is in use and why, or why none is: what {@link findNativeBinary} found. */
export interface NativeBinaryInfo {
  /** Where the binary in use came from; undefined when none loaded. */
  readonly source: NativeBinarySource | undefined;
  /** The binary in use; undefined when none loaded. */
  readonly path: string | undefined;
  /**
   * One line for people: `prebuilt @selfsup/backend-native-linux-x64-gnu@0.1.0`, `built from
   * source at install (<why no prebuilt>)`, `SELFSUP_NATIVE_ADDON=<path>`, or `none` when no binary
   * loaded.
   */
  readonly summary: string;
  /** One line saying why no binary is in use and how to get one; undefined when one is. */
  readonly reason: string | undefined;
  /** This machine as the platform packages are named: `linux-x64-gnu`, `darwin-arm64`, ... */
  readonly platform: string;
  /** The npm package that would hold this platform's prebuilt binary. */
  readonly prebuiltPackage: string;
  /** What the install script recorded; undefined when it never ran here. */
  readonly install: InstallStatus | undefined;
  /** Every place looked at, in order. */
  readonly candidates: readonly NativeBinaryCandidate[];
}

/** Where {@link findNativeBinary} looks. */
export interface NativeBinarySearch {
  /** The folder of @selfsup/backend-native (its package.json, build/, node_modules above it). */
  readonly packageRoot: string;
  /** The environment: `SELFSUP_NATIVE_ADDON` names a binary to load instead of looking. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The machine to find a prebuilt for. @defaultValue this machine ({@link thisTarget}) */
  readonly target?: NativeTarget;
}

/** A binary found and loaded, with the report of the search. */
export interface NativeBinaryLoad<T> {
  /** The loaded module; undefined when none loaded. */
  readonly addon: T | undefined;
  readonly info: NativeBinaryInfo;
}

/** The C library of this Linux process (from Node's diagnostic report header), else undefined. */
function detectLibc(): NativeTarget['libc'] {
  if (process.platform !== 'linux') return undefined;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

let machine: NativeTarget | undefined;

/** This machine's platform, architecture and (on Linux) C library. */
export function thisTarget(): NativeTarget {
  machine ??= { platform: process.platform, arch: process.arch, libc: detectLibc() };
  return machine;
}

/**
 * The platform part of a platform package's name, as napi-rs names them: `linux-x64-gnu`,
 * `linux-arm64-musl`, `darwin-arm64`, `win32-x64-msvc`.
 */
export function platformTriple(target: NativeTarget): string {
  if (target.platform === 'linux') return `linux-${target.arch}-${target.libc === 'musl' ? 'musl' : 'gnu'}`;
  if (target.platform === 'win32') return `win32-${target.arch}-msvc`;
  return `${target.platform}-${target.arch}`;
}

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}

type Attempt<T> = { readonly addon: T; readonly candidate: NativeBinaryCandidate } | { readonly addon?: undefined; readonly candidate: NativeBinaryCandidate };

function tryLoad<T>(source: NativeBinarySource, path: string, load: (path: string) => T, describe: (outcome: string) => string, loadedNote: string): Attempt<T> {
  if (!existsSync(path)) return { candidate: { source, path, loaded: false, note: describe('is missing') } };
  try {
    return { addon: load(path), candidate: { source, path, loaded: true, note: loadedNote } };
  } catch (error) {
    return { candidate: { source, path, loaded: false, note: describe(`does not load (${firstLine(error)})`) } };
  }
}

/** The platform package's binary: published for this platform, installed, the same version, present, loading. */
function tryPrebuilt<T>(own: Manifest, packageRoot: string, name: string, platform: string, load: (path: string) => T): Attempt<T> & { published: boolean } {
  const prefix = `${own.name}-`;
  const published = Object.keys(own.optionalDependencies ?? {}).filter((dependency) => dependency.startsWith(prefix));
  if (!published.includes(name)) {
    const others = published.map((dependency) => dependency.slice(prefix.length)).join(', ') || 'none';
    return { published: false, candidate: { source: 'prebuilt', path: undefined, loaded: false, note: `no prebuilt binary for ${platform} (prebuilt: ${others})` } };
  }
  let manifestPath: string;
  try {
    manifestPath = createRequire(join(packageRoot, 'package.json')).resolve(`${name}/package.json`);
  } catch {
    const note = `${name} is not installed (npm leaves optional dependencies out with --omit=optional)`;
    return { published: true, candidate: { source: 'prebuilt', path: undefined, loaded: false, note } };
  }
  const { version } = readManifest(manifestPath);
  const id = `${name}@${version}`;
  const path = join(dirname(manifestPath), ADDON_FILE);
  if (version !== own.version) {
    return { published: true, candidate: { source: 'prebuilt', path, loaded: false, note: `${id} does not match ${own.name}@${own.version}` } };
  }
  return { published: true, ...tryLoad('prebuilt', path, load, (outcome) => `${id}: ${path} ${outcome}`, `prebuilt ${id}`) };
}

/** Why `build/Release` holds no binary, from what the install script recorded (or its absence). */
function whyNotBuilt(own: Manifest, install: InstallStatus | undefined): string {
  if (install === undefined) {
    return `the install script of ${own.name} never ran, so nothing was built from source (npm ran with --ignore-scripts, or its allowScripts policy left the script out)`;
  }
  switch (install.outcome) {
    case 'skipped':
      return 'the build from source was skipped on purpose (SELFSUP_NATIVE_SKIP_BUILD=1 at install)';
    case 'failed':
      return `the build from source failed at install (${install.detail}; see ${install.log ?? 'build/install.log'})`;
    case 'no-toolchain':
      return `nothing was built from source at install: ${install.detail}`;
    case 'prebuilt':
      return `nothing was built from source, since at install ${install.prebuilt ?? 'the prebuilt binary'} loaded`;
    case 'built':
      return 'the build from source made at install is gone';
  }
}

/** How to get a binary, given what is missing. */
function howToFix(own: Manifest, prebuiltPublished: boolean, install: InstallStatus | undefined): string {
  const rebuild = `\`npm rebuild ${own.name}\` (needs python3, make and a C++17 compiler)`;
  const build =
    install?.outcome === 'skipped' ? `unset SELFSUP_NATIVE_SKIP_BUILD and run ${rebuild}` : install === undefined ? `run its install script: ${rebuild}` : `build from source: ${rebuild}`;
  return prebuiltPublished ? `Fix: reinstall ${own.name} with its optional dependencies, or ${build}.` : `Fix: ${build}.`;
}

/**
 * Finds and loads the native addon, trying in order: the file `SELFSUP_NATIVE_ADDON` names (then
 * nothing else), this platform's prebuilt package (e.g. `@selfsup/backend-native-linux-x64-gnu`,
 * resolved from the package folder, used only at the same version), and the build from source in
 * `build/Release`. Never throws; reports which binary is in use or why none is.
 *
 * @param search - The package folder, the environment and the machine.
 * @param load - Loads a `.node` file (throws when it cannot), e.g. `createRequire(...)`.
 * @returns The loaded module (undefined when none) and {@link NativeBinaryInfo}.
 *
 * @example
 * ```ts
 * const { addon, info } = findNativeBinary({ packageRoot, env: process.env }, createRequire(import.meta.url));
 * console.log(addon ? info.summary : info.reason);
 * ```
 */
export function findNativeBinary<T>(search: NativeBinarySearch, load: (path: string) => T): NativeBinaryLoad<T> {
  const own = readManifest(join(search.packageRoot, 'package.json'));
  const platform = platformTriple(search.target ?? thisTarget());
  const prebuiltPackage = `${own.name}-${platform}`;
  const install = readInstallStatus(search.packageRoot);
  const report = (attempts: readonly Attempt<T>[], summary: string, reason: string | undefined): NativeBinaryLoad<T> => {
    const loaded = attempts.find((attempt) => attempt.addon !== undefined);
    const info: NativeBinaryInfo = {
      source: loaded?.candidate.source,
      path: loaded?.candidate.path,
      summary,
      reason,
      platform,
      prebuiltPackage,
      install,
      candidates: attempts.map((attempt) => attempt.candidate),
    };
    return { addon: loaded?.addon, info };
  };

  const override = search.env.SELFSUP_NATIVE_ADDON?.trim();
  if (override) {
    const attempt = tryLoad('override', override, load, (outcome) => `SELFSUP_NATIVE_ADDON names ${override}, which ${outcome === 'is missing' ? 'does not exist' : outcome}`, `SELFSUP_NATIVE_ADDON=${override}`);
    if (attempt.addon !== undefined) return report([attempt], attempt.candidate.note, undefined);
    return report([attempt], 'none', `${attempt.candidate.note}; unset it to use the prebuilt binary or the build from source.`);
  }

  const prebuilt = tryPrebuilt(own, search.packageRoot, prebuiltPackage, platform, load);
  if (prebuilt.addon !== undefined) return report([prebuilt], prebuilt.candidate.note, undefined);

  const builtPath = join(search.packageRoot, 'build', 'Release', ADDON_FILE);
  const atInstall = install?.outcome === 'built' ? ' at install' : '';
  const built = tryLoad('source', builtPath, load, (outcome) => (outcome === 'is missing' ? whyNotBuilt(own, install) : `the build from source ${outcome}`), `built from source${atInstall}`);
  const attempts = [prebuilt, built];
  if (built.addon !== undefined) return report(attempts, `built from source${atInstall} (${prebuilt.candidate.note})`, undefined);
  return report(attempts, 'none', `no native binary for ${platform}: ${prebuilt.candidate.note}; ${built.candidate.note}. ${howToFix(own, prebuilt.published, install)}`);
}
