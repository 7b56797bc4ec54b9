import * as tf from '@tensorflow/tfjs-core';
import { sumRowsIntoSegments } from './segment-sum-on-host.js';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type TensorInfo = tf.TensorInfo;
type HostArray = Float32Array | Int32Array | Uint8Array;

/** The parts of tfjs-backend-wasm's `BackendWasm` the host-side kernels use. */
interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): HostArray;
  readSync(dataId: object): tf.backend_util.BackendValues;
}

let replaced: Map<string, tf.KernelConfig | undefined> | undefined;

function internals(backend: unknown): WasmBackendInternals {
  return backend as WasmBackendInternals;
}

function int32Values(backend: WasmBackendInternals, info: TensorInfo): Int32Array {
  const values = backend.readSync(info.dataId);
  return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
}

/**
 * One-hot rows `[...indices.shape, depth]` of any dtype. The wasm kernel writes int32 bit patterns
 * whatever the requested dtype (a float32 one-hot of 1 reads 1.4e-45), so non-int32 requests are
 * computed here: every element `offValue`, `onValue` at each in-range index.
 */
function oneHotOnHost(args: KernelArgs): TensorInfo {
  const backend = internals(args.backend);
  const indices = args.inputs.indices as TensorInfo;
  const { depth, onValue, offValue, dtype } = args.attrs as unknown as { depth: number; onValue: number; offValue: number; dtype: tf.DataType };
  const ids = int32Values(backend, indices);
  const out = backend.makeOutput([...indices.shape, depth], dtype);
  const values = backend.typedArrayFromHeap(out);
  values.fill(offValue);
  ids.forEach((id, row) => {
    if (id >= 0 && id < depth) values[row * depth + id] = onValue;
  });
  return out;
}

/**
 * `out[s, ...] = sum of x[i, ...] over the rows i with segmentIds[i] = s` (ids outside
 * [0, numSegments) are dropped). tfjs-backend-wasm has no such kernel, and gather's gradient needs it.
 */
function unsortedSegmentSumOnHost(args: KernelArgs): TensorInfo {
  const backend = internals(args.backend);
  const x = args.inputs.x as TensorInfo;
  const segmentIds = args.inputs.segmentIds as TensorInfo;
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new Error(
      `UnsortedSegmentSum (wasm, @selfsup/backend): expected 1-D segmentIds of length ${x.shape[0]}, got shape [${segmentIds.shape.join(', ')}].`,
    );
  }
  const ids = int32Values(backend, segmentIds);
  const inner = tf.util.sizeFromShape(x.shape.slice(1));
  const out = backend.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
  // Views after every allocation: an allocation may grow (and replace) the heap.
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  target.fill(0);
  sumRowsIntoSegments(source, ids, numSegments, inner, target);
  return out;
}

/**
 * Gather with `batchDims > 0`, e.g. `tf.gather(tokens, keepIndices, 1, 1)`: the wasm kernel picks
 * wrong rows for some shapes (it fails a permutation of 16 rows per batch item). Copies
 * `out[b, o, k, :] = x[b, o, indices[b, k], :]` here; `batchDims = 0` stays on the wasm kernel.
 */
function batchedGatherOnHost(original: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number };
    if (!batchDims) return original.kernelFunc(args);
    const backend = internals(args.backend);
    const x = args.inputs.x as TensorInfo;
    const indices = args.inputs.indices as TensorInfo;
    const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0] ?? 0;
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
      x as unknown as tf.Tensor,
      indices as unknown as tf.Tensor,
      parsedAxis,
      batchDims,
    );
    const ids = int32Values(backend, indices);
    const perBatch = ids.length / info.batchSize;
    for (const id of ids) {
      if (id < 0 || id >= info.dimSize) throw new Error(`GatherV2: the index value ${id} is not in [0, ${info.dimSize - 1}]`);
    }
    const out = backend.makeOutput(info.outputShape, x.dtype);
    const source = backend.typedArrayFromHeap(x);
    const target = backend.typedArrayFromHeap(out);
    const slice = info.sliceSize;
    let offset = 0;
    for (let b = 0; b < info.batchSize; b++) {
      for (let o = 0; o < info.outerSize; o++) {
        const base = (b * info.outerSize + o) * info.dimSize;
        for (let k = 0; k < perBatch; k++) {
          const from = (base + ids[b * perBatch + k]!) * slice;
          target.set(source.subarray(from, from + slice), offset);
          offset += slice;
        }
      }
    }
    return out;
  };
}

function replace(config: tf.KernelConfig): void {
  const previous = tf.getKernel(config.kernelName, 'wasm');
  replaced?.set(config.kernelName, previous);
  if (previous !== undefined) tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel(config);
}

/**
 * Corrects tfjs-backend-wasm 4.x kernels that selfsup's blocks rely on and that compute wrong
 * values or are missing: `OneHot` with a non-int32 dtype, `GatherV2` with `batchDims > 0`, and
 * `UnsortedSegmentSum` (the gradient of gather). The replacements run on the host (plain
 * JavaScript over the wasm heap) and keep the wasm kernel for the cases it gets right.
 * Idempotent; {@link useBackend} installs them for `wasm`.
 *
 * @returns True when installed (now or before), false when the wasm kernels are not registered.
 */
export function installWasmKernelFixes(): boolean {
  if (replaced !== undefined) return true;
  const oneHot = tf.getKernel('OneHot', 'wasm');
  const gather = tf.getKernel('GatherV2', 'wasm');
  if (oneHot === undefined || gather === undefined) return false;
  replaced = new Map();
  replace({
    ...oneHot,
    kernelFunc: (args: KernelArgs) =>
      (args.attrs as { dtype?: unknown }).dtype === 'int32' ? oneHot.kernelFunc(args) : oneHotOnHost(args),
  });
  replace({ ...gather, kernelFunc: batchedGatherOnHost(gather) });
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') === undefined) {
    replace({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSumOnHost });
  }
  return true;
}
