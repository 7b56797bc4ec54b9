import type * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '@selfsup/core';
import { float32Values, type CpuStorageBackend } from './shared.js';

/**
 * The Float32Array of input `name` of fused kernel `kernel`, checked against the contract
 * (docs/concepts/fused-kernels.md): a float32 tensor of `shape` (-1 matches any size). Fused
 * kernels have no cpu kernel to fall back on, so anything else is an SslError naming the input.
 */
export function fusedInput(backend: CpuStorageBackend, kernel: string, name: string, info: tf.TensorInfo | undefined, shape?: readonly number[]): Float32Array {
  const argument = `${kernel}(inputs.${name})`;
  if (info === undefined) {
    throw invalidArgument({ argument, expected: 'a tensor', actual: info, fix: 'Pass every input the fused-kernel contract names (docs/concepts/fused-kernels.md).' });
  }
  const values = float32Values(backend, info);
  if (!values) throw invalidArgument({ argument, expected: 'a float32 tensor', actual: info.dtype, fix: 'Cast it to float32 first.' });
  if (shape && (shape.length !== info.shape.length || shape.some((d, i) => d !== -1 && d !== info.shape[i]))) {
    throw invalidArgument({
      argument,
      expected: `shape [${shape.map((d) => (d === -1 ? '*' : d)).join(', ')}]`,
      actual: `[${info.shape.join(', ')}]`,
      fix: 'Reshape to the contract of docs/concepts/fused-kernels.md (LayerNorm works on [rows, dim]).',
    });
  }
  return values;
}
