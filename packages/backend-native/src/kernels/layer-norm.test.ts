// SelfsupLayerNorm and SelfsupLayerNormGrad on the native backend against the composite formula of
// @selfsup/backbones' layer-norm.ts run with the separate native kernels: the same numbers bit for
// bit (the fused kernels round every step as those kernels do), on every instruction set and
// thread count; and against the composite on tfjs-backend-cpu to float rounding.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { NATIVE_BACKEND_NAME } from '../index.js';
import { expectParity, nativeReady, runOn, runnableIsas, uniform, withConfig, type Input } from '../../test/parity.js';
import { LAYER_NORM, LAYER_NORM_GRAD } from './layer-norm.js';

const EPS = 1e-6;

/** The composite forward pass (layer-norm.ts): y, mean, rstd. */
function compositeForward(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor[] {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  const rstd = tf.rsqrt(tf.add(variance, EPS));
  const xhat = tf.mul(centered, rstd);
  return [tf.add(tf.mul(xhat, gamma), beta), mean, rstd];
}

/** The composite backward pass (layer-norm.ts's gradFunc): dx, dgamma, dbeta. */
function compositeBackward(dy: tf.Tensor, x: tf.Tensor, gamma: tf.Tensor): tf.Tensor[] {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), EPS));
  const xh = tf.mul(centered, rstd);
  const g = tf.mul(dy, gamma);
  const meanG = tf.mean(g, -1, true);
  const meanGX = tf.mean(tf.mul(g, xh), -1, true);
  const dx = tf.mul(rstd, tf.sub(tf.sub(g, meanG), tf.mul(xh, meanGX)));
  return [dx, tf.sum(tf.mul(dy, xh), 0), tf.sum(dy, 0)];
}

