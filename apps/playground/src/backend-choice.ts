import * as wasm from '@tensorflow/tfjs-backend-wasm';
import * as webgpu from '@tensorflow/tfjs-backend-webgpu';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { provideBackendPackage, useBackend, type BackendInfo } from '@selfsup/backend';
import type { PlaygroundBackend } from './options.js';

/**
 * Selects the backend with `useBackend` of `@selfsup/backend`, exactly as a Node.js program does;
 * a browser bundle only has to hand it the backend packages (their specifiers are computed, so a
 * bundler leaves them out) and tell the wasm backend where Vite put its `.wasm` files.
 */
export async function chooseBackend(name: PlaygroundBackend): Promise<BackendInfo> {
  wasm.setWasmPaths(
    {
      // absolute: the worker's base URL is its own script's
      'tfjs-backend-wasm.wasm': new URL(wasmPlainUrl, self.location.href).href,
      'tfjs-backend-wasm-simd.wasm': new URL(wasmSimdUrl, self.location.href).href,
      'tfjs-backend-wasm-threaded-simd.wasm': new URL(wasmThreadedSimdUrl, self.location.href).href,
    },
    true,
  );
  provideBackendPackage('wasm', wasm);
  provideBackendPackage('webgpu', webgpu);
  return useBackend(name);
}
