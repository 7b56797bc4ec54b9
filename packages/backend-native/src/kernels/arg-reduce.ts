import * as tf from '@tensorflow/tfjs-core';
import { allocateTyped, sizeOf, typedValues, type CpuStorageBackend, type NativeKernel } from './shared.js';

/**
 * ArgMax / ArgMin of a float32 or int32 tensor along one axis, as tfjs-backend-cpu computes them:
 * the first index of the largest (smallest) value; a NaN wins only as the first value. The input
 * is read in place whatever the axis (the cpu kernel transposes it first).
 */
function argReduceKernel(kernelName: string, max: boolean): NativeKernel {
  return {
    kernelName,
    requires: ['argReduce'],
    create: (context) => (args) => {
      const backend = args.backend as unknown as CpuStorageBackend;
      const x = args.inputs.x as tf.TensorInfo;
      const { axis } = args.attrs as unknown as tf.ArgMaxAttrs;
      const xv = typedValues(backend, x);
      if (!(xv instanceof Float32Array || xv instanceof Int32Array) || x.shape.length === 0) return context.fallback(args);
      let $axis: number;
      try {
        $axis = tf.util.parseAxisParam(axis, x.shape)[0]!;
      } catch {
        return context.fallback(args); // the cpu kernel throws tfjs's message
      }
      const outShape = x.shape.filter((_, i) => i !== $axis);
      const out = allocateTyped(backend, 'int32', sizeOf(outShape)) as Int32Array;
      if (out.length > 0) context.addon.argReduce!(max, xv, out, sizeOf(x.shape.slice(0, $axis)), x.shape[$axis]!, sizeOf(x.shape.slice($axis + 1)));
      return backend.makeTensorInfo(outShape, 'int32', out);
    },
  };
}

/** ArgMax and ArgMin (BEiT-style targets and codebook lookups run them on large tensors). */
export const argReduceKernels: readonly NativeKernel[] = [argReduceKernel(tf.ArgMax, true), argReduceKernel(tf.ArgMin, false)];
