// SelfsupGelu and SelfsupGeluGrad on the native backend against the composite formula of
// @selfsup/backbones' gelu.ts run with the separate native kernels: the same numbers bit for bit,
// on every instruction set; and against the composite on tfjs-backend-cpu to float rounding.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { NATIVE_BACKEND_NAME } from '../index.js';
import { expectParity, nativeReady, runOn, runnableIsas, uniform, withConfig, type Input } from '../../test/parity.js';
import { GELU, GELU_GRAD } from './gelu.js';

/** gelu.ts's composite forward: x * (erf(x / sqrt 2) + 1) / 2. */
function compositeGelu(x: tf.Tensor): tf.Tensor {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5);
  return tf.mul(x, cdf);
}

/** gelu.ts's composite backward: dy * (Phi(x) + x phi(x)), phi through sigmoid. */
function compositeGeluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5);
  const s = tf.sigmoid(tf.mul(tf.square(x), -0.5));
  const pdf = tf.mul(tf.div(s, tf.sub(1, s)), 1 / Math.sqrt(2 * Math.PI));
  return tf.mul(dy, tf.add(cdf, tf.mul(x, pdf)));
}

const fusedGelu = (x: tf.Tensor) => (tf.engine().runKernel(GELU, { x }) as tf.Tensor[])[0]!;
const fusedGeluGrad = (dy: tf.Tensor, x: tf.Tensor) => (tf.engine().runKernel(GELU_GRAD, { dy, x }) as tf.Tensor[])[0]!;

async function expectBitwiseEqual(inputs: readonly Input[], fused: (...xs: tf.Tensor[]) => tf.Tensor, composite: (...xs: tf.Tensor[]) => tf.Tensor, label: string) {
  const [a] = await runOn(NATIVE_BACKEND_NAME, inputs, fused);
  const [b] = await runOn(NATIVE_BACKEND_NAME, inputs, composite);
  expect(a!.shape).toEqual(b!.shape);
  const differing = a!.values.findIndex((v, i) => !Object.is(v, b!.values[i]));
  expect(differing, `${label}: first differing element ${differing} (x ${inputs.at(-1)!.values[differing]}): fused ${a!.values[differing]}, composite ${b!.values[differing]}`).toBe(-1);
}

/** Values across GELU's whole range: the erf's tails, zero and signed zero, the overflow of exp. */
const SPECIAL: Input = { shape: [14], values: Float32Array.from([0, -0, 1e-30, -1e-30, 0.5, -0.5, 3.7, -3.7, 9, -9, 20, -20, 80, -80]) };

describe.skipIf(!nativeReady)('SelfsupGelu and SelfsupGeluGrad on the native backend', () => {
  it('forward and gradient: the composite formula on the separate native kernels, bit for bit', async () => {
    let seed = 1;
    for (const shape of [[1], [7, 300], [2, 50, 512], [65537]]) {
      const x = uniform(shape, seed++, -6, 6);
      await expectBitwiseEqual([x], fusedGelu, compositeGelu, `gelu ${shape}`);
      await expectBitwiseEqual([uniform(shape, seed++), x], fusedGeluGrad, compositeGeluGrad, `gelu gradient ${shape}`);
    }
    await expectBitwiseEqual([SPECIAL], fusedGelu, compositeGelu, 'gelu of special values');
    await expectBitwiseEqual([uniform([14], 9), SPECIAL], fusedGeluGrad, compositeGeluGrad, 'gelu gradient at special values');
  });

  it('is the same on every instruction set', async () => {
    const x = uniform([3, 1001], 20, -5, 5);
    const dy = uniform([3, 1001], 21);
    for (const isa of runnableIsas()) {
      await withConfig({ isa, threads: 2 }, async () => {
        await expectBitwiseEqual([x], fusedGelu, compositeGelu, `${isa} gelu`);
        await expectBitwiseEqual([dy, x], fusedGeluGrad, compositeGeluGrad, `${isa} gelu gradient`);
      });
    }
  });

  it('matches the composite on tfjs-backend-cpu to float rounding, NaN and infinities included', async () => {
    const onNativeFused = (composite: (...xs: tf.Tensor[]) => tf.Tensor, fused: (...xs: tf.Tensor[]) => tf.Tensor) => (...xs: tf.Tensor[]) =>
      tf.getBackend() === NATIVE_BACKEND_NAME ? fused(...xs) : composite(...xs);
    const x = uniform([9, 129], 30, -8, 8);
    await expectParity([x], onNativeFused(compositeGelu, fusedGelu), { rtol: 1e-5 });
    await expectParity([uniform([9, 129], 31), x], onNativeFused(compositeGeluGrad, fusedGeluGrad), { rtol: 1e-5 });
    const odd = { shape: [5], values: Float32Array.from([NaN, Infinity, -Infinity, 0, 2]) };
    await expectParity([odd], onNativeFused(compositeGelu, fusedGelu));
  });

  it('keeps no tensors and refuses a dy of another shape with an SslError', async () => {
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND_NAME);
    try {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        fusedGeluGrad(tf.ones([3, 4]), fusedGelu(tf.randomNormal([3, 4])));
      });
      expect(tf.memory().numTensors).toBe(before);
      let error: unknown;
      try {
        tf.tidy(() => void fusedGeluGrad(tf.ones([3, 5]), tf.ones([3, 4])));
      } catch (caught) {
        error = caught;
      }
      expect(isSslError(error, 'INVALID_ARGUMENT') && error.message).toMatch(/SelfsupGeluGrad\(inputs\.dy\): expected shape \[3, 4\], got "?\[3, 5\]/);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await tf.setBackend(previous);
    }
  });
});
