import * as tf from '@tensorflow/tfjs-core';
import * as cpu from '@tensorflow/tfjs-backend-cpu';
import { SslError, invalidArgument } from '@selfsup/core';
import { loadAddon, type AddonInfo, type NativeAddon } from './addon.js';
import type { NativeBinaryInfo } from './native-binary.js';
import { FUSED_KERNEL_LIST, NATIVE_KERNEL_LIST, NATIVE_KERNELS } from './native-kernels.js';
import { resolveThreads } from './threads.js';
import { BufferPool } from './buffer-pool.js';
import { countedFallback, printFallbacksAtExit, reportFallbacksSetting, VIEW_KERNELS } from './fallback-report.js';
import { totalmem } from 'node:os';

/** The name the native backend registers under with TensorFlow.js (`tf.setBackend(NATIVE_BACKEND_NAME)`). */
export const NATIVE_BACKEND_NAME = 'selfsup-native';

/** How the native backend computes matrix products. */
export type NativeGemm = 'auto' | 'builtin' | 'openblas';

/** Instruction sets the native kernels can be limited to. */
export type NativeIsa = 'auto' | 'avx512' | 'avx2' | 'generic';

/** Options of {@link registerNativeBackend}. */
export interface NativeBackendOptions {
  /**
   * Threads that compute (the calling thread included); also OpenBLAS's thread count when it is used.
   * @defaultValue `SELFSUP_THREADS` when set, else the number of cores (`os.availableParallelism()`)
   */
  threads?: number;
  /**
   * The GEMM engine: `builtin` (selfsup's packed AVX-512/AVX2 kernels), `openblas` (the system's
   * OpenBLAS, loaded at run time when installed) or `auto` (see docs/decisions/0004).
   * @defaultValue `SELFSUP_NATIVE_GEMM` when set, else `auto`
   */
  gemm?: NativeGemm;
  /**
   * The instruction set the kernels may use, at most what the CPU supports (lower it to test or
   * to compare).
   * @defaultValue `SELFSUP_NATIVE_ISA` when set, else `auto` (the best the CPU supports)
   */
  isa?: NativeIsa;
  /**
   * Register the fused kernels (SelfsupLayerNorm, SelfsupGelu and their gradients,
   * SelfsupLinearGrad, SelfsupAdamW, SelfsupClipNorm; see docs/concepts/fused-kernels.md), which
   * @selfsup/backbones and @selfsup/optim's AdamW and clipGradientsPerParameter then run instead of
   * the composite formulas. Both paths compute the same numbers; `false` is for comparing their
   * speed.
   * @defaultValue `SELFSUP_NATIVE_FUSED` when set (`0` or `1`), else true
   */
  fusedKernels?: boolean;
  /**
   * The backend's priority in TensorFlow.js's registry (the highest-priority backend becomes the
   * default when none was set). The default never takes over from an explicit choice.
   * @defaultValue 0
   */
  priority?: number;
}

/** What {@link nativeBuildInfo} reports. */
export interface NativeBuildInfo {
  /** True when the compiled addon loaded. */
  readonly available: boolean;
  /** One line saying why the addon is unavailable (undefined when available). */
  readonly reason: string | undefined;
  /** The addon file in use (when unavailable: the last place looked). */
  readonly addonPath: string;
  /**
   * Which binary is in use (`binary.summary`: `prebuilt @selfsup/backend-native-linux-x64-gnu@<v>`,
   * `built from source at install (<why no prebuilt>)`, ...) or why none is; see {@link nativeBinaryInfo}.
   */
  readonly binary: NativeBinaryInfo;
  /** The addon's own report (undefined when unavailable): instruction set, GEMM engine, OpenBLAS, threads, compiler. */
  readonly addon: AddonInfo | undefined;
  /** The kernels the backend runs with its own code ({@link NATIVE_KERNELS}). */
  readonly kernels: readonly string[];
}

// The tfjs-backend-cpu backend class: native kernels read and write the same TypedArray storage.
// (Its module is CommonJS; Node exposes its exports as named exports.)
const MathBackendCPU = (cpu as unknown as { MathBackendCPU: new () => tf.KernelBackend }).MathBackendCPU;

type CpuData = { get(dataId: object): { values?: unknown; dtype: string; refCount: number }; has(dataId: object): boolean };

interface CpuBackendMethods {
  data: CpuData;
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object;
  move(dataId: object, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void;
  readSync(dataId: object): tf.backend_util.BackendValues;
  disposeData(dataId: object, force?: boolean): boolean;
  dispose(): void;
}

const CpuBackend = MathBackendCPU as unknown as new () => tf.KernelBackend & CpuBackendMethods;

/**
 * tfjs-backend-cpu's backend whose native kernels draw their outputs from a {@link BufferPool};
 * it counts which pooled buffers tensor data lives in, and never recycles one that was read out.
 */
class NativeBackend extends CpuBackend {
  readonly pool: BufferPool;

