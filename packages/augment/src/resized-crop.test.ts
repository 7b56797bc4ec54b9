import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng, isSslError } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import type { CropBoxes } from './crop-boxes.js';
import { applyHorizontalFlip } from './horizontal-flip.js';
import { applyResizedCrop, randomResizedCrop } from './resized-crop.js';

const box = (top: number, left: number, height: number, width: number): CropBoxes => ({
  top: Int32Array.of(top),
  left: Int32Array.of(left),
  height: Int32Array.of(height),
  width: Int32Array.of(width),
});

/** A 4x4 one-channel image with pixel (i, j) = (4i + j) / 16. */
const ramp = (): tf.Tensor4D => tf.tensor4d(Array.from({ length: 16 }, (_, k) => k / 16), [1, 4, 4, 1]);

describe('applyResizedCrop', () => {
  it('shrinks 4x4 to 2x2 bilinear with Pillow antialiasing: taps 3/7, 3/7, 1/7', () => {
    // scale 2 stretches the triangle filter to support 2: output 0 is centred at 1, inputs 0, 1, 2
    // (centres 0.5, 1.5, 2.5) weigh tri(-0.25) = 0.75, tri(0.25) = 0.75, tri(0.75) = 0.25 -> /1.75
    // = 3/7, 3/7, 1/7; output 1 (centre 3) weighs inputs 1, 2, 3 by 1/7, 3/7, 3/7.
    // Mean index under output 0: (0*3 + 1*3 + 2*1)/7 = 5/7; under output 1: (1 + 6 + 9)/7 = 16/7.
    // Pixel = (4 i + j)/16: out(0,0) = (4*5/7 + 5/7)/16 = 25/112, out(0,1) = (20/7 + 16/7)/16 = 36/112,
    // out(1,0) = (64/7 + 5/7)/16 = 69/112, out(1,1) = (64/7 + 16/7)/16 = 80/112.
    const images = ramp();
    const out = applyResizedCrop(images, box(0, 0, 4, 4), { size: 2, interpolation: 'bilinear' });
    expectClose(out, { shape: [1, 2, 2, 1], data: [25 / 112, 36 / 112, 69 / 112, 80 / 112] });
    tf.dispose([images, out]);
  });

  it('shrinks 4x4 to 2x2 bilinear without antialiasing by averaging pixel pairs', () => {
    // support stays 1: output 0 (centre 1) takes inputs 0 and 1 by 1/2 each, output 1 inputs 2 and 3.
    // Mean index 0.5 and 2.5: out(0,0) = (2 + 0.5)/16, out(0,1) = (2 + 2.5)/16, out(1,0) = (10 + 0.5)/16, out(1,1) = (10 + 2.5)/16
    const images = ramp();
    const out = applyResizedCrop(images, box(0, 0, 4, 4), { size: 2, interpolation: 'bilinear', antialias: false });
    expectClose(out, { shape: [1, 2, 2, 1], data: [2.5 / 16, 4.5 / 16, 10.5 / 16, 12.5 / 16] });
    tf.dispose([images, out]);
  });

  it('upsamples a 2x2 crop to 4x4 bilinear with weights 1, 3/4 1/4, 1/4 3/4, 1 (edges renormalised)', () => {
    // crop rows 1..2, cols 2..3: a = 6/16, b = 7/16, c = 10/16, d = 11/16. Output 0 is centred at 0.25:
    // only input 0 is within reach (input -1 is outside the crop), so it weighs 1; output 1 (centre
    // 0.75) weighs inputs 0, 1 by tri(-0.25) = 0.75, tri(0.75) = 0.25.
    const images = ramp();
    const out = applyResizedCrop(images, box(1, 2, 2, 2), { size: 4, interpolation: 'bilinear' });
    const w = [
      [1, 0],
      [0.75, 0.25],
      [0.25, 0.75],
      [0, 1],
    ];
    const crop = [
      [6 / 16, 7 / 16],
      [10 / 16, 11 / 16],
    ];
    const expected: number[] = [];
    for (const wy of w) for (const wx of w) expected.push(wy[0]! * (wx[0]! * crop[0]![0]! + wx[1]! * crop[0]![1]!) + wy[1]! * (wx[0]! * crop[1]![0]! + wx[1]! * crop[1]![1]!));
    expectClose(out, { shape: [1, 4, 4, 1], data: expected });
    tf.dispose([images, out]);
  });

  it('upsamples bicubic with Keys a = -0.5 and clamps to [0, 1]', () => {
    // One row [a, b] -> 4 columns (height 1 -> 4 rows, each a copy). Output 0, centre 0.25, support 2:
    // inputs 0, 1 at distances 0.25, 1.25: cubic(0.25) = (1.5*0.25 - 2.5)*0.0625 + 1 = 0.8671875,
    // cubic(1.25) = (((1.25 - 5)*1.25 + 8)*1.25 - 4)*(-0.5) = -0.0703125, normalised by their sum
    // 0.796875: 1.0882353, -0.0882353. Output 1, centre 0.75: cubic(0.25) = 0.8671875 and
    // cubic(0.75) = (1.5*0.75 - 2.5)*0.5625 + 1 = 0.2265625 over 1.09375: 0.7928571, 0.2071429.
    const [w00, w01] = [0.8671875 / 0.796875, -0.0703125 / 0.796875];
    const [w10, w11] = [0.8671875 / 1.09375, 0.2265625 / 1.09375];
    const row = (a: number, b: number): number[] => [w00 * a + w01 * b, w10 * a + w11 * b, w11 * a + w10 * b, w01 * a + w00 * b];
    const images = tf.tensor4d([0.2, 0.6, 0, 1], [2, 1, 2, 1]);
    const boxes: CropBoxes = { top: Int32Array.of(0, 0), left: Int32Array.of(0, 0), height: Int32Array.of(1, 1), width: Int32Array.of(2, 2) };
    const out = applyResizedCrop(images, boxes, { size: 4, interpolation: 'bicubic' });
    // image 0: 0.1647059, 0.2828571, 0.5171429, 0.6352941; image 1: -0.088 and 1.088 clamp to 0 and 1
    const clamp = (v: number): number => Math.min(1, Math.max(0, v));
    const expected = [...Array(4).fill(row(0.2, 0.6)).flat(), ...Array(4).fill(row(0, 1).map(clamp)).flat()];
    expectClose(out, { shape: [2, 4, 4, 1], data: expected });
    expect(row(0.2, 0.6)[0]).toBeCloseTo(0.1647059, 6);
    tf.dispose([images, out]);
  });

  it('copies a crop of the output size exactly, bilinear and bicubic', async () => {
    const images = ramp();
    for (const interpolation of ['bilinear', 'bicubic'] as const) {
      const out = applyResizedCrop(images, box(1, 2, 2, 2), { size: 2, interpolation });
      expect(Array.from(await out.data())).toEqual([6 / 16, 7 / 16, 10 / 16, 11 / 16]);
      out.dispose();
    }
    images.dispose();
  });

  it('equals tf.image.resizeBilinear (half-pixel centres) of the crop without antialiasing', () => {
    const images = tf.randomUniform([2, 9, 7, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const boxes: CropBoxes = { top: Int32Array.of(1, 0), left: Int32Array.of(2, 0), height: Int32Array.of(6, 9), width: Int32Array.of(4, 7) };
    for (const size of [3, 5, 11]) {
      const out = applyResizedCrop(images, boxes, { size, interpolation: 'bilinear', antialias: false });
      const expected = tf.tidy(() =>
        tf.concat([
          tf.image.resizeBilinear(tf.slice(images, [0, 1, 2, 0], [1, 6, 4, 3]), [size, size], false, true),
          tf.image.resizeBilinear(tf.slice(images, [1, 0, 0, 0], [1, 9, 7, 3]), [size, size], false, true),
        ]),
      );
      expectClose(out, expected, { atol: 1e-6 }, `size ${size}`);
      tf.dispose([out, expected]);
    }
    images.dispose();
  });

  it('flips in the resampling exactly as a flip afterwards', () => {
    const images = tf.randomUniform([3, 6, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const boxes: CropBoxes = { top: Int32Array.of(0, 1, 2), left: Int32Array.of(0, 1, 0), height: Int32Array.of(6, 4, 3), width: Int32Array.of(5, 3, 5) };
    const flip = Uint8Array.of(1, 0, 1);
    const fused = applyResizedCrop(images, boxes, { size: 4, flip });
    const plain = applyResizedCrop(images, boxes, { size: 4 });
    const after = applyHorizontalFlip(plain, flip);
    expectClose(fused, after, { atol: 1e-7 });
    tf.dispose([images, fused, plain, after]);
  });

  it('leaks no tensor', async () => {
    const images = tf.randomUniform([2, 5, 5, 3]) as tf.Tensor4D;
    const boxes: CropBoxes = { top: Int32Array.of(0, 1), left: Int32Array.of(0, 1), height: Int32Array.of(5, 3), width: Int32Array.of(5, 4) };
    await expectNoLeaks(() => applyResizedCrop(images, boxes, { size: 3, flip: Uint8Array.of(1, 0) }), 'applyResizedCrop');
    images.dispose();
  });

  it('rejects boxes outside the image and bad options', async () => {
    const images = ramp();
    const fails = (fn: () => unknown, message: RegExp): void => {
      let caught: unknown;
      try {
        fn();
      } catch (error) {
        caught = error;
      }
      expect(isSslError(caught)).toBe(true);
      expect((caught as Error).message).toMatch(message);
    };
    fails(() => applyResizedCrop(images, box(2, 0, 3, 4), { size: 2 }), /applyResizedCrop\(boxes\)\[0\]: expected a box of at least 1 pixel inside the 4x4 image/);
    fails(() => applyResizedCrop(images, box(0, 0, 4, 4), { size: 0 }), /options\)\.size: expected a positive integer/);
    fails(() => applyResizedCrop(images, box(0, 0, 4, 4), { size: 2.5 }), /size/);
    fails(() => applyResizedCrop(images, box(0, 0, 4, 4), { size: 2, interpolation: 'nearest' as never }), /interpolation: expected "bilinear" or "bicubic"/);
    fails(() => applyResizedCrop(tf.zeros([4, 4, 1]) as never, box(0, 0, 4, 4), { size: 2 }), /rank 4/);
    images.dispose();
  });
});

describe('randomResizedCrop', () => {
  it('is deterministic for a seed, differs across seeds, and keeps the channel count', async () => {
    const images = tf.randomUniform([3, 10, 12, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const a = randomResizedCrop(images, createRng(5), { size: 6, scale: [0.2, 0.8] });
    const b = randomResizedCrop(images, createRng(5), { size: 6, scale: [0.2, 0.8] });
    const c = randomResizedCrop(images, createRng(6), { size: 6, scale: [0.2, 0.8] });
    expect(a.shape).toEqual([3, 6, 6, 3]);
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    expect(Array.from(await a.data())).not.toEqual(Array.from(await c.data()));
    tf.dispose([images, a, b, c]);
  });

  it('leaks no tensor', async () => {
    const images = tf.randomUniform([2, 8, 8, 1]) as tf.Tensor4D;
    await expectNoLeaks(() => randomResizedCrop(images, createRng(0), { size: 4 }), 'randomResizedCrop');
    images.dispose();
  });
});
