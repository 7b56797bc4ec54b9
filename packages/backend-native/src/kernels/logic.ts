import * as tf from '@tensorflow/tfjs-core';
import { CompareOp } from '../addon.js';
import { allocateTyped, MAX_NATIVE_RANK, nativeBroadcastShape, sizeOf, typedValues, type CpuStorageBackend, type NativeKernel } from './shared.js';

/**
 * A comparison (Equal, NotEqual, Greater, ...) or logical op (LogicalAnd, LogicalOr) of two
 * tensors of one dtype (float32, int32 or bool; bool only for the logical ops), with tfjs's
 * broadcasting, into a bool tensor (0/1 bytes, as tfjs-backend-cpu holds bool).
 */
function compareKernel(kernelName: string, op: number, logical = false): NativeKernel {
  return {
    kernelName,
    requires: ['compare'],
    create: (context) => (args) => {
      const backend = args.backend as unknown as CpuStorageBackend;
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const av = typedValues(backend, a);
      const bv = typedValues(backend, b);
      if (!av || !bv || a.dtype !== b.dtype || (logical && a.dtype !== 'bool')) return context.fallback(args);
      const outShape = nativeBroadcastShape(a.shape, b.shape);
      if (!outShape) return context.fallback(args);
      const out = allocateTyped(backend, 'bool', sizeOf(outShape)) as Uint8Array;
      if (out.length > 0) context.addon.compare!(op, av, a.shape, bv, b.shape, out, outShape);
      return backend.makeTensorInfo(outShape, 'bool', out);
    },
  };
}

const ZERO_BYTE = new Uint8Array(1);

/** LogicalNot of a bool tensor: `x ? 0 : 1`, computed as Equal(x, 0). */
const logicalNotKernel: NativeKernel = {
  kernelName: tf.LogicalNot,
  requires: ['compare'],
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const x = args.inputs.x as tf.TensorInfo;
    const xv = typedValues(backend, x);
    if (!xv || x.dtype !== 'bool' || x.shape.length > MAX_NATIVE_RANK) return context.fallback(args);
    const out = allocateTyped(backend, 'bool', xv.length) as Uint8Array;
    if (out.length > 0) context.addon.compare!(CompareOp.Equal, xv, x.shape, ZERO_BYTE, [], out, x.shape);
    return backend.makeTensorInfo(x.shape.slice(), 'bool', out);
  },
};

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Select (tf.where): `condition === 1 ? t : e` element by element, for a bool condition of t's
 * shape and t, e of one shape and dtype (float32, int32 or bool). tf.where broadcasts all three to
 * one shape first (with Tile, native too). A condition of another shape (tfjs-backend-cpu reads a
 * rank-1 condition in its own way) runs the cpu kernel.
 */
const selectKernel: NativeKernel = {
  kernelName: tf.Select,
  requires: ['select'],
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const { condition, t, e } = args.inputs as { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo };
    const cv = typedValues(backend, condition);
    const tv = typedValues(backend, t);
    const ev = typedValues(backend, e);
    if (!cv || !tv || !ev || condition.dtype !== 'bool' || t.dtype !== e.dtype || !sameShape(condition.shape, t.shape) || !sameShape(t.shape, e.shape)) {
      return context.fallback(args);
    }
    const out = allocateTyped(backend, t.dtype as 'float32' | 'int32' | 'bool', tv.length);
    if (out.length > 0) context.addon.select!(cv as Uint8Array, tv, ev, out);
    return backend.makeTensorInfo(t.shape.slice(), t.dtype, out);
  },
};

/** Comparisons, logical ops and Select on float32, int32 and bool tensors. */
export const logicKernels: readonly NativeKernel[] = [
  compareKernel(tf.Equal, CompareOp.Equal),
  compareKernel(tf.NotEqual, CompareOp.NotEqual),
  compareKernel(tf.Greater, CompareOp.Greater),
  compareKernel(tf.GreaterEqual, CompareOp.GreaterEqual),
  compareKernel(tf.Less, CompareOp.Less),
  compareKernel(tf.LessEqual, CompareOp.LessEqual),
  compareKernel(tf.LogicalAnd, CompareOp.LogicalAnd, true),
  compareKernel(tf.LogicalOr, CompareOp.LogicalOr, true),
  logicalNotKernel,
  selectKernel,
];