  constructor(pool: { bytes: number; peakFactor: number }) {
    super();
    this.pool = new BufferPool(pool.bytes, undefined, pool.peakFactor);
    // tfjs-backend-cpu prints a banner recommending tfjs-node on first use; this is the fast path.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** An output array for a native kernel (contents unspecified: the kernel writes every element). */
  allocate(length: number): Float32Array {
    return this.pool.allocate(length);
  }

  /** Returns a temporary array from {@link allocate} that no tensor refers to. */
  recycle(array: Float32Array): void {
    this.pool.recycle(array);
  }

  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object {
    const dataId = super.write(values, shape, dtype);
    this.pool.retain(values);
    return dataId;
  }

  override move(dataId: object, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.pool.retain(values);
  }

  override readSync(dataId: object): tf.backend_util.BackendValues {
    const values = super.readSync(dataId);
    this.pool.escape(values);
    return values;
  }

  override disposeData(dataId: object, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const released = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) this.pool.release(values);
    return released;
  }

  override dispose(): void {
    this.pool.clear();
    super.dispose();
  }
}

/**
 * The pool's settings: `SELFSUP_NATIVE_POOL_MB` when set (a hard cap); else a cap of an eighth of
 * the machine's memory (between 256 MB and 2 GB) that grows to twice the most bytes of buffers ever
 * in use at once, with idle free buffers dropped (see {@link BufferPool}).
 */
function poolSettings(): { bytes: number; peakFactor: number } {
  const raw = process.env.SELFSUP_NATIVE_POOL_MB?.trim();
  if (raw) {
    const megabytes = Number(raw);
    if (!Number.isFinite(megabytes) || megabytes < 0) {
      throw invalidArgument({ argument: 'SELFSUP_NATIVE_POOL_MB', expected: 'a number of megabytes >= 0', actual: raw, code: 'INVALID_CONFIG', fix: 'Unset it for the default (a cap that follows the peak in use).' });
    }
    return { bytes: megabytes * 2 ** 20, peakFactor: 0 };
  }
  return { bytes: Math.min(2 * 2 ** 30, Math.max(256 * 2 ** 20, totalmem() / 8)), peakFactor: 2 };
}

let kernelsRegistered = false;

/**
 * Registers every cpu kernel under the native backend: the native kernels (falling back to the
 * cpu kernel for inputs they do not take), the rest as tfjs-backend-cpu's own. Every call of a cpu
 * kernel that computes is counted in the fallback report (`nativeFallbackReport()`).
 */
function registerKernels(addon: NativeAddon): void {
  if (kernelsRegistered) return;
  const cpuKernels = new Map(tf.getKernelsForBackend('cpu').map((k) => [k.kernelName, k]));
  const native = new Set(NATIVE_KERNELS);
  for (const config of cpuKernels.values()) {
    if (native.has(config.kernelName) || tf.getKernel(config.kernelName, NATIVE_BACKEND_NAME) !== undefined) continue;
    const kernelFunc = VIEW_KERNELS.has(config.kernelName) ? config.kernelFunc : countedFallback(config.kernelName, 'no native kernel', config.kernelFunc);
    tf.registerKernel({ ...config, backendName: NATIVE_BACKEND_NAME, kernelFunc });
  }
  for (const kernel of NATIVE_KERNEL_LIST) {
    const cpuKernel: tf.KernelFunc =
      cpuKernels.get(kernel.kernelName)?.kernelFunc ??
      (() => {
        throw new SslError('BACKEND_UNAVAILABLE', `${NATIVE_BACKEND_NAME}: kernel ${kernel.kernelName} has no cpu fallback for these inputs.`);
      });
    const outdated = (kernel.requires ?? []).some((name) => typeof addon[name] !== 'function');
    const kernelFunc = outdated
      ? countedFallback(kernel.kernelName, 'native binary predates this kernel', cpuKernel)
      : kernel.create({ addon, fallback: countedFallback(kernel.kernelName, 'inputs not supported natively', cpuKernel) });
    if (tf.getKernel(kernel.kernelName, NATIVE_BACKEND_NAME) !== undefined) tf.unregisterKernel(kernel.kernelName, NATIVE_BACKEND_NAME);
    tf.registerKernel({ kernelName: kernel.kernelName, backendName: NATIVE_BACKEND_NAME, kernelFunc });
  }
  kernelsRegistered = true;
}

/**
 * Registers the fused kernels, or removes them (`enabled` false); a second call changes nothing.
 * A fused kernel whose addon function this binary predates stays unregistered, so its caller runs
 * the composite formula.
 */
function registerFusedKernels(addon: NativeAddon, enabled: boolean): void {
  for (const kernel of FUSED_KERNEL_LIST) {
    const registered = tf.getKernel(kernel.kernelName, NATIVE_BACKEND_NAME) !== undefined;
    const supported = (kernel.requires ?? []).every((name) => typeof addon[name] === 'function');
    if (enabled && supported && !registered) {
      const fallback: tf.KernelFunc = () => {
        throw new SslError('BACKEND_UNAVAILABLE', `${NATIVE_BACKEND_NAME}: kernel ${kernel.kernelName} has no cpu fallback.`);
      };
      tf.registerKernel({ kernelName: kernel.kernelName, backendName: NATIVE_BACKEND_NAME, kernelFunc: kernel.create({ addon, fallback }) });
    } else if ((!enabled || !supported) && registered) {
      tf.unregisterKernel(kernel.kernelName, NATIVE_BACKEND_NAME);
    }
  }
}

/** `options.fusedKernels`, else `SELFSUP_NATIVE_FUSED` (`0` / `1`), else true. */
function fusedKernelsSetting(value: boolean | undefined): boolean {
  if (value !== undefined) {
    if (typeof value !== 'boolean') throw invalidArgument({ argument: 'registerNativeBackend(options.fusedKernels)', expected: 'a boolean', actual: value });
    return value;
  }
  const raw = process.env.SELFSUP_NATIVE_FUSED?.trim();
  if (raw === undefined || raw === '') return true;
  if (raw !== '0' && raw !== '1') {
    throw invalidArgument({ argument: 'SELFSUP_NATIVE_FUSED', expected: '0 or 1', actual: raw, code: 'INVALID_CONFIG', fix: 'Unset it to use the fused kernels.' });
  }
  return raw === '1';
}

function chooseGemm(addon: NativeAddon, requested: NativeGemm): void {
  if (requested === 'builtin') {
    addon.setGemm('builtin');
    return;
  }
  if (requested === 'openblas') {
    if (!addon.setGemm('openblas')) {
      throw new SslError('BACKEND_UNAVAILABLE', `${NATIVE_BACKEND_NAME}: gemm "openblas" requested but OpenBLAS could not be loaded: ${addon.info().openblas}. Install it (Debian/Ubuntu: apt-get install libopenblas0-pthread) or use gemm "builtin".`);
    }
    return;
  }
  const info = addon.info();
  addon.setGemm(autoGemm({ openblasAvailable: info.openblasAvailable, openblas: info.openblas, isa: info.isa, threads: info.threads }));
}

/** What {@link autoGemm} decides from: the addon's report of OpenBLAS, the instruction set and the threads. */
export interface AutoGemmInput {
  readonly openblasAvailable: boolean;
  /** The addon's report of OpenBLAS: where it was loaded from, its configuration and `, core <name>`. */
  readonly openblas: string;
  readonly isa: NativeIsa | string;
  readonly threads: number;
}

/**
 * The engine `gemm: 'auto'` computes with (docs/decisions/0004-native-backend-gemm.md): OpenBLAS
 * when it is installed and either the CPU lacks AVX-512 (OpenBLAS's AVX2 kernels beat ours), or
 * OpenBLAS runs AVX-512 kernels itself and the backend computes on one thread; ours otherwise. On
 * more threads our pool wins on this library's small products (2 threads, AVX-512: 1.09-1.51x).
 *
 * @example
 * ```ts
 * autoGemm({ openblasAvailable: true, openblas: 'libopenblas.so.0 (...), core Cooperlake', isa: 'avx512', threads: 2 }); // 'builtin'
 * ```
 */
export function autoGemm(input: AutoGemmInput): Exclude<NativeGemm, 'auto'> {
  if (!input.openblasAvailable) return 'builtin';
  if (input.isa !== 'avx512') return 'openblas';
  const openblasAvx512 = /core (SkylakeX|Cooperlake|SapphireRapids)/i.test(input.openblas);
  return openblasAvx512 && input.threads === 1 ? 'openblas' : 'builtin';
}

function option<T extends string>(name: string, value: T | undefined, environment: string, allowed: readonly T[]): T {
  const raw = value ?? (process.env[environment]?.trim() || undefined);
  if (raw === undefined) return allowed[0]!;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw invalidArgument({
      argument: value !== undefined ? `registerNativeBackend(options.${name})` : environment,
      expected: `one of ${allowed.join(', ')}`,
      actual: raw,
      fix: `Use ${allowed[0]} to let selfsup choose.`,
      ...(value === undefined ? { code: 'INVALID_CONFIG' as const } : {}),
    });
  }
  return raw as T;
}

