import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/core';
import { expectNoLeaks } from '@selfsup/testing';
import { applyHorizontalFlip, horizontalFlip } from './horizontal-flip.js';

describe('applyHorizontalFlip', () => {
  it('mirrors the flagged images along the width, channels kept together', async () => {
    // two 1x3 RGB images; image 0 flipped: pixels (p0, p1, p2) -> (p2, p1, p0)
    const images = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18], [2, 1, 3, 3]);
    const out = applyHorizontalFlip(images, Uint8Array.of(1, 0));
    expect(Array.from(await out.data())).toEqual([7, 8, 9, 4, 5, 6, 1, 2, 3, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    tf.dispose([images, out]);
  });

  it('mirrors one-channel images and leaks nothing', async () => {
    const images = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const out = applyHorizontalFlip(images, [1]);
    expect(Array.from(await out.data())).toEqual([2, 1, 4, 3]);
    await expectNoLeaks(() => applyHorizontalFlip(images, [1]), 'applyHorizontalFlip');
    await expectNoLeaks(() => applyHorizontalFlip(images, [0]), 'applyHorizontalFlip (no flip)');
    tf.dispose([images, out]);
  });

  it('rejects a flag count that does not match the batch', () => {
    const images = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
    expect(() => applyHorizontalFlip(images, [1])).toThrow(/applyHorizontalFlip\(flip\): expected one value per image \(2\), got "1 values"/);
    images.dispose();
  });
});

describe('horizontalFlip', () => {
  it('never flips with p = 0, always with p = 1, and about half the images with p = 0.5', async () => {
    const images = tf.tensor4d(Array.from({ length: 400 * 2 }, (_, k) => k % 2), [400, 1, 2, 1]); // each row [0, 1]
    const none = horizontalFlip(images, createRng(0), { p: 0 });
    const all = horizontalFlip(images, createRng(0), { p: 1 });
    const half = horizontalFlip(images, createRng(0));
    expect((await none.data()).every((v, k) => v === k % 2)).toBe(true);
    expect((await all.data()).every((v, k) => v === 1 - (k % 2))).toBe(true);
    const halfValues = await half.data();
    const flipped = Array.from({ length: 400 }, (_, b) => halfValues[2 * b]).filter((v) => v === 1).length;
    expect(flipped).toBeGreaterThan(160);
    expect(flipped).toBeLessThan(240);
    await expectNoLeaks(() => horizontalFlip(images, createRng(1)), 'horizontalFlip');
    tf.dispose([images, none, all, half]);
  });

  it('rejects a probability outside [0, 1]', () => {
    const images = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expect(() => horizontalFlip(images, createRng(0), { p: 1.5 })).toThrow(/horizontalFlip\(options\.p\): expected a probability in \[0, 1\], got 1\.5/);
    images.dispose();
  });
});
