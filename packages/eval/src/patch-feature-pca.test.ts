import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/core';
import { createVit } from '@selfsup/backbones';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { patchFeaturePca } from './patch-feature-pca.js';
import { principalComponents } from './principal-components.js';

/** Features with a known spectrum: rows = z * diag(scales) rotated by a random orthogonal matrix. */
function featuresWithSpectrum(rows: number, scales: readonly number[], seed: number): { x: Float32Array; basis: number[][] } {
  const dim = scales.length;
  const rng = createRng(seed);
  // Gram-Schmidt on random vectors: an orthonormal basis
  const basis: number[][] = [];
  while (basis.length < dim) {
    let v = Array.from({ length: dim }, () => rng.normal());
    for (const b of basis) {
      const d = v.reduce((a, vi, i) => a + vi * b[i]!, 0);
      v = v.map((vi, i) => vi - d * b[i]!);
    }
    const n = Math.hypot(...v);
    basis.push(v.map((vi) => vi / n));
  }
  const x = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const z = scales.map((s) => s * rng.normal());
    for (let j = 0; j < dim; j++) x[r * dim + j] = 5 + z.reduce((a, zi, k) => a + zi * basis[k]![j]!, 0);
  }
  return { x, basis };
}

describe('principalComponents', () => {
  it('finds the directions of the largest variances, in order, with the largest coordinate positive', async () => {
    const scales = [9, 5, 2.5, 1, 0.5, 0.2];
    const { x, basis } = featuresWithSpectrum(400, scales, 11);
    const input = tf.tensor2d(x, [400, 6]);
    const { mean, directions } = principalComponents(input, { count: 3 });
    const d = await directions.data(); // [6, 3]
    for (let k = 0; k < 3; k++) {
      const column = Array.from({ length: 6 }, (_, j) => d[j * 3 + k]!);
      expect(Math.hypot(...column)).toBeCloseTo(1, 4);
      // |cos| with the true axis: sampling noise of 400 rows leaves it near, not at, 1
      const cos = column.reduce((a, c, j) => a + c * basis[k]![j]!, 0);
      expect(Math.abs(cos)).toBeGreaterThan(0.97);
      const largest = column.reduce((best, c) => (Math.abs(c) > Math.abs(best) ? c : best), 0);
      expect(largest).toBeGreaterThan(0);
    }
    expectClose(await mean.data(), new Float32Array(6).fill(5), { atol: 1.5 });
    tf.dispose([input, mean, directions]);
  });

  it('gives the same directions for the same rows negated about the mean (sign fixed)', async () => {
    const { x } = featuresWithSpectrum(100, [4, 2, 1], 3);
    const a = tf.tensor2d(x, [100, 3]);
    const b = tf.tidy(() => tf.sub(tf.mul(tf.mean(a, 0), 2), a) as tf.Tensor2D); // 2 mean - x: same covariance
    const pa = principalComponents(a);
    const pb = principalComponents(b);
    expectClose(await pa.directions.data(), await pb.directions.data(), { atol: 1e-4 });
    tf.dispose([a, b, pa.mean, pa.directions, pb.mean, pb.directions]);
  });

  it('has zero directions for constant rows', async () => {
    const input = tf.fill([10, 4], 2) as tf.Tensor2D;
    const { mean, directions } = principalComponents(input);
    expect(Array.from(await directions.data()).every((v) => v === 0)).toBe(true);
    tf.dispose([input, mean, directions]);
  });
});

describe('patchFeaturePca', () => {
  it('colours every patch by its projections, each component min-max scaled to [0, 1] over the batch', async () => {
    const { x } = featuresWithSpectrum(2 * 16, [6, 3, 1.5, 0.5], 5);
    const tokens = tf.tensor3d(x, [2, 16, 4]);
    const rgb = patchFeaturePca(tokens, [4, 4]);
    expect(rgb.shape).toEqual([2, 4, 4, 3]);
    const values = await rgb.data();
    for (let c = 0; c < 3; c++) {
      const channel = Array.from({ length: 32 }, (_, i) => values[i * 3 + c]!);
      expect(Math.min(...channel)).toBeCloseTo(0, 5);
      expect(Math.max(...channel)).toBeCloseTo(1, 5);
    }
    // red follows the first component: a linear function of the projections on it
    const { mean, directions } = principalComponents(tf.reshape(tokens, [32, 4]) as tf.Tensor2D);
    const projected = tf.tidy(() => tf.matMul(tf.sub(tf.reshape(tokens, [32, 4]), mean), directions));
    const p = await projected.data();
    const first = Array.from({ length: 32 }, (_, i) => p[i * 3]!);
    const low = Math.min(...first);
    const high = Math.max(...first);
    expectClose(Array.from({ length: 32 }, (_, i) => values[i * 3]!), first.map((v) => (v - low) / (high - low)), { atol: 1e-4 });
    tf.dispose([tokens, rgb, mean, directions, projected]);
  });

  it('encodes images with a backbone, and with a background threshold blacks out the other side', async () => {
    const vit = createVit({ imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 1, headCount: 2, seed: 2 });
    const images = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const fromBackbone = patchFeaturePca({ backbone: vit, images });
    const { classToken, patchTokens } = vit.encode(images);
    const fromTokens = patchFeaturePca(patchTokens, vit.tokenGrid(16, 16));
    expectClose(await fromBackbone.data(), await fromTokens.data(), { atol: 1e-5 });
    const aboveRgb = patchFeaturePca({ backbone: vit, images }, { background: { threshold: 0.5 } });
    const belowRgb = patchFeaturePca({ backbone: vit, images }, { background: { threshold: 0.5, foreground: 'below' } });
    const above = await aboveRgb.data();
    const below = await belowRgb.data();
    const isBlack = (v: ArrayLike<number>, i: number) => v[3 * i] === 0 && v[3 * i + 1] === 0 && v[3 * i + 2] === 0;
    const blackAbove = Array.from({ length: 32 }, (_, i) => isBlack(above, i));
    const blackBelow = Array.from({ length: 32 }, (_, i) => isBlack(below, i));
    expect(blackAbove.some(Boolean)).toBe(true);
    expect(blackBelow.some(Boolean)).toBe(true);
    // every patch is foreground on one side: none is black on both (up to a patch at exactly 0 colour)
    expect(blackAbove.filter((b, i) => b && blackBelow[i]).length).toBeLessThanOrEqual(2);
    await expectNoLeaks(() => patchFeaturePca({ backbone: vit, images }), 'patchFeaturePca({ backbone, images })');
    tf.dispose([images, fromBackbone, fromTokens, classToken, patchTokens, aboveRgb, belowRgb]);
    vit.dispose();
  });

  it('leaks no tensor', async () => {
    const tokens = tf.randomNormal([2, 9, 8], 0, 1, 'float32', 1) as tf.Tensor3D;
    await expectNoLeaks(() => patchFeaturePca(tokens, [3, 3]), 'patchFeaturePca');
    await expectNoLeaks(() => patchFeaturePca(tokens, [3, 3], { background: { threshold: 0.4 } }), 'patchFeaturePca background');
    tokens.dispose();
  });

  it('refuses a grid that does not hold the tokens, and a bad threshold', () => {
    const tokens = tf.zeros([1, 9, 4]) as tf.Tensor3D;
    expect(() => patchFeaturePca(tokens, [2, 4])).toThrowError(/2x4 grid holds 8 patches.*tokenGrid/);
    expect(() => patchFeaturePca(tokens, [3, 3], { background: { threshold: 2 } })).toThrowError(/threshold/);
    tokens.dispose();
  });
});
