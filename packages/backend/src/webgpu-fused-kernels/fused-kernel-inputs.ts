import type * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '@selfsup/core';

function describeInput(info: tf.TensorInfo): string {
  return `${info.dtype} [${info.shape.join(', ')}]`;
}

/** Throws unless the kernel input `name` is a float32 tensor. */
export function checkFloat32(kernel: string, name: string, info: tf.TensorInfo | undefined): tf.TensorInfo {
  if (info === undefined) {
    throw invalidArgument({ argument: `${kernel} input ${name}`, expected: 'a float32 tensor', actual: undefined, fix: `Pass inputs { ${name}, ... } to tf.engine().runKernel('${kernel}', inputs, attrs).` });
  }
  if (info.dtype !== 'float32') {
    throw invalidArgument({ argument: `${kernel} input ${name}`, expected: 'a float32 tensor', actual: describeInput(info), fix: `Cast it first (tf.cast(${name}, 'float32')).` });
  }
  return info;
}

/** Throws unless the kernel input `name` is float32 of exactly `shape`. */
export function checkShape(kernel: string, name: string, info: tf.TensorInfo | undefined, shape: readonly number[], meaning: string): tf.TensorInfo {
  const checked = checkFloat32(kernel, name, info);
  if (checked.shape.length !== shape.length || checked.shape.some((d, i) => d !== shape[i])) {
    throw invalidArgument({ argument: `${kernel} input ${name}`, expected: `float32 [${shape.join(', ')}] (${meaning})`, actual: describeInput(checked), fix: 'Pass the shapes of the fused-kernel contract (FUSED_KERNELS in @selfsup/backbones lists the kernels and their inputs).' });
  }
  return checked;
}

/** Throws unless the kernel input `name` is a float32 matrix `[rows, dim]` with rows, dim >= 1; returns them. */
export function checkMatrix(kernel: string, name: string, info: tf.TensorInfo | undefined): [number, number] {
  const checked = checkFloat32(kernel, name, info);
  const [rows, dim] = checked.shape;
  if (checked.shape.length !== 2 || rows! < 1 || dim! < 1) {
    throw invalidArgument({ argument: `${kernel} input ${name}`, expected: 'float32 [rows, dim] with rows >= 1 and dim >= 1', actual: describeInput(checked), fix: `Reshape [..., dim] to [rows, dim] first (tf.reshape(${name}, [-1, dim])).` });
  }
  return [rows!, dim!];
}