/**
 * Registers the native CPU backend with TensorFlow.js as {@link NATIVE_BACKEND_NAME}: a
 * tfjs-backend-cpu backend whose hot kernels (matrix products, element-wise ops, reductions,
 * softmax, transposes; see {@link NATIVE_KERNELS}) run as multi-threaded native code through
 * Node-API on the same Float32Array storage, and whose other kernels are tfjs-backend-cpu's
 * (`nativeFallbackReport()` lists those that ran; `SELFSUP_NATIVE_REPORT_FALLBACKS=1` prints
 * them when the process exits). Results match the cpu backend's to float rounding. Does not select the backend: call
 * `tf.setBackend(NATIVE_BACKEND_NAME)` (or `useBackend('native')` from `@selfsup/backend`).
 *
 * Calling it again updates the thread count, GEMM engine, instruction set and fused kernels.
 *
 * @param options - Threads, GEMM engine, instruction set; see {@link NativeBackendOptions}.
 * @returns True when the backend is registered; false when the compiled addon is unavailable
 *   ({@link nativeBuildInfo} says why in one line).
 * @throws SslError `INVALID_ARGUMENT` for a bad option, `INVALID_CONFIG` for a bad environment
 *   variable, `BACKEND_UNAVAILABLE` when `gemm: 'openblas'` is asked for and OpenBLAS is missing.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { registerNativeBackend, NATIVE_BACKEND_NAME, nativeBuildInfo } from '@selfsup/backend-native';
 *
 * if (await registerNativeBackend({ threads: 2 })) await tf.setBackend(NATIVE_BACKEND_NAME);
 * else console.warn(`native backend unavailable: ${nativeBuildInfo().reason}`);
 * ```
 */
