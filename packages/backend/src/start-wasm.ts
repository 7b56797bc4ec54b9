import * as tf from '@tensorflow/tfjs-core';
import type { Worker as NodeWorker } from 'node:worker_threads';
import { SslError } from '@selfsup/core';
import { importBackendPackage } from './backend-package.js';
import { snapshotProcessListeners } from './process-listeners.js';
import { createPthreadWorkerClass } from './pthread-worker.js';
import { installWasmKernelFixes } from './wasm-kernel-fixes.js';
import { importNodeBuiltin, isNodeRuntime } from './node-builtins.js';
import { installWasmMatMulKernels } from './wasm-matmul-kernels.js';

/**
 * The most threads the wasm backend computes with: tfjs-backend-wasm 4.x pre-creates 8 thread
 * workers and caps XNNPACK's thread pool at 8 threads (the calling thread included).
 */
export const WASM_MAX_THREADS = 8;

/** tfjs-backend-wasm registers `wasm` with this priority. */
const WASM_PRIORITY = 2;

const THREADED_MAIN_SCRIPT = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
const THREADED_WORKER_SCRIPT = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';

/** The parts of `@tensorflow/tfjs-backend-wasm` used here. */
interface WasmPackage {
  setThreadsCount(threads: number): void;
  getThreadsCount(): number;
}

/** The parts of tfjs-backend-wasm's `BackendWasm` used here. */
interface WasmBackendLike {
  numDataIds(): number;
}

/** Test seams of {@link startWasm}. */
export interface StartWasmOptions {
  /**
   * Replaces the Emscripten pthread worker script (tests use a failing one to exercise the
   * single-threaded fallback).
   * @defaultValue the script shipped in `@tensorflow/tfjs-backend-wasm/wasm-out/`
   */
  workerSource?: string;
  /**
   * How long thread start-up may take before falling back to one thread, in milliseconds.
   * @defaultValue 60000
   */
  startTimeoutMs?: number;
  /**
   * Receives the one-line explanation when threads cannot start.
   * @defaultValue `console.warn`
   */
  warn?: (line: string) => void;
}

/** What {@link startWasm} started. */
export interface WasmStart {
  /** The threads XNNPACK computes with (`getThreadsCount()` of tfjs-backend-wasm). */
  readonly threads: number;
  /** The threads asked for. */
  readonly requestedThreads: number;
  /** Why `threads` differs from `requestedThreads`, if it does. */
  readonly note: string | undefined;
}

interface WasmState extends WasmStart {
  /** The Node workers running this backend's threads. */
  readonly workers: Set<NodeWorker>;
}

let current: WasmState | undefined;
let registration: { factory: () => tf.KernelBackend | Promise<tf.KernelBackend> } | undefined;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function publicView(state: WasmState): WasmStart {
  return { threads: state.threads, requestedThreads: state.requestedThreads, note: state.note };
}

/**
 * The initialised wasm backend, or null. Reads the engine's registry directly: `tf.findBackend`
 * would initialise the backend (single-threaded) as a side effect.
 */
function wasmBackend(): WasmBackendLike | null {
  return (tf.engine().registry['wasm'] as unknown as WasmBackendLike | undefined) ?? null;
}

/** Drops the initialised wasm backend (and its threads) so the next `setBackend` starts afresh. */
function resetRegistration(): void {
  if (registration === undefined) return;
  const listeners = snapshotProcessListeners();
  try {
    if (tf.findBackendFactory('wasm') !== null) tf.removeBackend('wasm');
  } finally {
    listeners.restore();
  }
  for (const worker of current?.workers ?? []) void worker.terminate();
  current = undefined;
  tf.registerBackend('wasm', registration.factory, WASM_PRIORITY);
}

function readWorkerSource(require: NodeRequire): string {
  const source = (require(THREADED_WORKER_SCRIPT) as { wasmWorkerContents?: unknown }).wasmWorkerContents;
  if (typeof source !== 'string') throw new Error(`${THREADED_WORKER_SCRIPT} exports no wasmWorkerContents`);
  // The script is stored in a template literal, which turned its "\n" escapes into raw newlines
  // inside string literals; escape them again (as tfjs-backend-wasm does for its blob).
  return source.replace(/\n/g, '\\n');
}

