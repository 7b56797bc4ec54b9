import * as tf from '@tensorflow/tfjs-core';
import { sumRowsIntoSegments } from './segment-sum-on-host.js';

/** The parts of tfjs-backend-cpu's `MathBackendCPU` the host-side kernel uses. */
interface CpuBackendInternals {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

let installed: tf.KernelFunc | undefined;

/**
 * `UnsortedSegmentSum` in one pass over the rows: `out[ids[r], ...] += x[r, ...]`,
 * O(rows x inner + segments x inner). tfjs-backend-cpu 4.x compares every row with every segment
 * id (a masked copy of `x` per segment, O(segments x rows x inner)), so the gradient of a gather
 * from a large flat tensor (BEiT's masked-token cross-entropy, MAE's kept tokens) takes minutes and
 * gigabytes. Sums run in float64 in row order, as the cpu kernel's reductions, so results are the
 * same. Rows whose id is outside [0, numSegments) are dropped, as in TensorFlow. Float32 and int32
 * data with 1-D int32 ids, one per row; anything else keeps the original kernel.
 */
function onePassSegmentSum(original: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as unknown as CpuBackendInternals;
    const x = args.inputs.x as tf.TensorInfo;
    const segmentIds = args.inputs.segmentIds as tf.TensorInfo;
    const numSegments = Number((args.attrs as { numSegments?: unknown }).numSegments);
    const values = backend.data.get(x.dataId).values;
    const ids = backend.data.get(segmentIds.dataId).values;
    if (
      !(values instanceof Float32Array || values instanceof Int32Array) ||
      !(ids instanceof Int32Array) ||
      segmentIds.shape.length !== 1 ||
      x.shape.length < 1 ||
      segmentIds.shape[0] !== x.shape[0] ||
      !Number.isInteger(numSegments) ||
      numSegments < 0
    ) {
      return original.kernelFunc(args);
    }
    const innerShape = x.shape.slice(1);
    const inner = tf.util.sizeFromShape(innerShape);
    const sums = new Float64Array(numSegments * inner);
    sumRowsIntoSegments(values, ids, numSegments, inner, sums);
    const out = x.dtype === 'int32' ? Int32Array.from(sums) : Float32Array.from(sums);
    return backend.makeTensorInfo([numSegments, ...innerShape], x.dtype, out);
  };
}

/**
 * Replaces tfjs-backend-cpu kernels whose cost grows far faster than their work: today
 * `UnsortedSegmentSum` (the gradient of gather), see {@link onePassSegmentSum}. Idempotent;
 * {@link useBackend} installs it for `cpu`.
 *
 * @returns True when installed (now or before), false when the cpu kernels are not registered.
 */
export function installCpuKernelFixes(): boolean {
  if (installed) return true;
  const original = tf.getKernel(tf.UnsortedSegmentSum, 'cpu');
  if (original === undefined) return false;
  installed = onePassSegmentSum(original);
  tf.unregisterKernel(tf.UnsortedSegmentSum, 'cpu');
  tf.registerKernel({ ...original, kernelFunc: installed });
  return true;
}

/** Whether the cpu backend's `UnsortedSegmentSum` is the one-pass kernel (for tests). */
export function cpuSegmentSumIsOnePass(): boolean {
  return installed !== undefined && tf.getKernel(tf.UnsortedSegmentSum, 'cpu')?.kernelFunc === installed;
}
