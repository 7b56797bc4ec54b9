import * as tf from '@tensorflow/tfjs-core';
import { allocateTyped, MAX_NATIVE_RANK, sizeOf, typedValues, type CpuStorageBackend, type NativeDtype, type NativeKernel } from './shared.js';

/**
 * Tile of a float32, int32 or bool tensor: each axis repeated reps[i] times (tf.tile, and
 * tf.broadcastTo, which tf.where uses to broadcast its inputs).
 */
export const tileKernel: NativeKernel = {
  kernelName: tf.Tile,
  requires: ['tile'],
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const x = args.inputs.x as tf.TensorInfo;
    const { reps } = args.attrs as unknown as tf.TileAttrs;
    const xv = typedValues(backend, x);
    if (!xv || x.shape.length > MAX_NATIVE_RANK || reps.length !== x.shape.length || !reps.every((r) => Number.isInteger(r) && r >= 0)) {
      return context.fallback(args);
    }
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const out = allocateTyped(backend, x.dtype as NativeDtype, sizeOf(outShape));
    if (out.length > 0) context.addon.tile!(xv, x.shape, reps, out);
    return backend.makeTensorInfo(outShape, x.dtype, out);
  },
};