function fusedForward(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor[] {
  return tf.engine().runKernel(LAYER_NORM, { x, gamma, beta }, { epsilon: EPS }) as tf.Tensor[];
}

function fusedBackward(dy: tf.Tensor, x: tf.Tensor, gamma: tf.Tensor): tf.Tensor[] {
  const [y, mean, rstd] = fusedForward(x, gamma, gamma);
  y!.dispose();
  return tf.engine().runKernel(LAYER_NORM_GRAD, { dy, x, gamma, mean: mean!, rstd: rstd! }) as tf.Tensor[];
}

/** Inputs x [rows, dim], gamma, beta, dy with values of the given spread. */
function inputsOf(rows: number, dim: number, seed: number, spread = 3): Input[] {
  return [uniform([rows, dim], seed, -spread, spread), uniform([dim], seed + 1, 0.5, 1.5), uniform([dim], seed + 2), uniform([rows, dim], seed + 3)];
}

async function expectBitwiseEqual(inputs: readonly Input[], fused: (...xs: tf.Tensor[]) => tf.Tensor[], composite: (...xs: tf.Tensor[]) => tf.Tensor[], label: string) {
  const a = await runOn(NATIVE_BACKEND_NAME, inputs, fused);
  const b = await runOn(NATIVE_BACKEND_NAME, inputs, composite);
  expect(a.length).toBe(b.length);
  a.forEach((out, o) => {
    expect(out.shape, `${label}[${o}] shape`).toEqual(b[o]!.shape);
    const differing = out.values.findIndex((v, i) => !Object.is(v, b[o]!.values[i]));
    expect(differing, `${label}[${o}]: first differing element ${differing}: fused ${out.values[differing]}, composite ${b[o]!.values[differing]}`).toBe(-1);
  });
}

// Shapes: tiny, odd, a ViT's token rows, few long rows (the Mean kernel's split sums), rows split
// into the Sum kernel's 8 parts.
const SHAPES: [number, number][] = [[1, 3], [3, 5], [65, 128], [9, 197], [4, 20000], [700, 96]];

describe.skipIf(!nativeReady)('SelfsupLayerNorm and SelfsupLayerNormGrad on the native backend', () => {
  it('forward: the composite formula on the separate native kernels, bit for bit', async () => {
    let seed = 1;
    for (const [rows, dim] of SHAPES) {
      const [x, gamma, beta] = inputsOf(rows, dim, (seed += 10));
      await expectBitwiseEqual([x!, gamma!, beta!], fusedForward, compositeForward, `forward [${rows}, ${dim}]`);
    }
  });

  it('gradient: the composite backward pass, bit for bit', async () => {
    let seed = 100;
    for (const [rows, dim] of SHAPES) {
      const [x, gamma, , dy] = inputsOf(rows, dim, (seed += 10));
      await expectBitwiseEqual([dy!, x!, gamma!], fusedBackward, compositeBackward, `gradient [${rows}, ${dim}]`);
    }
  });

  it('is the same on every instruction set and thread count', async () => {
    const [x, gamma, beta, dy] = inputsOf(130, 72, 300);
    for (const isa of runnableIsas()) {
      for (const threads of [1, 2, 3]) {
        await withConfig({ isa, threads }, async () => {
          await expectBitwiseEqual([x!, gamma!, beta!], fusedForward, compositeForward, `${isa} x ${threads} forward`);
          await expectBitwiseEqual([dy!, x!, gamma!], fusedBackward, compositeBackward, `${isa} x ${threads} gradient`);
        });
      }
    }
  });

  it('matches the composite on tfjs-backend-cpu to float rounding, with large offsets and NaN', async () => {
    const onNativeFused = (composite: (...xs: tf.Tensor[]) => tf.Tensor[], fused: (...xs: tf.Tensor[]) => tf.Tensor[]) => (...xs: tf.Tensor[]) =>
      tf.getBackend() === NATIVE_BACKEND_NAME ? fused(...xs) : composite(...xs);
    const [x, gamma, beta, dy] = inputsOf(33, 48, 400);
    const shifted = { shape: x!.shape, values: x!.values.map((v) => v + 1000) };
    for (const input of [x!, shifted]) {
      await expectParity([input, gamma!, beta!], onNativeFused(compositeForward, fusedForward), { rtol: 1e-5 });
      await expectParity([dy!, input, gamma!], onNativeFused(compositeBackward, fusedBackward), { rtol: 1e-4 });
    }
    const withNan = { shape: [2, 3], values: Float32Array.from([1, NaN, 3, 4, 5, 6]) };
    await expectParity([withNan, uniform([3], 1), uniform([3], 2)], onNativeFused(compositeForward, fusedForward));
  });

  it('keeps no tensors and refuses inputs outside the contract with an SslError naming them', async () => {
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND_NAME);
    try {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        fusedBackward(tf.ones([4, 6]), tf.randomNormal([4, 6]), tf.ones([6]));
      });
      expect(tf.memory().numTensors).toBe(before);
      const attempt = (f: () => unknown) => {
        try {
          tf.tidy(() => void f());
        } catch (error) {
          return error;
        }
        return undefined;
      };
      const wrongGamma = attempt(() => fusedForward(tf.ones([4, 6]), tf.ones([5]), tf.ones([6])));
      expect(isSslError(wrongGamma, 'INVALID_ARGUMENT') && wrongGamma.message).toMatch(/SelfsupLayerNorm\(inputs\.gamma\): expected shape \[6\], got "?\[5\]/);
      const rank3 = attempt(() => fusedForward(tf.ones([2, 4, 6]), tf.ones([6]), tf.ones([6])));
      expect(isSslError(rank3, 'INVALID_ARGUMENT') && rank3.message).toMatch(/SelfsupLayerNorm\(inputs\.x\): expected shape \[\*, \*\]/);
      const wrongDtype = attempt(() => fusedForward(tf.ones([2, 3], 'int32'), tf.ones([3]), tf.ones([3])));
      expect(isSslError(wrongDtype, 'INVALID_ARGUMENT') && wrongDtype.message).toMatch(/inputs\.x\): expected a float32 tensor, got "?int32/);
      const noEpsilon = attempt(() => tf.engine().runKernel(LAYER_NORM, { x: tf.ones([2, 3]), gamma: tf.ones([3]), beta: tf.ones([3]) }, {}));
      expect(isSslError(noEpsilon, 'INVALID_ARGUMENT') && noEpsilon.message).toMatch(/attrs\.epsilon/);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await tf.setBackend(previous);
    }
  });
});
