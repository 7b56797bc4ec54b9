import * as tf from '@tensorflow/tfjs-core';
import { SslError } from '@selfsup/core';
import { importNodeBuiltin, isNodeRuntime } from './node-builtins.js';

/** The backends that live in an optional peer package. */
export type PackagedBackendName = 'wasm' | 'webgpu' | 'tensorflow' | 'tensorflow-gpu';

/** The npm package that provides each packaged backend. */
export const BACKEND_PACKAGES: Readonly<Record<PackagedBackendName, string>> = {
  wasm: '@tensorflow/tfjs-backend-wasm',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
};

/**
 * The npm command that installs the package of `name`, pinned to the version of the
 * `@tensorflow/tfjs-core` in use (TensorFlow.js packages must share one version).
 */
export function installCommand(name: PackagedBackendName): string {
  return `npm install ${BACKEND_PACKAGES[name]}@${tf.version_core}`;
}

const providedPackages = new Map<PackagedBackendName, unknown>();

/**
 * Hands `useBackend` a backend package that the app imported itself. A browser bundle needs this:
 * `useBackend` loads `@tensorflow/tfjs-backend-wasm` and `@tensorflow/tfjs-backend-webgpu` by a
 * computed specifier (they are optional), which bundlers leave out, so the app imports the ones
 * it wants and passes them here. Node.js needs no call: there `useBackend` imports them itself.
 *
 * @example
 * ```ts
 * import * as wasm from '@tensorflow/tfjs-backend-wasm';
 * import { provideBackendPackage, useBackend } from '@selfsup/backend';
 * provideBackendPackage('wasm', wasm);
 * await useBackend('wasm');
 * ```
 */
export function provideBackendPackage(name: 'wasm' | 'webgpu', module: unknown): void {
  if (!(name === 'wasm' || name === 'webgpu')) {
    throw new SslError('INVALID_ARGUMENT', `provideBackendPackage(name): expected "wasm" or "webgpu", got ${JSON.stringify(name)}. The other backends run only in Node.js, which imports their packages itself.`);
  }
  if (typeof module !== 'object' || module === null) {
    throw new SslError('INVALID_ARGUMENT', `provideBackendPackage(module): expected the module object of ${BACKEND_PACKAGES[name]} (import * as m from '${BACKEND_PACKAGES[name]}'), got ${module === null ? 'null' : typeof module}.`);
  }
  providedPackages.set(name, module);
}

/** True when the package of `name` can be resolved from this package (without loading it). */
export async function isBackendPackageInstalled(name: PackagedBackendName): Promise<boolean> {
  // A browser cannot resolve packages: there a backend package is installed when the app handed
  // it over with provideBackendPackage.
  if (!isNodeRuntime()) return providedPackages.has(name);
  const { createRequire } = await importNodeBuiltin('module');
  try {
    createRequire(import.meta.url).resolve(BACKEND_PACKAGES[name]);
    return true;
  } catch {
    return false;
  }
}

/** Whether `error` says that `specifier` itself (not one of its dependencies) could not be found. */
export function isMissingModule(error: unknown, specifier: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : '';
  const code = e?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)|Could not resolve|Failed to load url/.test(message)) &&
    message.includes(specifier)
  );
}

function unavailable(name: PackagedBackendName, message: string, cause?: unknown): SslError {
  return new SslError('BACKEND_UNAVAILABLE', message, {
    cause,
    details: { backend: name, package: BACKEND_PACKAGES[name], install: installCommand(name) },
  });
}

/** The error for a backend whose package is not installed: names the npm command that installs it. */
export function notInstalledError(name: PackagedBackendName, cause?: unknown): SslError {
  const why =
    name === 'wasm' || name === 'webgpu'
      ? ''
      : ' (its install script downloads libtensorflow, so it needs network access and a supported platform)';
  return unavailable(
    name,
    `backend "${name}" needs ${BACKEND_PACKAGES[name]}, which is not installed. ` +
      `Install it with: ${installCommand(name)}${why}, or choose another backend (${name === 'wasm' ? 'cpu' : 'wasm or cpu'}).`,
    cause,
  );
}

/**
 * Imports the package of a packaged backend (which registers the backend with TensorFlow.js).
 *
 * @throws SslError `BACKEND_UNAVAILABLE` naming the install command when it is not installed, or
 *   quoting the loader's error when it is installed but fails to load.
 */
export async function importBackendPackage<T = unknown>(name: PackagedBackendName): Promise<T> {
  if (providedPackages.has(name)) return providedPackages.get(name) as T;
  const specifier = BACKEND_PACKAGES[name];
  try {
    return (await import(/* @vite-ignore */ specifier)) as T;
  } catch (cause) {
    if (isMissingModule(cause, specifier)) throw notInstalledError(name, cause);
    throw unavailable(
      name,
      `backend "${name}": ${specifier} is installed but failed to load: ${(cause as Error)?.message ?? String(cause)}. ` +
        `Reinstall it with: ${installCommand(name)}, or choose another backend.`,
      cause,
    );
  }
}
