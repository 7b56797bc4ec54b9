import * as tf from '@tensorflow/tfjs-core';
import { allocate, float32Values, sizeOf, type CpuStorageBackend, type NativeKernel } from './shared.js';

/**
 * `UnsortedSegmentSum` (the gradient of `tf.gather`): `out[ids[r], ...] += x[r, ...]` in one pass
 * over the rows, O(rows x inner + segments x inner). tfjs-backend-cpu's kernel compares every row
 * with every segment id (O(segments x rows x inner) plus one temporary per segment), which makes
 * the gradient of a gather from a large flat tensor (BEiT's masked-token cross-entropy picks one
 * of [batch x patches x vocabulary] log-probabilities; MAE gathers kept tokens) take minutes and
 * gigabytes. Rows whose id is outside [0, numSegments) are dropped, as in TensorFlow. Float32 data
 * with 1-D int32 ids of one per row; anything else keeps the cpu kernel.
 */
export const unsortedSegmentSumKernel: NativeKernel = {
  kernelName: tf.UnsortedSegmentSum,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const x = args.inputs.x as tf.TensorInfo;
    const segmentIds = args.inputs.segmentIds as tf.TensorInfo;
    const numSegments = Number((args.attrs as { numSegments?: unknown }).numSegments);
    const values = float32Values(backend, x);
    const ids = backend.data.get(segmentIds.dataId).values;
    if (
      !values ||
      !(ids instanceof Int32Array) ||
      segmentIds.shape.length !== 1 ||
      x.shape.length < 1 ||
      segmentIds.shape[0] !== x.shape[0] ||
      !Number.isInteger(numSegments) ||
      numSegments < 0
    ) {
      return context.fallback(args);
    }
    const innerShape = x.shape.slice(1);
    const inner = sizeOf(innerShape);
    const out = allocate(backend, numSegments * inner);
    out.fill(0);
    for (let row = 0; row < ids.length; row++) {
      const id = ids[row]!;
      if (id < 0 || id >= numSegments) continue;
      const from = row * inner;
      const to = id * inner;
      for (let j = 0; j < inner; j++) out[to + j]! += values[from + j]!;
    }
    return backend.makeTensorInfo([numSegments, ...innerShape], 'float32', out);
  },
};
