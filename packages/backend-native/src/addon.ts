import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ADDON_FILE, findNativeBinary, type NativeBinaryInfo } from './native-binary.js';

/** Unary ops of the addon, numbered as `UnaryOp` in native/ops.h. */
export const UnaryOp = {
  Exp: 0,
  Log: 1,
  Sqrt: 2,
  Rsqrt: 3,
  Square: 4,
  Neg: 5,
  Abs: 6,
  Erf: 7,
  Tanh: 8,
  Sigmoid: 9,
  Relu: 10,
  Relu6: 11,
  Elu: 12,
  LeakyRelu: 13,
  Reciprocal: 14,
  Log1p: 15,
  Softplus: 16,
  ClipByValue: 17,
  Step: 18,
  Sign: 19,
  Expm1: 20,
} as const;

/** Binary ops of the addon, numbered as `BinaryOp` in native/ops.h. */
export const BinaryOp = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  Maximum: 4,
  Minimum: 5,
  SquaredDifference: 6,
  Pow: 7,
  Prelu: 8,
} as const;

/** Comparisons and logical ops of the addon (bool results), numbered as `CompareOp` in native/logic.h. */
export const CompareOp = {
  Equal: 0,
  NotEqual: 1,
  Greater: 2,
  GreaterEqual: 3,
  Less: 4,
  LessEqual: 5,
  LogicalAnd: 6,
  LogicalOr: 7,
} as const;

/** Reductions of the addon, numbered as `ReduceOp` in native/ops.h. */
export const ReduceOp = { Sum: 0, Mean: 1, Max: 2, Min: 3 } as const;

/** Fused-matmul activations of the addon, numbered as `Activation` in native/ops.h. */
export const ActivationCode = { linear: 0, relu: 1, relu6: 2, elu: 3, leakyrelu: 4, sigmoid: 5 } as const;

/** What the addon reports about itself. */
export interface AddonInfo {
  /** Instruction set the kernels use now: `avx512`, `avx2` or `generic`. */
  readonly isa: string;
  /** The best instruction set this CPU supports. */
  readonly detectedIsa: string;
  /** The GEMM engine in use: `builtin` or `openblas`. */
  readonly gemm: string;
  /** Where OpenBLAS was loaded from and its configuration, or why it could not be. */
  readonly openblas: string;
  readonly openblasAvailable: boolean;
  /** Threads that compute (the calling thread included). */
  readonly threads: number;
  readonly hardwareThreads: number;
  /** The compiler that built the addon. */
  readonly compiler: string;
}

type F32 = Float32Array;
/** The typed arrays of float32, int32 and bool tensors (tfjs-backend-cpu keeps bool as 0/1 bytes). */
type Typed = Float32Array | Int32Array | Uint8Array;

