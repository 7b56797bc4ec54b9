import * as tf from '@tensorflow/tfjs-core';
import { SslError, invalidArgument, isSslError } from '@selfsup/core';
import { BACKEND_PACKAGES, importBackendPackage, isBackendPackageInstalled, type PackagedBackendName } from './backend-package.js';
import { defaultThreads } from './default-threads.js';
import { ensureGradients } from './ensure-gradients.js';
import { gpuAvailability } from './gpu-availability.js';
import { installCpuKernelFixes } from './cpu-kernel-fixes.js';
import { assertSupportedNode } from './supported-node.js';
import type { WebgpuAdapterDescription } from './webgpu-adapter.js';
import { webgpuAvailability } from './webgpu-availability.js';
import { isNodeRuntime } from './node-builtins.js';

/** The backends selfsup can run on. `auto` picks the fastest one installed. */
export type BackendName = 'cpu' | 'wasm' | 'native' | 'webgpu' | 'tensorflow' | 'tensorflow-gpu' | 'auto';

/** The concrete backends (not `auto`). */
export type ConcreteBackendName = Exclude<BackendName, 'auto'>;

/**
 * Every concrete backend name, in `auto`'s order of preference: a hardware WebGPU adapter first,
 * then a CUDA GPU through tfjs-node-gpu, then the native CPU backend (`@selfsup/backend-native`),
 * libtensorflow on the CPU, wasm, cpu.
 */
export const BACKEND_NAMES: readonly ConcreteBackendName[] = ['webgpu', 'tensorflow-gpu', 'native', 'tensorflow', 'wasm', 'cpu'];

/** Options of {@link useBackend}. */
export interface UseBackendOptions {
  /**
   * Threads to compute with. The native backend runs this many threads; the wasm backend too
   * (at most 8, its thread pool's limit; 1 uses the single-threaded build); `tensorflow` and `tensorflow-gpu` get it as
   * `TF_NUM_INTRAOP_THREADS` unless that is already set; `cpu` always uses one thread.
   * @defaultValue `SELFSUP_THREADS` when set, else the number of cores (`os.availableParallelism()`)
   */
  threads?: number;
}

/** What {@link useBackend} selected. */
export interface BackendInfo {
  /** The selfsup name of the backend now active. */
  readonly name: ConcreteBackendName;
  /** The TensorFlow.js backend name (`cpu`, `wasm`, `selfsup-native`, `webgpu` or `tensorflow`). */
  readonly tfBackend: string;
  /** Threads the backend computes with. */
  readonly threads: number;
  /** Why this backend runs: `requested`, or what `auto` found; plus any adjustment (thread cap, fallback). */
  readonly reason: string;
  /** For `webgpu`: the adapter computing (vendor, device, description, software or not, feature level). */
  readonly adapter?: WebgpuAdapterDescription;
}

/** The one of tfjs-node / tfjs-node-gpu loaded in this process (both register `tensorflow`). */
/** Backends that load native code, so run only in Node.js (a browser has wasm, webgpu and cpu). */
const NODE_ONLY_BACKENDS: readonly ConcreteBackendName[] = ['native', 'tensorflow', 'tensorflow-gpu'];

let tensorflowPackageLoaded: 'tensorflow' | 'tensorflow-gpu' | undefined;

async function activateCpu(): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  await ensureGradients();
  installCpuKernelFixes();
  if (!(await tf.setBackend('cpu'))) {
    throw new SslError('BACKEND_UNAVAILABLE', 'backend "cpu" failed to initialise: tf.setBackend("cpu") returned false.');
  }
  // The cpu backend prints a banner recommending tfjs-node on first use; selfsup chose cpu on purpose.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
}

