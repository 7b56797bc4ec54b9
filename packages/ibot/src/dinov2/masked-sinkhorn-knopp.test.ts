import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/core';
import { sinkhornKnopp } from '@selfsup/losses';
import { expectNoLeaks } from '@selfsup/testing';
import { maskedSinkhornKnopp } from './masked-sinkhorn-knopp.js';

/**
 * Element-wise and reduction kernels the native backend (@selfsup/backend-native's
 * elementwiseKernels and reduceKernels) runs in native code, with broadcasting. Any other kernel
 * (Select, DivNoNan, Greater, Cast, ...) falls back to tfjs-backend-cpu's JavaScript there.
 */
const NATIVE_ON_LARGE_MATRIX = new Set(['Reshape', 'Sub', 'Minimum', 'RealDiv', 'Exp', 'Multiply', 'Sum', 'Max', 'Min']);

function randomMasks(rows: number, patches: number, seed: number, ratio: number): tf.Tensor2D {
  const rng = createRng(seed);
  return tf.tensor2d(Array.from({ length: rows * patches }, () => (rng.next() < ratio ? 1 : 0)), [rows, patches]);
}

async function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const value = (await difference.data())[0]!;
  difference.dispose();
  return value;
}

describe('maskedSinkhornKnopp', () => {
  it('is Sinkhorn-Knopp of the masked rows among themselves, with zero rows elsewhere', async () => {
    const [rows, patches, prototypes] = [4, 9, 16];
    const logits = tf.mul(tf.randomNormal([rows, patches, prototypes], 0, 1, 'float32', 3), 0.5) as tf.Tensor3D;
    const masks = randomMasks(rows, patches, 5, 0.4);
    const targets = maskedSinkhornKnopp(logits, masks, 0.05, 3);
    expect(targets.shape).toEqual([rows, patches, prototypes]);
    const maskValues = await masks.data();
    const masked = [...maskValues.keys()].filter((i) => maskValues[i]! > 0);
    expect(masked.length).toBeGreaterThan(1);
    const flatLogits = tf.reshape(logits, [rows * patches, prototypes]) as tf.Tensor2D;
    const flatTargets = tf.reshape(targets, [rows * patches, prototypes]) as tf.Tensor2D;
    const indices = tf.tensor1d(masked, 'int32');
    const expected = sinkhornKnopp(tf.gather(flatLogits, indices) as tf.Tensor2D, { temperature: 0.05, iterations: 3 });
    expect(await maxAbsDifference(expected, tf.gather(flatTargets, indices))).toBeLessThan(1e-6);
    const rowSums = await tf.sum(targets, 2).data();
    rowSums.forEach((sum, i) => expect(sum).toBeCloseTo(maskValues[i]!, 5));
    tf.dispose([logits, masks, targets, flatLogits, flatTargets, indices, expected]);
  });

  it('ignores unmasked rows whose logits are far above the masked ones (no Infinity times 0)', async () => {
    // masked rows: small logits; unmasked rows: 100 above them, exp(100 / 0.04) would overflow
    const masks = tf.tensor2d([[1, 0, 1, 0]]);
    const logits = tf.tidy(() => tf.add(tf.randomNormal([1, 4, 8], 0, 0.1, 'float32', 7), tf.reshape(tf.tensor1d([0, 100, 0, 100]), [1, 4, 1]))) as tf.Tensor3D;
    const targets = maskedSinkhornKnopp(logits, masks, 0.04, 3);
    const values = await targets.data();
    expect(values.every(Number.isFinite)).toBe(true);
    const rowSums = Array.from(await tf.sum(targets, 2).data());
    [1, 0, 1, 0].forEach((expected, i) => expect(rowSums[i]).toBeCloseTo(expected, 5));
    tf.dispose([masks, logits, targets]);
  });

  it('gives zero targets, and no NaN, when no patch is masked', async () => {
    const logits = tf.randomNormal([2, 4, 8], 0, 1, 'float32', 1) as tf.Tensor3D;
    const masks = tf.zeros([2, 4]) as tf.Tensor2D;
    const targets = maskedSinkhornKnopp(logits, masks, 0.04, 3);
    expect(Array.from(await targets.data())).toEqual(new Array(2 * 4 * 8).fill(0));
    tf.dispose([logits, masks, targets]);
  });

  it('runs only native element-wise and reduction kernels on the [rows * patches, K] matrix (issue 18: Select and DivNoNan there made a step 9x slower)', async () => {
    const [rows, patches, prototypes] = [4, 9, 16];
    const logits = tf.randomNormal([rows, patches, prototypes], 0, 1, 'float32', 2) as tf.Tensor3D;
    const masks = randomMasks(rows, patches, 9, 0.4);
    const large = rows * patches * prototypes;
    const profile = await tf.profile(() => maskedSinkhornKnopp(logits, masks, 0.04, 3));
    const sizes = (shapes: number[][]) => shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
    const onLarge = profile.kernels.filter((k) => [...sizes(k.inputShapes), ...sizes(k.outputShapes)].includes(large)).map((k) => k.name);
    expect(onLarge.length).toBeGreaterThan(10); // 3 iterations of two divisions and two sums, and more
    expect(onLarge.filter((name) => !NATIVE_ON_LARGE_MATRIX.has(name))).toEqual([]);
    // a Cast from bool to float32 keeps the bool bytes, which the native kernels cannot read: a
    // Multiply of the matrix by such a mask ran in JavaScript (issue 18, after the first fix)
    expect(profile.kernelNames).not.toContain('Cast');
    (profile.result as tf.Tensor).dispose();
    await expectNoLeaks(() => maskedSinkhornKnopp(logits, masks, 0.04, 3), 'maskedSinkhornKnopp');
    tf.dispose([logits, masks]);
  });
});
