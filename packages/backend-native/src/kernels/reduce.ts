import * as tf from '@tensorflow/tfjs-core';
import { ReduceOp } from '../addon.js';
import { float32Values, MAX_NATIVE_RANK, sizeOf, type CpuStorageBackend, type NativeKernel, type NativeKernelContext, allocate, recycle } from './shared.js';

function reduceKernel(kernelName: string, op: number, axisAttr: 'axis' | 'reductionIndices'): NativeKernel {
  return {
    kernelName,
    create: (context: NativeKernelContext) => (args) => {
      const backend = args.backend as unknown as CpuStorageBackend;
      const x = args.inputs.x as tf.TensorInfo;
      const attrs = (args.attrs ?? {}) as Record<string, unknown>;
      const xv = float32Values(backend, x);
      const shape = x.shape;
      if (!xv || shape.length > MAX_NATIVE_RANK || sizeOf(shape) === 0) return context.fallback(args);
      const axes = tf.util.parseAxisParam(attrs[axisAttr] as number | number[], shape);
      const [outShape] = tf.backend_util.computeOutAndReduceShapes(shape, axes);
      const keepDims = attrs.keepDims === true;
      const finalShape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
      const out = allocate(backend, sizeOf(outShape));
      // Axes of size 1 change nothing; the rest must form one run [first, last] to reduce in place.
      const reduced = [...new Set(axes)].filter((a) => shape[a] !== 1).sort((p, q) => p - q);
      if (reduced.length === 0) {
        context.addon.reduce(op, xv, out, sizeOf(shape), 1, 1);
        return backend.makeTensorInfo(finalShape, 'float32', out);
      }
      const first = reduced[0]!;
      const last = reduced[reduced.length - 1]!;
      const contiguous = shape.slice(first, last + 1).every((d, i) => d === 1 || reduced.includes(first + i));
      if (contiguous) {
        context.addon.reduce(op, xv, out, sizeOf(shape.slice(0, first)), sizeOf(shape.slice(first, last + 1)), sizeOf(shape.slice(last + 1)));
        return backend.makeTensorInfo(finalShape, 'float32', out);
      }
      // Otherwise move the reduced axes innermost (as the cpu kernel does), then reduce rows.
      const perm = tf.backend_util.getAxesPermutation(reduced, shape.length) ?? shape.map((_, i) => i);
      const permuted = allocate(backend, xv.length);
      context.addon.transpose(xv, permuted, shape, perm);
      const reduceSize = sizeOf(reduced.map((a) => shape[a]!));
      context.addon.reduce(op, permuted, out, xv.length / reduceSize, reduceSize, 1);
      recycle(backend, permuted);
      return backend.makeTensorInfo(finalShape, 'float32', out);
    },
  };
}

/** Sum, Mean, Max and Min over any axes of float32 tensors (sums accumulate in double, as cpu). */
export const reduceKernels: readonly NativeKernel[] = [
  reduceKernel(tf.Sum, ReduceOp.Sum, 'axis'),
  reduceKernel(tf.Mean, ReduceOp.Mean, 'axis'),
  reduceKernel(tf.Max, ReduceOp.Max, 'reductionIndices'),
  reduceKernel(tf.Min, ReduceOp.Min, 'axis'),
];
