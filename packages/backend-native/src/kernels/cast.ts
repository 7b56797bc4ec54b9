import * as tf from '@tensorflow/tfjs-core';
import { allocateTyped, ownsValues, type CpuStorageBackend, type NativeDtype, type NativeKernel, type TypedValues } from './shared.js';

const NATIVE_DTYPES: readonly string[] = ['float32', 'int32', 'bool'];

/**
 * Cast between float32, int32 and bool, converting as tfjs-backend-cpu does: to int32 as
 * Int32Array.from (truncation toward zero; NaN and infinities give 0; wraps modulo 2^32), to bool
 * as `x !== 0` (NaN is true), to float32 rounded to the nearest float.
 *
 * Unlike the cpu kernel, a cast to float32 or int32 always writes the dtype's own array: the cpu
 * kernel returns bool -> float32, bool -> int32 and int32 -> float32 casts as views of the input's
 * Uint8Array / Int32Array, which no native kernel reads, so whatever followed them (a Multiply by
 * the float mask) ran in JavaScript too. The values are the same, except int32 values beyond
 * +-2^24 that float32 cannot hold: rounded here, as a float32 tensor holds them everywhere else.
 * A cast to the same dtype returns the input's data, as on cpu.
 */
export const castKernel: NativeKernel = {
  kernelName: tf.Cast,
  requires: ['cast'],
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const x = args.inputs.x as tf.TensorInfo;
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    const values = backend.data.get(x.dataId).values;
    if (!NATIVE_DTYPES.includes(x.dtype) || !NATIVE_DTYPES.includes(dtype) || !(values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint8Array)) {
      return context.fallback(args);
    }
    if (dtype === x.dtype && ownsValues(dtype, values)) {
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype };
    }
    const out = allocateTyped(backend, dtype as NativeDtype, values.length);
    if (out.length > 0) context.addon.cast!(values as TypedValues, out);
    return backend.makeTensorInfo(x.shape.slice(), dtype, out);
  },
};