/** The functions of the compiled addon (native/addon.cc). Every kernel writes into `out` in place. */
export interface NativeAddon {
  matmul(a: F32, b: F32, out: F32, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean, batch: number, batchA: number, batchB: number): void;
  biasActivation(out: F32, rows: number, cols: number, bias: F32 | null, biasKind: number, activation: number, alpha: number): void;
  unary(op: number, x: F32, out: F32, p1?: number, p2?: number): void;
  binary(op: number, a: F32, aShape: readonly number[], b: F32, bShape: readonly number[], out: F32, outShape: readonly number[]): void;
  reduce(op: number, x: F32, out: F32, outer: number, reduced: number, inner: number): void;
  softmax(x: F32, out: F32, rows: number, cols: number): void;
  transpose(x: Float32Array | Int32Array, out: Float32Array | Int32Array, shape: readonly number[], perm: readonly number[]): void;
  addN(inputs: readonly F32[], out: F32): void;
  copyBox(src: Float32Array | Int32Array, srcShape: readonly number[], srcBegin: readonly number[], dst: Float32Array | Int32Array, dstShape: readonly number[], dstBegin: readonly number[], box: readonly number[]): void;
  fill(dst: Typed, value: number): void;
  gather(x: Float32Array | Int32Array, out: Float32Array | Int32Array, batch: number, outer: number, dim: number, slice: number, indices: Int32Array): void;
  /**
   * out = op(a, b) (`CompareOp`) with broadcasting into 0/1 bytes; a and b of one array type
   * (Uint8Array for the logical ops). Absent from binaries built before it (as are select, tile, cast).
   */
  compare?(op: number, a: Typed, aShape: readonly number[], b: Typed, bShape: readonly number[], out: Uint8Array, outShape: readonly number[]): void;
  /** out[i] = condition[i] === 1 ? t[i] : e[i]; t, e and out of one array type, at least as long as condition. */
  select?(condition: Uint8Array, t: Typed, e: Typed, out: Typed): void;
  /** out = x (of `shape`) repeated reps[i] times along axis i; x and out of one array type. */
  tile?(x: Typed, shape: readonly number[], reps: readonly number[], out: Typed): void;
  /** out[i] = x[i] converted to out's type as tfjs-backend-cpu's Cast converts (to int32: ToInt32; to bytes: x !== 0). */
  cast?(x: Typed, out: Typed): void;
  /**
   * out[o, i] = the first index j of the largest (`max`) or smallest x[o, j, i] of x viewed as
   * [outer, reduced, inner] (a NaN wins only as the first value); 0 when reduced is 0.
   */
  argReduce?(max: boolean, x: Float32Array | Int32Array, out: Int32Array, outer: number, reduced: number, inner: number): void;
  /** SelfsupLayerNorm over rows of x [rows, dim] (dim >= 1). */
  layerNorm(x: F32, gamma: F32, beta: F32, y: F32, mean: F32, rstd: F32, rows: number, dim: number, epsilon: number): void;
  /** SelfsupLayerNormGrad (dim >= 1). */
  layerNormGrad(dy: F32, x: F32, gamma: F32, mean: F32, rstd: F32, dx: F32, dgamma: F32, dbeta: F32, rows: number, dim: number): void;
  /** SelfsupGelu over every element. */
  gelu(x: F32, y: F32): void;
  /** SelfsupGeluGrad over every element. */
  geluGrad(dy: F32, x: F32, dx: F32): void;
  /**
   * SelfsupAdamW over every element of p (g, m, v and the outputs at least as long); `scalars`
   * holds the 8 attributes in the contract's order (decay, beta1, oneMinusBeta1, beta2,
   * oneMinusBeta2, biasCorrection2Sqrt, eps, stepSize). Absent from binaries built before it.
   */
  adamw?(p: F32, g: F32, m: F32, v: F32, pOut: F32, mOut: F32, vOut: F32, scalars: F32): void;
  /**
   * SelfsupClipNorm over every element of g (`clipped` at least as long): writes g's L2 norm (the
   * Sum kernel's sum of the squares, then its square root) to `norm[0]` and g scaled by
   * `maxNorm / (norm + 1e-6)` when that is below 1 (else g) to `clipped`; `maxNorm` is rounded to
   * float32. Absent from binaries built before it.
   */
  clipNorm?(g: F32, clipped: F32, norm: F32, maxNorm: number): void;
  info(): AddonInfo;
  setThreads(threads: number): void;
  setIsa(isa: string): string;
  setGemm(engine: string): boolean;
}

/** This package's folder (`src/` and `dist/` sit one level below it). */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The outcome of loading the addon: the addon or not, and which binary it is or why there is none. */
export type AddonLoad =
  | { readonly ok: true; readonly addon: NativeAddon; readonly path: string; readonly binary: NativeBinaryInfo }
  | { readonly ok: false; readonly reason: string; readonly path: string; readonly binary: NativeBinaryInfo };

let cached: AddonLoad | undefined;

/**
 * Loads the addon once per process (see {@link findNativeBinary}: `SELFSUP_NATIVE_ADDON`, else
 * this platform's prebuilt package, else the build from source). Never throws; says why when it
 * cannot load.
 */
export function loadAddon(): AddonLoad {
  if (cached) return cached;
  const { addon, info } = findNativeBinary<NativeAddon>({ packageRoot: PACKAGE_ROOT, env: process.env }, createRequire(import.meta.url));
  if (addon !== undefined) {
    cached = { ok: true, addon, path: info.path!, binary: info };
  } else {
    // the last place looked: the override, or where the build from source would be
    const path = info.candidates.at(-1)?.path ?? join(PACKAGE_ROOT, 'build', 'Release', ADDON_FILE);
    cached = { ok: false, reason: info.reason ?? 'no native binary loaded', path, binary: info };
  }
  return cached;
}
