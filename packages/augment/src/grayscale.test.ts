import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { applyGrayscale, randomGrayscale } from './grayscale.js';

describe('applyGrayscale', () => {
  it('replaces flagged RGB pixels by 0.299 R + 0.587 G + 0.114 B in all channels', async () => {
    // (0.2, 0.4, 0.6): 0.0598 + 0.2348 + 0.0684 = 0.363; image 1 is not flagged and stays as it is
    const images = tf.tensor4d([0.2, 0.4, 0.6, 0.2, 0.4, 0.6], [2, 1, 1, 3]);
    const out = applyGrayscale(images, Uint8Array.of(1, 0));
    expectClose(out, { shape: [2, 1, 1, 3], data: [0.363, 0.363, 0.363, 0.2, 0.4, 0.6] });
    expect(Array.from((await out.data()).slice(3))).toEqual(Array.from((await images.data()).slice(3)));
    tf.dispose([images, out]);
  });

  it('leaves one-channel images unchanged and leaks nothing', async () => {
    const images = tf.tensor4d([0.1, 0.7], [1, 1, 2, 1]);
    const out = applyGrayscale(images, [1]);
    expect(Array.from(await out.data())).toEqual(Array.from(await images.data()));
    await expectNoLeaks(() => applyGrayscale(images, [1]), 'applyGrayscale');
    tf.dispose([images, out]);
  });

  it('rejects images with 2 channels', () => {
    const images = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
    expect(() => applyGrayscale(images, [1])).toThrow(/expected 1 or 3 channel\(s\).*got shape \[1, 2, 2, 2\]/);
    images.dispose();
  });
});

describe('randomGrayscale', () => {
  it('turns about p of the images gray, the same ones for the same seed', async () => {
    const images = tf.tile(tf.tensor4d([0.2, 0.4, 0.6], [1, 1, 1, 3]), [500, 1, 1, 1]) as tf.Tensor4D;
    const a = randomGrayscale(images, createRng(9), { p: 0.2 });
    const b = randomGrayscale(images, createRng(9), { p: 0.2 });
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    const aValues = await a.data();
    const gray = Array.from({ length: 500 }, (_, k) => aValues[3 * k]!).filter((v) => Math.abs(v - 0.363) < 1e-6).length;
    expect(gray).toBeGreaterThan(70);
    expect(gray).toBeLessThan(130);
    await expectNoLeaks(() => randomGrayscale(images, createRng(1)), 'randomGrayscale');
    tf.dispose([images, a, b]);
  });
});
