import * as tf from '@tensorflow/tfjs-core';
import { allocate, allocateTyped, MAX_NATIVE_RANK, sizeOf, type CpuStorageBackend, type NativeDtype, type NativeKernel, type NativeKernelContext } from './shared.js';

type Array32 = Float32Array | Int32Array;

/** The values of a float32 or int32 tensor, or undefined for other dtypes. */
function values32(backend: CpuStorageBackend, info: tf.TensorInfo): Array32 | undefined {
  const values = backend.data.get(info.dataId).values;
  if (info.dtype === 'float32' && values instanceof Float32Array) return values;
  if (info.dtype === 'int32' && values instanceof Int32Array) return values;
  return undefined;
}

function output(backend: CpuStorageBackend, dtype: tf.DataType, length: number): Array32 {
  return dtype === 'float32' ? allocate(backend, length) : new Int32Array(length);
}

// One slice of x: a view when the box is contiguous (as tfjs-backend-cpu), else a native copy.
function sliceOf(context: NativeKernelContext, backend: CpuStorageBackend, x: tf.TensorInfo, xv: Array32, begin: number[], size: number[]): tf.TensorInfo {
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
    return backend.makeTensorInfo(size, x.dtype, xv.subarray(offset, offset + sizeOf(size)));
  }
  const out = output(backend, x.dtype, sizeOf(size));
  context.addon.copyBox(xv, x.shape, begin, out, size, size.map(() => 0), size);
  return backend.makeTensorInfo(size, x.dtype, out);
}

/** Slice: strided boxes copied natively (contiguous ones stay zero-copy views, as on cpu). */
export const sliceKernel: NativeKernel = {
  kernelName: tf.Slice,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const x = args.inputs.x as tf.TensorInfo;
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const xv = values32(backend, x);
    if (!xv || x.shape.length > MAX_NATIVE_RANK || x.shape.length === 0) return context.fallback(args);
    const [$begin, $size] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
    tf.slice_util.assertParamsValid(x as tf.Tensor, $begin, $size);
    return sliceOf(context, backend, x, xv, $begin, $size);
  },
};

/** SplitV: one native slice per part. */
export const splitVKernel: NativeKernel = {
  kernelName: tf.SplitV,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const x = args.inputs.x as tf.TensorInfo;
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
    const xv = values32(backend, x);
    if (!xv || x.shape.length > MAX_NATIVE_RANK || x.shape.length === 0) return context.fallback(args);
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
    const begin = x.shape.map(() => 0);
    return sizes.map((part) => {
      const size = x.shape.slice();
      size[$axis] = part;
      const result = sliceOf(context, backend, x, xv, begin.slice(), size);
      begin[$axis]! += part;
      return result;
    });
  },
};

/** Copies each part into `out` after the previous one along `axis` (Concat, Pack). */
function copyAlongAxis(
  context: NativeKernelContext,
  parts: readonly { values: Array32; shape: readonly number[] }[],
  out: Array32,
  outShape: readonly number[],
  axis: number,
): void {
  const begin = outShape.map(() => 0);
  for (const { values, shape } of parts) {
    if (sizeOf(shape) > 0) context.addon.copyBox(values, shape, shape.map(() => 0), out, outShape, begin, shape);
    begin[axis]! += shape[axis]!;
  }
}

/** Concat along any axis: each input copied natively into its place. */
export const concatKernel: NativeKernel = {
  kernelName: tf.Concat,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const { axis } = args.attrs as unknown as tf.ConcatAttrs;
    const first = inputs[0];
    if (!first || first.shape.length === 0 || first.shape.length > MAX_NATIVE_RANK) return context.fallback(args);
    const values = inputs.map((t) => (t.dtype === first.dtype ? values32(backend, t) : undefined));
    if (values.some((v) => v === undefined)) return context.fallback(args);
    const $axis = tf.util.parseAxisParam(axis, first.shape)[0]!;
    const shapes = inputs.map((t) => t.shape);
    tf.backend_util.assertParamsConsistent(shapes, $axis);
    const outShape = tf.backend_util.computeOutShape(shapes, $axis);
    const out = output(backend, first.dtype, sizeOf(outShape));
    copyAlongAxis(context, inputs.map((t, i) => ({ values: values[i]!, shape: t.shape })), out, outShape, $axis);
    return backend.makeTensorInfo(outShape, first.dtype, out);
  },
};

/** PadV2 with a constant: a native fill, then the input copied into place. */
export const padKernel: NativeKernel = {
  kernelName: tf.PadV2,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const x = args.inputs.x as tf.TensorInfo;
    const { paddings, constantValue } = args.attrs as unknown as tf.PadV2Attrs;
    const xv = values32(backend, x);
    if (!xv || x.shape.length === 0 || x.shape.length > MAX_NATIVE_RANK) return context.fallback(args);
    const outShape = paddings.map((p, i) => p[0] + x.shape[i]! + p[1]);
    const out = output(backend, x.dtype, sizeOf(outShape));
    context.addon.fill(out, constantValue);
    if (sizeOf(x.shape) > 0) context.addon.copyBox(xv, x.shape, x.shape.map(() => 0), out, outShape, paddings.map((p) => p[0]), x.shape);
    return backend.makeTensorInfo(outShape, x.dtype, out);
  },
};

