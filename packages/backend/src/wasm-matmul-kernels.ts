import * as tf from '@tensorflow/tfjs-core';

/** The wasm kernels this module wraps. */
const WRAPPED = ['BatchMatMul', '_FusedMatMul'] as const;

type KernelArgs = Parameters<tf.KernelFunc>[0];
type TensorInfo = tf.TensorInfo;

interface WasmBackendInternals {
  disposeData(dataId: object): boolean;
}

let originals: Map<string, tf.KernelConfig> | undefined;

function batchSize(shape: readonly number[]): number {
  return shape.slice(0, -2).reduce((product, size) => product * size, 1);
}

/** The permutation that swaps the last two axes of a rank-`rank` tensor. */
function swapLastTwo(rank: number): number[] {
  return [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
}

function wrap(original: tf.KernelConfig, transpose: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): TensorInfo | TensorInfo[] => {
    const { inputs, backend, attrs } = args;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const transposeA = attrs?.transposeA === true;
    const transposeB = attrs?.transposeB === true;
    // Only 2-D products (batch 1) with a transposed operand gain: tfjs-backend-wasm runs exactly
    // those in a plain loop, and runs non-transposed 2-D products with XNNPACK (SIMD, threads).
    if ((!transposeA && !transposeB) || batchSize(a.shape) !== 1 || batchSize(b.shape) !== 1) return original.kernelFunc(args);
    const temporaries: TensorInfo[] = [];
    const materialise = (x: TensorInfo): TensorInfo => {
      const transposed = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm: swapLastTwo(x.shape.length) } }) as TensorInfo;
      temporaries.push(transposed);
      return transposed;
    };
    try {
      return original.kernelFunc({
        inputs: { ...inputs, a: transposeA ? materialise(a) : a, b: transposeB ? materialise(b) : b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const t of temporaries) (backend as unknown as WasmBackendInternals).disposeData(t.dataId);
    }
  };
  return { ...original, kernelFunc };
}

/**
 * Routes the wasm backend's transposed 2-D matrix products to its fast path. tfjs-backend-wasm
 * (4.x) computes `matMul(a, b)` with XNNPACK (SIMD, multi-threaded) only when neither operand is
 * transposed and there is no batch; `transposeA` or `transposeB` fall to a scalar,
 * single-threaded loop about 10x slower, and every linear layer's backward pass uses them
 * (dX = dY W^T, dW = X^T dY). The wrapped `BatchMatMul` and `_FusedMatMul` kernels transpose the
 * operand first (a cheap copy) and then take the fast path. Batched products (attention) are
 * left to the original kernel. Idempotent; {@link useBackend} installs it for `wasm`.
 *
 * @returns True when installed (now or before), false when the wasm kernels are not registered.
 */
export function installWasmMatMulKernels(): boolean {
  if (originals !== undefined) return true;
  const transpose = tf.getKernel('Transpose', 'wasm');
  const found = WRAPPED.map((name) => tf.getKernel(name, 'wasm'));
  if (transpose === undefined || found.some((k) => k === undefined)) return false;
  originals = new Map();
  for (const original of found as tf.KernelConfig[]) {
    originals.set(original.kernelName, original);
    tf.unregisterKernel(original.kernelName, 'wasm');
    tf.registerKernel(wrap(original, transpose));
  }
  return true;
}

/** Restores tfjs-backend-wasm's own matmul kernels (benchmarks compare both). */
export function uninstallWasmMatMulKernels(): void {
  if (originals === undefined) return;
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(original);
  }
  originals = undefined;
}
