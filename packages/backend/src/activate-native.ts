import * as tf from '@tensorflow/tfjs-core';
import { SslError } from '@selfsup/core';
import { isMissingModule } from './backend-package.js';

/** The npm package of the native CPU backend. */
export const NATIVE_PACKAGE = '@selfsup/backend-native';

/** The part of `@selfsup/backend-native` that `useBackend('native')` calls. */
interface NativeModule {
  registerNativeBackend(options: { threads?: number }): Promise<boolean>;
  nativeBuildInfo(): {
    available: boolean;
    reason: string | undefined;
    addon: { threads: number } | undefined;
    /** Which binary is in use (absent before @selfsup/backend-native 0.1). */
    binary?: { summary: string };
  };
  NATIVE_BACKEND_NAME: string;
}

function unavailable(reason: string, message: string, cause?: unknown): SslError {
  return new SslError('BACKEND_UNAVAILABLE', message, { cause, details: { backend: 'native', package: NATIVE_PACKAGE, reason } });
}

async function importNative(): Promise<NativeModule> {
  try {
    return (await import(/* @vite-ignore */ NATIVE_PACKAGE)) as NativeModule;
  } catch (cause) {
    const message = (cause as Error)?.message ?? String(cause);
    const reason = isMissingModule(cause, NATIVE_PACKAGE) ? `${NATIVE_PACKAGE} is not installed` : `${NATIVE_PACKAGE} failed to load: ${message}`;
    throw unavailable(
      reason,
      `backend "native": ${reason}. Install it with: npm install ${NATIVE_PACKAGE} (it builds with node-gyp and a C++ compiler), or choose another backend (wasm or cpu).`,
      cause,
    );
  }
}

/**
 * Registers selfsup's native CPU backend with `threads` threads and makes it the active
 * TensorFlow.js backend.
 *
 * @returns The thread count the addon computes with, and which binary it loaded
 *   (`prebuilt @selfsup/backend-native-linux-x64-gnu@<version>`, `built from source at install`).
 * @throws SslError `BACKEND_UNAVAILABLE` when the package is missing or no native binary loaded;
 *   `details.reason` holds the package's one-line explanation (no prebuilt for this platform or
 *   optional dependencies left out, and install scripts not run, the build skipped with
 *   SELFSUP_NATIVE_SKIP_BUILD=1, or failed), which ends with the fix.
 */
export async function activateNative(threads: number): Promise<{ threads: number; binary: string | undefined }> {
  const native = await importNative();
  if (!(await native.registerNativeBackend({ threads }))) {
    const reason = native.nativeBuildInfo().reason ?? 'its addon did not load';
    throw unavailable(
      reason,
      `backend "native" is unavailable: ${reason}${/[.!]$/.test(reason) ? '' : '.'} Or choose another backend (wasm or cpu).`,
    );
  }
  if (!(await tf.setBackend(native.NATIVE_BACKEND_NAME))) {
    throw unavailable('initialisation failed', `backend "native" failed to initialise: tf.setBackend("${native.NATIVE_BACKEND_NAME}") returned false.`);
  }
  const info = native.nativeBuildInfo();
  return { threads: info.addon?.threads ?? threads, binary: info.binary?.summary };
}
