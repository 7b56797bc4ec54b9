import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { applySolarize, solarize } from './solarize.js';

describe('applySolarize', () => {
  it('inverts pixels at or above 128/255 in flagged images', () => {
    // 0.5 < 128/255 = 0.50196 stays; 128/255 -> 127/255; 0.9 -> 0.1; image 1 not flagged
    const images = tf.tensor4d([0.5, 128 / 255, 0.9, 0, 0.5, 128 / 255, 0.9, 0], [2, 1, 4, 1]);
    const out = applySolarize(images, Uint8Array.of(1, 0));
    expectClose(out, { shape: [2, 1, 4, 1], data: [0.5, 127 / 255, 0.1, 0, 0.5, 128 / 255, 0.9, 0] });
    tf.dispose([images, out]);
  });

  it('takes a custom threshold and leaks nothing', async () => {
    const images = tf.tensor4d([0.2, 0.3], [1, 1, 2, 1]);
    const out = applySolarize(images, [1], { threshold: 0.25 });
    expectClose(out, { shape: [1, 1, 2, 1], data: [0.2, 0.7] });
    await expectNoLeaks(() => applySolarize(images, [1]), 'applySolarize');
    await expectNoLeaks(() => applySolarize(images, [0]), 'applySolarize (none)');
    tf.dispose([images, out]);
  });
});

describe('solarize', () => {
  it('solarizes about p of the images and is deterministic', async () => {
    const images = tf.fill([400, 1, 1, 1], 0.9) as tf.Tensor4D;
    const a = solarize(images, createRng(2), { p: 0.2 });
    const b = solarize(images, createRng(2), { p: 0.2 });
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    const inverted = (await a.data()).filter((v) => Math.abs(v - 0.1) < 1e-6).length;
    expect(inverted).toBeGreaterThan(50);
    expect(inverted).toBeLessThan(110);
    expect(() => solarize(images, createRng(0), { p: -0.1 })).toThrow(/solarize\(options\.p\)/);
    expect(() => solarize(images, createRng(0), { threshold: Number.NaN })).toThrow(/solarize\(options\.threshold\)/);
    await expectNoLeaks(() => solarize(images, createRng(3)), 'solarize');
    tf.dispose([images, a, b]);
  });
});
