import * as tf from '@tensorflow/tfjs-core';
import { ActivationCode } from '../addon.js';
import { float32Values, sizeOf, type CpuStorageBackend, type NativeKernel, type NativeKernelContext, allocate } from './shared.js';

interface MatMulPlan {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly batch: number;
  readonly batchA: number;
  readonly batchB: number;
  readonly outShape: number[];
}

// The shapes of tfjs-backend-cpu's batchMatMul: batches broadcast as there, member i of the output
// uses A number (i % batchA) and B number (i % batchB).
function plan(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): MatMulPlan | undefined {
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  if (aRank < 2 || bRank < 2) return undefined;
  const k = transposeA ? a.shape[aRank - 2]! : a.shape[aRank - 1]!;
  const kB = transposeB ? b.shape[bRank - 1]! : b.shape[bRank - 2]!;
  if (k !== kB) return undefined; // the cpu kernel throws tfjs's message
  const m = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!;
  const n = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!;
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  } catch {
    return undefined;
  }
  const batch = Math.max(batchA, batchB);
  if (batchA === 0 || batchB === 0) return undefined;
  return { m, n, k, batch, batchA, batchB, outShape: [...outer, m, n] };
}

function runMatMul(context: NativeKernelContext, backend: CpuStorageBackend, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean) {
  const av = float32Values(backend, a);
  const bv = float32Values(backend, b);
  if (!av || !bv) return undefined;
  const p = plan(a, b, transposeA, transposeB);
  if (!p) return undefined;
  const out = allocate(backend, p.batch * p.m * p.n);
  context.addon.matmul(av, bv, out, p.m, p.n, p.k, transposeA, transposeB, p.batch, p.batchA, p.batchB);
  return { out, plan: p };
}

/** BatchMatMul: every transpose combination and batch broadcast, as the cpu kernel. */
export const batchMatMulKernel: NativeKernel = {
  kernelName: tf.BatchMatMul,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    const result = runMatMul(context, backend, a, b, transposeA === true, transposeB === true);
    if (!result) return context.fallback(args);
    return backend.makeTensorInfo(result.plan.outShape, 'float32', result.out);
  },
};

/** How a bias of `biasShape` adds to an output of `outShape` in the fused epilogue, if it can. */
function biasKind(biasShape: readonly number[], outShape: readonly number[]): 0 | 1 | 2 | 3 | undefined {
  if (biasShape.length > outShape.length) return undefined;
  const size = sizeOf(biasShape);
  if (size === 1) return 1;
  const n = outShape[outShape.length - 1]!;
  // [n] or [1, ..., 1, n]: one value per output column.
  if (biasShape[biasShape.length - 1] === n && biasShape.slice(0, -1).every((d) => d === 1)) return 2;
  // The output's own shape (trailing part equal, leading ones only): one value per element.
  const offset = outShape.length - biasShape.length;
  if (biasShape.every((d, i) => d === outShape[offset + i]) && outShape.slice(0, offset).every((d) => d === 1)) return 3;
  return undefined;
}

/**
 * _FusedMatMul: the product, then bias and activation in one native pass over the output (linear,
 * relu, relu6, elu, leakyrelu, sigmoid; with prelu, or any other activation, the whole cpu kernel runs).
 */
export const fusedMatMulKernel: NativeKernel = {
  kernelName: tf._FusedMatMul,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const { a, b, bias, preluActivationWeights } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
    const activation = attrs.activation ?? 'linear';
    const code = (ActivationCode as Record<string, number>)[activation];
    if (code === undefined || preluActivationWeights !== undefined) return context.fallback(args);
    let biasValues: Float32Array | null = null;
    let kind: 0 | 1 | 2 | 3 | undefined = 0;
    if (bias) {
      biasValues = float32Values(backend, bias) ?? null;
      const p = plan(a, b, attrs.transposeA === true, attrs.transposeB === true);
      kind = biasValues && p ? biasKind(bias.shape, p.outShape) : undefined;
      if (kind === undefined) return context.fallback(args);
    }
    const result = runMatMul(context, backend, a, b, attrs.transposeA === true, attrs.transposeB === true);
    if (!result) return context.fallback(args);
    const { out, plan: p } = result;
    if (kind !== 0 || code !== ActivationCode.linear) {
      context.addon.biasActivation(out, p.batch * p.m, p.n, biasValues, kind, code, attrs.leakyreluAlpha ?? 0.2);
    }
    return backend.makeTensorInfo(p.outShape, 'float32', out);
  },
};