export async function registerNativeBackend(options: NativeBackendOptions = {}): Promise<boolean> {
  const threads = resolveThreads(options.threads, process.env, 'registerNativeBackend(options.threads)');
  const gemm = option('gemm', options.gemm, 'SELFSUP_NATIVE_GEMM', ['auto', 'builtin', 'openblas'] as const);
  const isa = option('isa', options.isa, 'SELFSUP_NATIVE_ISA', ['auto', 'avx512', 'avx2', 'generic'] as const);
  const fused = fusedKernelsSetting(options.fusedKernels);
  const reportFallbacks = reportFallbacksSetting();
  const loaded = loadAddon();
  if (!loaded.ok) return false;
  const { addon } = loaded;
  addon.setIsa(isa === 'auto' ? 'avx512' : isa);
  addon.setThreads(threads);
  chooseGemm(addon, gemm);
  registerKernels(addon);
  registerFusedKernels(addon, fused);
  if (reportFallbacks) printFallbacksAtExit();
  if (tf.findBackendFactory(NATIVE_BACKEND_NAME) === null) {
    const pool = poolSettings();
    tf.registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackend(pool), options.priority ?? 0);
  }
  return true;
}

/**
 * True when a native binary loads on this machine: `SELFSUP_NATIVE_ADDON`, this platform's prebuilt
 * package, or the build from source at install (see {@link nativeBinaryInfo}); the install never
 * fails without one.
 *
 * @example
 * ```ts
 * if (!isNativeAvailable()) console.warn(nativeBuildInfo().reason);
 * ```
 */
export function isNativeAvailable(): boolean {
  return loadAddon().ok;
}

/**
 * What the native backend runs with: whether the addon loaded (else one line saying why), its
 * instruction set, GEMM engine, OpenBLAS library, thread count and compiler, and the native kernels.
 *
 * @example
 * ```ts
 * const info = nativeBuildInfo();
 * console.log(info.available ? `${info.addon?.isa}, ${info.addon?.gemm} GEMM, ${info.addon?.threads} threads` : info.reason);
 * ```
 */
export function nativeBuildInfo(): NativeBuildInfo {
  const loaded = loadAddon();
  return {
    available: loaded.ok,
    reason: loaded.ok ? undefined : loaded.reason,
    addonPath: loaded.path,
    binary: loaded.binary,
    addon: loaded.ok ? loaded.addon.info() : undefined,
    kernels: NATIVE_KERNELS,
  };
}

/**
 * Which native binary this process loaded, or why none: from `SELFSUP_NATIVE_ADDON`, this
 * platform's prebuilt package (`@selfsup/backend-native-linux-x64-gnu`, an optional dependency)
 * or the build from source made by the install script; when none loaded, `reason` names what was
 * missing at each place (no prebuilt for this platform, optional dependencies left out, install
 * scripts not run, the build skipped with `SELFSUP_NATIVE_SKIP_BUILD=1`, or failed) and the fix.
 *
 * @example
 * ```ts
 * const binary = nativeBinaryInfo();
 * console.log(binary.source ? `native binary: ${binary.summary}` : `no native binary: ${binary.reason}`);
 * // native binary: prebuilt @selfsup/backend-native-linux-x64-gnu@0.1.0
 * ```
 */
export function nativeBinaryInfo(): NativeBinaryInfo {
  return loadAddon().binary;
}