/** GatherV2 (any axis and batchDims) with int32 indices: rows copied natively. */
export const gatherKernel: NativeKernel = {
  kernelName: tf.GatherV2,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as tf.GatherV2Attrs;
    const xv = values32(backend, x);
    const iv = backend.data.get(indices.dataId).values;
    if (!xv || indices.dtype !== 'int32' || !(iv instanceof Int32Array) || x.shape.length === 0) return context.fallback(args);
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const dim = x.shape[$axis]!;
    // Out-of-range indices: the cpu kernel throws tfjs's message.
    for (let i = 0; i < iv.length; i++) if (!(iv[i]! >= 0 && iv[i]! < dim)) return context.fallback(args);
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x as tf.Tensor, indices as tf.Tensor, $axis, batchDims ?? 0);
    const out = output(backend, x.dtype, sizeOf(info.outputShape));
    if (out.length > 0) context.addon.gather(xv, out, info.batchSize, info.outerSize, info.dimSize, info.sliceSize, iv);
    return backend.makeTensorInfo(info.outputShape, x.dtype, out);
  },
};

/** Pack (tf.stack): every input copied natively into its place along the new axis. */
export const packKernel: NativeKernel = {
  kernelName: tf.Pack,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const { axis } = args.attrs as unknown as tf.PackAttrs;
    const first = inputs[0];
    if (!first || first.shape.length + 1 > MAX_NATIVE_RANK) return context.fallback(args);
    const rank = first.shape.length;
    const $axis = axis < 0 ? axis + rank + 1 : axis;
    const values = inputs.map((t) => (t.dtype === first.dtype ? values32(backend, t) : undefined));
    // Other dtypes, mismatched shapes or a bad axis: the cpu kernel (and its error messages).
    if (!Number.isInteger($axis) || $axis < 0 || $axis > rank || values.some((v) => v === undefined) || inputs.some((t) => !tf.util.arraysEqual(t.shape, first.shape))) {
      return context.fallback(args);
    }
    const part = first.shape.slice();
    part.splice($axis, 0, 1);
    if (inputs.length === 1) {
      backend.incRef(first.dataId);
      return { dataId: first.dataId, shape: part, dtype: first.dtype };
    }
    const outShape = part.slice();
    outShape[$axis] = inputs.length;
    const out = output(backend, first.dtype, sizeOf(outShape));
    copyAlongAxis(context, values.map((v) => ({ values: v!, shape: part })), out, outShape, $axis);
    return backend.makeTensorInfo(outShape, first.dtype, out);
  },
};

/** The copying kernels that run natively (float32 and int32). */
export const copyKernels: readonly NativeKernel[] = [sliceKernel, splitVKernel, concatKernel, padKernel, gatherKernel, packKernel];

function filled(context: NativeKernelContext, backend: CpuStorageBackend, shape: number[], dtype: NativeDtype, value: number): tf.TensorInfo {
  const out = allocateTyped(backend, dtype, sizeOf(shape));
  if (out.length > 0) context.addon.fill(out, value);
  return backend.makeTensorInfo(shape.slice(), dtype, out);
}

/**
 * The dtypes a native fill writes: float32 and int32; bool (bytes) too with binaries that have
 * the Cast kernel (the same build taught fill to write bytes).
 */
function fillable(context: NativeKernelContext, dtype: tf.DataType): dtype is NativeDtype {
  return dtype === 'float32' || dtype === 'int32' || (dtype === 'bool' && typeof context.addon.cast === 'function');
}

/** Fill (float32, and int32 with an int32 value), ZerosLike and OnesLike (float32, int32, bool): a native fill of a pooled buffer. */
export const fillKernels: readonly NativeKernel[] = [
  {
    kernelName: tf.Fill,
    create: (context) => (args) => {
      const { shape, value, dtype } = args.attrs as unknown as tf.FillAttrs;
      const $dtype = dtype ?? tf.util.inferDtype(value);
      if (typeof value !== 'number' || !($dtype === 'float32' || ($dtype === 'int32' && value === (value | 0)))) return context.fallback(args);
      return filled(context, args.backend as unknown as CpuStorageBackend, shape, $dtype, value);
    },
  },
  ...([
    [tf.ZerosLike, 0],
    [tf.OnesLike, 1],
  ] as const).map(
    ([kernelName, value]): NativeKernel => ({
      kernelName,
      create: (context) => (args) => {
        const x = args.inputs.x as tf.TensorInfo;
        if (!fillable(context, x.dtype)) return context.fallback(args);
        return filled(context, args.backend as unknown as CpuStorageBackend, x.shape, x.dtype, value);
      },
    }),
  ),
];