async function activateTensorflow(name: 'tensorflow' | 'tensorflow-gpu', threads: number): Promise<{ threads: number; note?: string }> {
  const other = name === 'tensorflow' ? 'tensorflow-gpu' : 'tensorflow';
  if (tensorflowPackageLoaded === other) {
    throw new SslError(
      'BACKEND_UNAVAILABLE',
      `backend "${name}": ${BACKEND_PACKAGES[other]} already provides TensorFlow.js's "tensorflow" backend in this process, ` +
        `and ${BACKEND_PACKAGES[name]} cannot load beside it. Choose one of them per process.`,
      { details: { backend: name, loaded: BACKEND_PACKAGES[other] } },
    );
  }
  // libtensorflow reads its intra-op pool size once, when it loads.
  const fromEnvironment = Number(process.env.TF_NUM_INTRAOP_THREADS);
  if (!(Number.isInteger(fromEnvironment) && fromEnvironment > 0)) process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  await importBackendPackage(name);
  tensorflowPackageLoaded = name;
  await ensureGradients();
  if (tf.findBackendFactory('tensorflow') === null) {
    throw new SslError('BACKEND_UNAVAILABLE', `backend "${name}": ${BACKEND_PACKAGES[name]} loaded but registered no "tensorflow" backend.`);
  }
  if (!(await tf.setBackend('tensorflow'))) {
    throw new SslError('BACKEND_UNAVAILABLE', `backend "${name}" failed to initialise: tf.setBackend("tensorflow") returned false.`);
  }
  const actualThreads = Number(process.env.TF_NUM_INTRAOP_THREADS);
  if (name === 'tensorflow-gpu') {
    const gpu = await gpuAvailability();
    if (!gpu.usable) return { threads: actualThreads, note: `no usable GPU (${gpu.reason}), so tfjs-node-gpu computes on the CPU` };
  }
  return { threads: actualThreads };
}

async function activate(name: ConcreteBackendName, threads: number, reason: string): Promise<BackendInfo> {
  let actualThreads = 1;
  let note: string | undefined;
  let adapter: WebgpuAdapterDescription | undefined;
  if (name === 'cpu') {
    await activateCpu();
  } else if (name === 'native') {
    const { activateNative } = await import('./activate-native.js');
    await ensureGradients();
    const started = await activateNative(threads);
    actualThreads = started.threads;
    if (started.binary !== undefined) note = `native binary: ${started.binary}`;
  } else if (name === 'wasm') {
    const { startWasm } = await import('./start-wasm.js');
    await ensureGradients();
    const started = await startWasm(threads);
    actualThreads = started.threads;
    note = started.note;
  } else if (name === 'webgpu') {
    const { activateWebgpu } = await import('./activate-webgpu.js');
    await ensureGradients();
    ({ adapter, note } = await activateWebgpu());
  } else {
    ({ threads: actualThreads, note } = await activateTensorflow(name, threads));
  }
  await tf.ready();
  const info = { name, tfBackend: tf.getBackend(), threads: actualThreads, reason: note === undefined ? reason : `${reason}; ${note}` };
  return adapter === undefined ? info : { ...info, adapter };
}

/**
 * Selects the TensorFlow.js backend for this process and makes gradients work on it (see
 * {@link ensureGradients}). Backends, fastest first: `webgpu` (`@tensorflow/tfjs-backend-webgpu`
 * on the browser's `navigator.gpu`, or in Node.js on Dawn from the npm package `webgpu`: Vulkan,
 * Metal or D3D12; `SELFSUP_WEBGPU_BACKEND=opengles` selects Dawn's OpenGL ES backend, which runs on
 * Mesa's software rasteriser where there is no GPU, for tests), `tensorflow-gpu`
 * (`@tensorflow/tfjs-node-gpu`, CUDA 11.2), `native` (`@selfsup/backend-native`: multi-threaded native kernels through Node-API,
 * built at install), `tensorflow` (`@tensorflow/tfjs-node`, libtensorflow on the CPU), `wasm`
 * (`@tensorflow/tfjs-backend-wasm`, XNNPACK, multi-threaded in Node), `cpu` (plain JavaScript,
 * always available). `auto` (the default) takes the first one that is installed and usable
 * (`webgpu` only with a hardware adapter, never a software one; `tensorflow-gpu` only when a GPU
 * is visible; `native` only when its addon was built) and says
 * why in `reason`, including a one-line explanation of each backend it skipped (for example why
 * the native addon is missing, before it falls back to wasm).
 *
 * The wasm backend runs `threads` threads on `node:worker_threads`; when they cannot start it
 * warns in one line and runs single-threaded. Its heap is one WebAssembly memory of at most 4 GB.
 * Call it before creating tensors: changing wasm's thread count restarts that backend, which
 * refuses while tensors live on it.
 *
 * @param name - The backend to use.
 * @param options - Threads; see {@link UseBackendOptions}.
 * @returns What now runs: the backend, its thread count, why it was chosen, and for `webgpu` the
 *   adapter (`info.adapter.software` is true for a software adapter such as llvmpipe).
 * @throws SslError `NOT_SUPPORTED` on a Node.js older than the packages' `engines` (20.19; the
 *   message names both versions); `BACKEND_UNAVAILABLE` when the requested backend's package is not installed
 *   (the message names the npm command that installs it) or cannot start; `INVALID_ARGUMENT` for
 *   an unknown name or a bad `threads`; `INVALID_CONFIG` for a bad `SELFSUP_THREADS`.
 *
 * @example
 * ```ts
 * const info = await useBackend('wasm', { threads: 2 });
 * console.log(`${info.name}: ${info.threads} threads (${info.reason})`); // wasm: 2 threads (requested)
 * ```
 */
