// SelfsupLinearGrad on the native backend against the composite backward pass of
// @selfsup/backbones' linear.ts (explicit transposes, two products, a column sum) on the separate
// native kernels: the same numbers bit for bit on the builtin GEMM, whose packing paths read a
// transposed operand as the composite's explicit transpose; to float rounding on OpenBLAS, whose
// kernels for transposed and plain operands sum in different orders; and against the composite on
// tfjs-backend-cpu to float rounding.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { NATIVE_BACKEND_NAME } from '../index.js';
import { availableGemms, expectParity, nativeReady, runOn, runnableIsas, uniform, withConfig, type Input } from '../../test/parity.js';
import { LINEAR_GRAD } from './linear-grad.js';

function composite(bias: boolean) {
  return (dy: tf.Tensor, x: tf.Tensor, w: tf.Tensor): tf.Tensor[] => {
    const grads = [tf.matMul(dy as tf.Tensor2D, tf.transpose(w as tf.Tensor2D)), tf.matMul(tf.transpose(x as tf.Tensor2D), dy as tf.Tensor2D)];
    return bias ? [...grads, tf.sum(dy, 0)] : grads;
  };
}

function fused(bias: boolean) {
  return (dy: tf.Tensor, x: tf.Tensor, w: tf.Tensor): tf.Tensor[] => tf.engine().runKernel(LINEAR_GRAD, { dy, x, w }, { bias }) as tf.Tensor[];
}

function inputsOf(rows: number, inDim: number, outDim: number, seed: number): Input[] {
  return [uniform([rows, outDim], seed), uniform([rows, inDim], seed + 1), uniform([inDim, outDim], seed + 2, -0.3, 0.3)];
}

/**
 * The fused kernel against the composite on OpenBLAS, judged against the size of the summed terms
 * (|dy| <= 1, |x| <= 1, |w| <= 0.3): dx sums `outDim` terms, dw and db `rows`.
 */
async function expectCloseOnOpenblas(inputs: readonly Input[], label: string) {
  const a = await runOn(NATIVE_BACKEND_NAME, inputs, fused(true));
  const b = await runOn(NATIVE_BACKEND_NAME, inputs, composite(true));
  const [rows, outDim] = inputs[0]!.shape as [number, number];
  const bounds = [outDim * 0.3, rows, rows];
  expect(a.map((o) => o.shape)).toEqual(b.map((o) => o.shape));
  a.forEach((out, o) => {
    let worst = 0;
    for (let i = 0; i < out.values.length; i++) worst = Math.max(worst, Math.abs(out.values[i]! - b[o]!.values[i]!));
    expect(worst, `${label}[${o}]: the largest difference, against the bound ${bounds[o]} of its terms`).toBeLessThanOrEqual(1e-6 * bounds[o]!);
  });
}

async function expectBitwiseEqual(inputs: readonly Input[], bias: boolean, label: string) {
  const a = await runOn(NATIVE_BACKEND_NAME, inputs, fused(bias));
  const b = await runOn(NATIVE_BACKEND_NAME, inputs, composite(bias));
  expect(a.map((o) => o.shape)).toEqual(b.map((o) => o.shape));
  a.forEach((out, o) => {
    const differing = out.values.findIndex((v, i) => !Object.is(v, b[o]!.values[i]));
    expect(differing, `${label}[${o}]: element ${differing}: fused ${out.values[differing]}, composite ${b[o]!.values[differing]}`).toBe(-1);
  });
}

// A ViT's layers (in 128 or 512, out 384 or 1024), odd sizes, sizes that fill whole register panels
// (read in place) and ones that do not (packed).
const SHAPES: [number, number, number][] = [[1, 1, 1], [5, 3, 7], [65, 48, 144], [300, 128, 512], [197, 512, 128], [64, 96, 64], [129, 36, 24]];

describe.skipIf(!nativeReady)('SelfsupLinearGrad on the native backend', () => {
  it('dx, dw and db: the composite backward pass on the separate native kernels, bit for bit (builtin GEMM)', async () => {
    let seed = 1;
    await withConfig({ gemm: 'builtin' }, async () => {
      for (const [rows, inDim, outDim] of SHAPES) {
        for (const bias of [true, false]) await expectBitwiseEqual(inputsOf(rows, inDim, outDim, (seed += 5)), bias, `[${rows}, ${inDim}] -> ${outDim}, bias ${bias}`);
      }
    });
  });

  it('is the same on every instruction set and thread count, and on OpenBLAS the same to float rounding', async () => {
    const inputs = inputsOf(131, 72, 96, 200);
    for (const isa of runnableIsas()) {
      for (const threads of [1, 2]) await withConfig({ isa, threads, gemm: 'builtin' }, () => expectBitwiseEqual(inputs, true, `${isa} x ${threads}`));
    }
    if (availableGemms().includes('openblas')) {
      await withConfig({ gemm: 'openblas' }, async () => {
        for (const [rows, inDim, outDim] of SHAPES) await expectCloseOnOpenblas(inputsOf(rows, inDim, outDim, 400), `OpenBLAS [${rows}, ${inDim}] -> ${outDim}`);
      });
    }
  });

  it('matches the composite on tfjs-backend-cpu to float rounding', async () => {
    const onNativeFused = (bias: boolean) => (...xs: tf.Tensor[]) => (tf.getBackend() === NATIVE_BACKEND_NAME ? fused(bias) : composite(bias))(xs[0]!, xs[1]!, xs[2]!);
    // judged against the size of the summed terms: |dy| <= 1, |x| <= 1, |w| <= 0.3 (dx sums 56 terms, dw and db 77)
    const bounds = [56 * 0.3, 77, 77];
    const sizes = [77 * 40, 40 * 56, 56];
    const scale = (o: number) => new Float32Array(sizes[o]!).fill(bounds[o]!);
    for (const bias of [true, false]) await expectParity(inputsOf(77, 40, 56, 300), onNativeFused(bias), { rtol: 1e-6, scale });
  });

  it('gives zero gradients of weights and bias for no rows, keeps no tensors, and refuses inputs outside the contract', async () => {
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND_NAME);
    try {
      const before = tf.memory().numTensors;
      const inputs = [tf.zeros([0, 4]), tf.zeros([0, 3]), tf.ones([3, 4])] as const;
      const [dx, dw, db] = fused(true)(...inputs);
      expect(dx!.shape).toEqual([0, 3]);
      expect(Array.from(await dw!.data())).toEqual(new Array(12).fill(0));
      expect(Array.from(await db!.data())).toEqual([0, 0, 0, 0]);
      tf.dispose([...inputs, dx!, dw!, db!]);
      expect(tf.memory().numTensors).toBe(before);
      const attempt = (f: () => unknown) => {
        try {
          tf.tidy(() => void f());
        } catch (error) {
          return error;
        }
        return undefined;
      };
      const wrongX = attempt(() => fused(true)(tf.ones([5, 4]), tf.ones([5, 2]), tf.ones([3, 4])));
      expect(isSslError(wrongX, 'INVALID_ARGUMENT') && wrongX.message).toMatch(/SelfsupLinearGrad\(inputs\.x\): expected shape \[\*, 3\], got "?\[5, 2\]/);
      const noBias = attempt(() => tf.engine().runKernel(LINEAR_GRAD, { dy: tf.ones([5, 4]), x: tf.ones([5, 3]), w: tf.ones([3, 4]) }, {}));
      expect(isSslError(noBias, 'INVALID_ARGUMENT') && noBias.message).toMatch(/attrs\.bias\): expected a boolean/);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await tf.setBackend(previous);
    }
  });
});
