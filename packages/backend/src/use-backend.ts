import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkInteger } from '@selfsup/core';

/** The backends selfsup can run on. `auto` picks the fastest one installed. */
export type BackendName = 'cpu' | 'wasm' | 'tensorflow' | 'tensorflow-gpu' | 'auto';

/** The concrete backends (not `auto`). */
export type ConcreteBackendName = Exclude<BackendName, 'auto'>;

/** Every backend name, in `auto`'s order of preference. */
export const BACKEND_NAMES: readonly ConcreteBackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Options of {@link useBackend}. */
export interface UseBackendOptions {
  /**
   * Threads for the wasm backend. Node's wasm build runs single-threaded; the value is recorded
   * for backends that can use it.
   * @defaultValue the number of cores (`os.availableParallelism()`), or `SELFSUP_THREADS`
   */
  threads?: number;
}

/** What {@link useBackend} selected. */
export interface BackendInfo {
  /** The selfsup name of the backend now active. */
  readonly name: ConcreteBackendName;
  /** The TensorFlow.js backend name (`cpu`, `wasm`, `tensorflow`). */
  readonly tfBackend: string;
  /** Threads the backend computes with. */
  readonly threads: number;
  /** Why `auto` chose it, or that it was requested. */
  readonly reason: string;
}

const TF_NAME: Record<ConcreteBackendName, string> = {
  cpu: 'cpu',
  wasm: 'wasm',
  tensorflow: 'tensorflow',
  'tensorflow-gpu': 'tensorflow',
};

const PACKAGE: Record<Exclude<ConcreteBackendName, 'cpu'>, string> = {
  wasm: '@tensorflow/tfjs-backend-wasm',
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
};

let gradientsReady: Promise<void> | undefined;

/**
 * Registers TensorFlow.js's gradient functions. `@tensorflow/tfjs-core` alone registers none in
 * Node (its gradients ship only in the ES-module build), so `tf.grad` would fail with "gradient
 * function not found"; the `@tensorflow/tfjs` bundle registers all of them on the shared core.
 */
export function ensureGradients(): Promise<void> {
  gradientsReady ??= import('@tensorflow/tfjs').then(() => undefined);
  return gradientsReady;
}

function isMissingModule(error: unknown, specifier: string): boolean {
  const e = error as { code?: string; message?: string };
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(e?.message ?? '')) &&
    (e?.message ?? '').includes(specifier)
  );
}

async function loadBackendPackage(name: Exclude<ConcreteBackendName, 'cpu'>): Promise<void> {
  const specifier = PACKAGE[name];
  try {
    await import(/* @vite-ignore */ specifier);
  } catch (cause) {
    if (isMissingModule(cause, specifier)) {
      throw new SslError(
        'BACKEND_UNAVAILABLE',
        `backend "${name}" needs ${specifier}, which is not installed. Install it with: npm install ${specifier}@^4.22.0` +
          (name === 'wasm' ? '' : ' (it downloads libtensorflow at install time), or choose --backend wasm or cpu.'),
        { cause, details: { backend: name, package: specifier } },
      );
    }
    throw new SslError('BACKEND_UNAVAILABLE', `backend "${name}": loading ${specifier} failed: ${(cause as Error).message}`, {
      cause,
      details: { backend: name, package: specifier },
    });
  }
}

/** Threads to use: the option, else `SELFSUP_THREADS`, else the number of cores. */
export async function defaultThreads(option?: number): Promise<number> {
  if (option !== undefined) return checkInteger('useBackend(options.threads)', option, 1, 1024);
  const fromEnv = process.env.SELFSUP_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 1) {
      throw new SslError('INVALID_CONFIG', `SELFSUP_THREADS: expected a positive integer, got ${JSON.stringify(fromEnv)}. Unset it or set e.g. SELFSUP_THREADS=2.`);
    }
    return n;
  }
  const os = await import('node:os');
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

async function activate(name: ConcreteBackendName, threads: number): Promise<void> {
  if (name !== 'cpu') await loadBackendPackage(name);
  else await import('@tensorflow/tfjs-backend-cpu');
  await ensureGradients();
  const tfName = TF_NAME[name];
  if (tf.findBackendFactory(tfName) === null && tf.findBackend(tfName) === null) {
    throw new SslError('BACKEND_UNAVAILABLE', `backend "${name}": ${PACKAGE[name as Exclude<ConcreteBackendName, 'cpu'>] ?? 'tfjs-backend-cpu'} loaded but registered no "${tfName}" backend.`);
  }
  if (name === 'tensorflow-gpu' || name === 'tensorflow') {
    // tfjs-node and tfjs-node-gpu both register "tensorflow"; the package that loaded decides.
  }
  if (name === 'wasm') {
    const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as { setThreadsCount?: (n: number) => void };
    wasm.setThreadsCount?.(threads);
  }
  const ok = await tf.setBackend(tfName);
  if (!ok) throw new SslError('BACKEND_UNAVAILABLE', `backend "${name}" failed to initialise (tf.setBackend("${tfName}") returned false).`);
  await tf.ready();
  if (name === 'cpu') {
    // The cpu backend prints a banner recommending tfjs-node on first use; selfsup chose cpu on purpose.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  }
}

/**
 * Selects the TensorFlow.js backend for this process and makes gradients work. With `auto` (the
 * default), the fastest installed backend is chosen: tensorflow-gpu, tensorflow, wasm, then cpu.
 *
 * @throws SslError `BACKEND_UNAVAILABLE` when the requested backend's package is not installed,
 *   naming the npm command that installs it.
 *
 * @example
 * ```ts
 * const info = await useBackend('wasm');
 * console.log(`running on ${info.name} with ${info.threads} threads`);
 * ```
 */
export async function useBackend(name: BackendName = 'auto', options: UseBackendOptions = {}): Promise<BackendInfo> {
  if (!(name === 'auto' || (BACKEND_NAMES as readonly string[]).includes(name))) {
    throw new SslError(
      'INVALID_ARGUMENT',
      `useBackend(name): expected one of auto, ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(name)}.`,
    );
  }
  const threads = await defaultThreads(options.threads);
  if (name !== 'auto') {
    await activate(name, threads);
    return { name, tfBackend: TF_NAME[name], threads: name === 'cpu' ? 1 : threads, reason: 'requested' };
  }
  const skipped: string[] = [];
  for (const candidate of BACKEND_NAMES) {
    try {
      await activate(candidate, threads);
      const reason = skipped.length ? `auto: ${skipped.join('; ')}` : 'auto: the fastest installed backend';
      return { name: candidate, tfBackend: TF_NAME[candidate], threads: candidate === 'cpu' ? 1 : threads, reason };
    } catch (error) {
      if (!(error instanceof SslError) || error.code !== 'BACKEND_UNAVAILABLE') throw error;
      skipped.push(`${candidate} unavailable (${PACKAGE[candidate as Exclude<ConcreteBackendName, 'cpu'>] ?? ''} not installed)`);
    }
  }
  throw new SslError('BACKEND_UNAVAILABLE', `useBackend("auto"): no backend could start (${skipped.join('; ')}).`);
}
