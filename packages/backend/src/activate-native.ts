import * as tf from '@tensorflow/tfjs-core';
import { SslError } from '@selfsup/core';
import { isMissingModule } from './backend-package.js';

/** The npm package of the native CPU backend. */
export const NATIVE_PACKAGE = '@selfsup/backend-native';

/** The part of `@selfsup/backend-native` that `useBackend('native')` calls. */
interface NativeModule {
  registerNativeBackend(options: { threads?: number }): Promise<boolean>;
  nativeBuildInfo(): { available: boolean; reason: string | undefined; addon: { threads: number } | undefined };
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
 * @returns The thread count the addon computes with.
 * @throws SslError `BACKEND_UNAVAILABLE` when the package is missing or its addon was not built;
 *   `details.reason` holds the one-line explanation (e.g. "no C++ compiler at install").
 */
export async function activateNative(threads: number): Promise<number> {
  const native = await importNative();
  if (!(await native.registerNativeBackend({ threads }))) {
    const reason = native.nativeBuildInfo().reason ?? 'its addon did not load';
    throw unavailable(
      reason,
      `backend "native" is unavailable: ${reason}. Rebuild it with: npm rebuild ${NATIVE_PACKAGE} (needs python3, make and a C++ compiler), or choose another backend (wasm or cpu).`,
    );
  }
  if (!(await tf.setBackend(native.NATIVE_BACKEND_NAME))) {
    throw unavailable('initialisation failed', `backend "native" failed to initialise: tf.setBackend("${native.NATIVE_BACKEND_NAME}") returned false.`);
  }
  return native.nativeBuildInfo().addon?.threads ?? threads;
}
