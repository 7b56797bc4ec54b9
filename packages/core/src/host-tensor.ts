import { SslError } from './ssl-error.js';

/** A float32 tensor on the host: row-major `data` of `shape`. */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The number of elements of `shape`. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Makes a {@link HostTensor}, checking that `data` has as many elements as `shape` says. */
export function hostTensor(shape: readonly number[], data: Float32Array | readonly number[]): HostTensor {
  const array = data instanceof Float32Array ? data : Float32Array.from(data);
  if (array.length !== sizeOf(shape)) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `hostTensor: shape [${shape.join(', ')}] holds ${sizeOf(shape)} elements, but data has ${array.length}.`,
    );
  }
  return { shape: [...shape], data: array };
}

/** Row-major strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * Transposes a host tensor: output axis `i` is input axis `perm[i]` (as `tf.transpose` and
 * `torch.permute`).
 */
export function transposeHost(tensor: HostTensor, perm: readonly number[]): HostTensor {
  const rank = tensor.shape.length;
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new SslError(
      'INVALID_ARGUMENT',
      `transposeHost(perm): expected a permutation of 0..${rank - 1}, got [${perm.join(', ')}].`,
    );
  }
  const inStrides = stridesOf(tensor.shape);
  const outShape = perm.map((p) => tensor.shape[p]!);
  const stepIn = perm.map((p) => inStrides[p]!);
  const out = new Float32Array(tensor.data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = tensor.data[src]!;
    // odometer over the output index, moving src by the matching input stride
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      src += stepIn[axis]!;
      if (index[axis]! < outShape[axis]!) break;
      src -= stepIn[axis]! * outShape[axis]!;
      index[axis] = 0;
    }
  }
  return { shape: outShape, data: out };
}