export async function useBackend(name: BackendName = 'auto', options: UseBackendOptions = {}): Promise<BackendInfo> {
  assertSupportedNode();
  if (!(name === 'auto' || (BACKEND_NAMES as readonly string[]).includes(name))) {
    throw invalidArgument({
      argument: 'useBackend(name)',
      expected: `one of auto, ${BACKEND_NAMES.join(', ')}`,
      actual: name,
      fix: 'Use auto to pick the fastest installed backend.',
    });
  }
  const threads = await defaultThreads(options.threads);
  const inNode = isNodeRuntime();
  if (name !== 'auto' && !inNode && NODE_ONLY_BACKENDS.includes(name)) {
    throw new SslError('BACKEND_UNAVAILABLE', `backend "${name}" runs only in Node.js; in a browser choose webgpu, wasm or cpu (or auto).`, {
      details: { backend: name },
    });
  }
  if (name !== 'auto') return activate(name, threads, 'requested');

  const skipped: string[] = [];
  for (const candidate of BACKEND_NAMES) {
    let why = 'the fastest installed backend';
    if (!inNode && NODE_ONLY_BACKENDS.includes(candidate)) continue;
    if (candidate === 'native') {
      why = 'the fastest backend on a machine without a usable GPU';
    } else if (candidate === 'webgpu') {
      const webgpu = await webgpuAvailability();
      if (!webgpu.usable) {
        skipped.push(`webgpu (${webgpu.reason})`);
        continue;
      }
      why = `${webgpu.reason}`;
    } else if (candidate !== 'cpu') {
      if (!(await isBackendPackageInstalled(candidate))) {
        skipped.push(`${candidate} (${BACKEND_PACKAGES[candidate as PackagedBackendName]} is not installed)`);
        continue;
      }
      if (candidate === 'tensorflow-gpu') {
        const gpu = await gpuAvailability();
        if (!gpu.usable) {
          skipped.push(`tensorflow-gpu (${gpu.reason})`);
          continue;
        }
        why = `the fastest installed backend, and a GPU is usable (${gpu.reason})`;
      }
    } else {
      why = 'no faster backend is installed';
    }
    const reason = `auto chose ${candidate}: ${why}` + (skipped.length > 0 ? `; skipped ${skipped.join(', ')}` : '');
    try {
      return await activate(candidate, threads, reason);
    } catch (error) {
      if (!isSslError(error, 'BACKEND_UNAVAILABLE') || candidate === 'cpu') throw error;
      skipped.push(`${candidate} (${candidate === 'native' ? String(error.details?.reason ?? error.message) : error.message})`);
    }
  }
  throw new SslError('BACKEND_UNAVAILABLE', `useBackend("auto"): no backend could start; skipped ${skipped.join(', ')}.`);
}
