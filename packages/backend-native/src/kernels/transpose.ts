import * as tf from '@tensorflow/tfjs-core';
import { MAX_NATIVE_RANK, type CpuStorageBackend, type NativeKernel, allocate } from './shared.js';

/** Transpose of float32 and int32 tensors of rank up to 8, tiled (16 x 16 blocks), multi-threaded. */
export const transposeKernel: NativeKernel = {
  kernelName: tf.Transpose,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const x = args.inputs.x as tf.TensorInfo;
    const { perm } = args.attrs as unknown as tf.TransposeAttrs;
    const values = backend.data.get(x.dataId).values;
    const supported = (x.dtype === 'float32' && values instanceof Float32Array) || (x.dtype === 'int32' && values instanceof Int32Array);
    if (!supported || x.shape.length > MAX_NATIVE_RANK || perm.length !== x.shape.length) return context.fallback(args);
    const outShape = perm.map((axis) => x.shape[axis]!);
    const out = x.dtype === 'float32' ? allocate(backend, (values as Float32Array).length) : new Int32Array((values as Int32Array).length);
    if (out.length > 0) context.addon.transpose(values as Float32Array | Int32Array, out, x.shape, perm);
    return backend.makeTensorInfo(outShape, x.dtype, out);
  },
};