async function startThreaded(wasmPackage: WasmPackage, threads: number, options: StartWasmOptions): Promise<WasmState> {
  if (typeof SharedArrayBuffer !== 'function') throw new Error('SharedArrayBuffer is unavailable');
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) {
    throw new Error('WebAssembly SIMD is unavailable, and the threaded build needs it');
  }
  const { createRequire } = await importNodeBuiltin('module');
  const { Worker: NodeWorkerClass } = await importNodeBuiltin('worker_threads');
  const require = createRequire(import.meta.url);
  const mainScriptPath = require.resolve(THREADED_MAIN_SCRIPT);
  const workerSource = options.workerSource ?? readWorkerSource(require);

  const workers = new Set<NodeWorker>();
  let reportFailure: (error: Error) => void = () => {};
  const failure = new Promise<never>((_resolve, reject) => {
    reportFailure = reject;
  });
  failure.catch(() => {});
  const control = createPthreadWorkerClass(NodeWorkerClass, {
    workerSource,
    mainScriptPath,
    workers,
    onStartFailure: (error) => reportFailure(error),
  });

  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true); // its check answers false in Node
  wasmPackage.setThreadsCount(threads);

  // While the backend starts: (1) `new Worker(...)` must build our worker class, and Emscripten's
  // Node branch assigns `globalThis.Worker = worker_threads.Worker` first, so the setter ignores
  // that; (2) the backend sizes its pool to min(threads, cores / 2) (it assumes two hyperthreads
  // per core), reading the core count from `os.cpus()`, so report 2 x threads cores.
  const os = require('node:os') as { cpus: () => unknown[] };
  const realCpus = os.cpus;
  os.cpus = () => {
    const cpus = realCpus.call(os);
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % Math.max(1, cpus.length)]);
  };
  const previousWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => control.WorkerClass,
    set: () => {},
  });
  const listeners = snapshotProcessListeners();
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the threads did not start within ${timeoutMs} ms`)), timeoutMs);
    });
    timeout.catch(() => {});
    const ok = await Promise.race([tf.setBackend('wasm'), failure, timeout]);
    if (!ok) throw new Error('tf.setBackend("wasm") returned false');
    control.markStarted();
  } catch (error) {
    for (const worker of workers) void worker.terminate();
    throw error;
  } finally {
    clearTimeout(timer);
    os.cpus = realCpus;
    if (previousWorker) Object.defineProperty(globalThis, 'Worker', previousWorker);
    else delete (globalThis as { Worker?: unknown }).Worker;
    listeners.restore();
  }
  return { threads: wasmPackage.getThreadsCount(), requestedThreads: threads, note: undefined, workers };
}

async function startSingleThreaded(wasmPackage: WasmPackage): Promise<void> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasmPackage.setThreadsCount(1);
  const listeners = snapshotProcessListeners();
  let ok: boolean;
  try {
    ok = await tf.setBackend('wasm');
  } finally {
    listeners.restore();
  }
  if (!ok) {
    throw new SslError(
      'BACKEND_UNAVAILABLE',
      'backend "wasm" failed to initialise: tf.setBackend("wasm") returned false (TensorFlow.js printed the cause above). Choose --backend cpu meanwhile.',
      { details: { backend: 'wasm' } },
    );
  }
}

/**
 * Makes the wasm backend active with `requestedThreads` threads (capped at {@link WASM_MAX_THREADS}).
 * One thread uses the single-threaded SIMD build; more use the threaded SIMD build, whose
 * Emscripten threads are started on `node:worker_threads` (see `pthread-worker.ts`). It also
 * installs the kernel fixes of `wasm-matmul-kernels.ts` and `wasm-kernel-fixes.ts`. When
 * threads cannot start, it warns in one line and runs single-threaded. Asking again with the same
 * count reuses the running backend; another count restarts it, which needs every tensor on it
 * disposed.
 *
 * @throws SslError `BACKEND_UNAVAILABLE` when tfjs-backend-wasm is missing or cannot start;
 *   `NOT_SUPPORTED` when changing the thread count while tensors live on the wasm backend.
 */
export async function startWasm(requestedThreads: number, options: StartWasmOptions = {}): Promise<WasmStart> {
  const wasmPackage = await importBackendPackage<WasmPackage>('wasm');
  if (registration === undefined) {
    const factory = tf.findBackendFactory('wasm');
    if (factory === null) {
      throw new SslError('BACKEND_UNAVAILABLE', 'backend "wasm": @tensorflow/tfjs-backend-wasm loaded but registered no "wasm" backend.');
    }
    registration = { factory };
  }
  installWasmMatMulKernels();
  installWasmKernelFixes();
  // In a browser the threaded build needs cross-origin isolation and worker scripts of its own:
  // selfsup runs the single-threaded build there.
  const threads = isNodeRuntime() ? Math.min(requestedThreads, WASM_MAX_THREADS) : 1;
  const running = wasmBackend();
  if (current !== undefined && Math.min(current.requestedThreads, WASM_MAX_THREADS) === threads && running !== null) {
    await tf.setBackend('wasm');
    return publicView(current);
  }
  if (running !== null) {
    const live = running.numDataIds();
    if (live > 0) {
      throw new SslError(
        'NOT_SUPPORTED',
        `useBackend("wasm", { threads: ${requestedThreads} }): the wasm backend runs with ${current?.threads ?? 'another number of'} thread(s) and holds ${live} live tensor(s); ` +
          `changing the thread count restarts it and would lose them. Dispose them first, or keep threads: ${current?.requestedThreads ?? 'as before'}.`,
        { details: { backend: 'wasm', liveTensors: live, threads: current?.threads, requestedThreads } },
      );
    }
  }
  if (running !== null || current !== undefined) resetRegistration();

  const notes: string[] = [];
  if (threads < requestedThreads) {
    notes.push(isNodeRuntime() ? `capped at ${WASM_MAX_THREADS} threads, the most tfjs-backend-wasm's thread pool uses` : 'a browser runs the single-threaded build');
  }
  if (threads > 1) {
    try {
      const started = await startThreaded(wasmPackage, threads, options);
      if (started.threads !== threads) notes.push(`the thread pool started ${started.threads} of ${threads} threads`);
      current = { ...started, requestedThreads, note: notes.length > 0 ? notes.join('; ') : undefined };
      return publicView(current);
    } catch (error) {
      const line = `could not start ${threads} wasm threads (${errorMessage(error)}); running single-threaded`;
      (options.warn ?? console.warn)(`selfsup: ${line}.`);
      notes.push(line);
      resetRegistration();
    }
  }
  await startSingleThreaded(wasmPackage);
  current = {
    requestedThreads,
    threads: wasmPackage.getThreadsCount(),
    note: notes.length > 0 ? notes.join('; ') : undefined,
    workers: new Set(),
  };
  return publicView(current);
}
