import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { applyGaussianBlur, boxBlurRadius, gaussianBlur, sampleBlurRadii } from './gaussian-blur.js';

describe('boxBlurRadius', () => {
  it('is 1 exactly for radius sqrt(2), and 0 for radius 0', () => {
    // sigma² per pass = 2/3, box length L = sqrt(12 * 2/3 + 1) = 3, l = 1, a = 3 * (2 - 2) / ... = 0
    expect(boxBlurRadius(Math.SQRT2)).toBeCloseTo(1, 12);
    expect(boxBlurRadius(0)).toBe(0);
  });
});

describe('applyGaussianBlur', () => {
  it('spreads an impulse by the kernel [1, 3, 6, 7, 6, 3, 1] / 27 per axis for radius sqrt(2)', async () => {
    // box radius 1: each pass averages 3 pixels; three passes give [1, 3, 6, 7, 6, 3, 1] / 27
    const kernel = [1, 3, 6, 7, 6, 3, 1].map((v) => v / 27);
    const data = new Float32Array(81);
    data[4 * 9 + 4] = 1;
    const images = tf.tensor4d(data, [1, 9, 9, 1]);
    const out = applyGaussianBlur(images, [Math.SQRT2]);
    const expected = new Float32Array(81);
    for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) expected[(i + 1) * 9 + j + 1] = kernel[i]! * kernel[j]!;
    expectClose(out, { shape: [1, 9, 9, 1], data: expected }, { atol: 1e-7 });
    expect((await out.data())[40]).toBeCloseTo(49 / 729, 7);
    tf.dispose([images, out]);
  });

  it('repeats edge pixels beyond the border, as Pillow', () => {
    // one row [1, 0, 0, 0, 0, 0], radius sqrt(2) (3-pixel box, x[-1] = x[0]):
    // pass 1: [2/3, 1/3, 0, 0, 0, 0]; pass 2: [5/9, 1/3, 1/9, 0, 0, 0];
    // pass 3: [(5/9 + 5/9 + 1/3)/3, (5/9 + 1/3 + 1/9)/3, (1/3 + 1/9)/3, (1/9)/3, 0, 0] = [13, 9, 4, 1, 0, 0] / 27
    const images = tf.tensor4d([1, 0, 0, 0, 0, 0], [1, 1, 6, 1]);
    const out = applyGaussianBlur(images, [Math.SQRT2]);
    expectClose(out, { shape: [1, 1, 6, 1], data: [13 / 27, 9 / 27, 4 / 27, 1 / 27, 0, 0] }, { atol: 1e-7 });
    tf.dispose([images, out]);
  });

  it('has the variance radius² for fractional radii (extended box filter)', async () => {
    // impulse response along one axis: mean 20, variance sum (x - 20)² w(x) = r²
    for (const radius of [0.3, 1.3, 2]) {
      const data = new Float32Array(41);
      data[20] = 1;
      const images = tf.tensor4d(data, [1, 1, 41, 1]);
      const out = applyGaussianBlur(images, [radius]);
      const weights = await out.data();
      let total = 0;
      let variance = 0;
      weights.forEach((w, x) => {
        total += w;
        variance += w * (x - 20) ** 2;
      });
      expect(total).toBeCloseTo(1, 5);
      expect(variance).toBeCloseTo(radius * radius, 4);
      tf.dispose([images, out]);
    }
  });

  it('keeps radius-0 images bit-identical, constant images constant, and channels apart', async () => {
    const images = tf.concat([tf.randomUniform([1, 5, 4, 3], 0, 1, 'float32', 1), tf.fill([1, 5, 4, 3], 0.25)]) as tf.Tensor4D;
    const out = applyGaussianBlur(images, [0, 1.7]);
    const [first, second] = tf.split(out, 2, 0);
    const [original] = tf.split(images, 2, 0);
    expect(Array.from(await first!.data())).toEqual(Array.from(await original!.data()));
    expectClose(second!, tf.fill([1, 5, 4, 3], 0.25), { atol: 1e-6 });
    await expectNoLeaks(() => applyGaussianBlur(images, [0, 1.7]), 'applyGaussianBlur');
    await expectNoLeaks(() => applyGaussianBlur(images, [1.1, 1.7]), 'applyGaussianBlur (all)');
    await expectNoLeaks(() => applyGaussianBlur(images, [0, 0]), 'applyGaussianBlur (none)');
    tf.dispose([images, out, first!, second!, original!]);
  });

  it('blurs each image with its own radius regardless of its position in the batch', () => {
    const images = tf.randomUniform([4, 6, 5, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const radii = [0, 1.2, 0, 0.6];
    const together = applyGaussianBlur(images, radii);
    for (let b = 0; b < 4; b++) {
      const image = tf.slice(images, [b, 0, 0, 0], [1, 6, 5, 1]);
      const alone = applyGaussianBlur(image, [radii[b]!]);
      const part = tf.slice(together, [b, 0, 0, 0], [1, 6, 5, 1]);
      expectClose(part, alone, { atol: 1e-7 }, `image ${b}`);
      tf.dispose([image, alone, part]);
    }
    tf.dispose([images, together]);
  });

  it('rejects negative radii', () => {
    const images = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expect(() => applyGaussianBlur(images, [-1])).toThrow(/applyGaussianBlur\(radii\[0\]\): expected a finite radius >= 0/);
    images.dispose();
  });
});

describe('sampleBlurRadii and gaussianBlur', () => {
  it('draws radii in the range with probability p, 0 otherwise', () => {
    const radii = sampleBlurRadii(1000, createRng(3), { p: 0.5, radius: [0.1, 2] });
    const blurred = radii.filter((r) => r > 0);
    expect(blurred.every((r) => r >= 0.1 && r <= 2)).toBe(true);
    expect(blurred.length).toBeGreaterThan(440);
    expect(blurred.length).toBeLessThan(560);
    expect(sampleBlurRadii(5, createRng(3), { p: 0 }).every((r) => r === 0)).toBe(true);
    expect(sampleBlurRadii(5, createRng(4))).toEqual(sampleBlurRadii(5, createRng(4)));
  });

  it('is deterministic for a seed, leaks nothing, and validates options', async () => {
    const images = tf.randomUniform([3, 5, 5, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const a = gaussianBlur(images, createRng(8), { p: 1 });
    const b = gaussianBlur(images, createRng(8), { p: 1 });
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    await expectNoLeaks(() => gaussianBlur(images, createRng(1)), 'gaussianBlur');
    expect(() => gaussianBlur(images, createRng(0), { radius: [2, 1] })).toThrow(/radius.*swap them to \[1, 2\]/);
    expect(() => gaussianBlur(images, createRng(0), { radius: [-1, 1] })).toThrow(/radius: expected a pair/);
    expect(() => gaussianBlur(images, createRng(0), { p: 1.2 })).toThrow(/gaussianBlur\(options\)\.p/);
    tf.dispose([images, a, b]);
  });
});
