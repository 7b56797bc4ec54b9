import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng, isSslError } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { colorJitter } from './color-jitter.js';
import { gaussianBlur } from './gaussian-blur.js';
import { randomGrayscale } from './grayscale.js';
import { horizontalFlip } from './horizontal-flip.js';
import { createMultiCrop, type ViewOptions } from './multi-crop.js';
import { normalize } from './normalize.js';
import { randomResizedCrop } from './resized-crop.js';
import { solarize } from './solarize.js';

const full: ViewOptions = {
  size: 5,
  scale: [0.3, 1],
  interpolation: 'bicubic',
  flipProbability: 0.5,
  colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 },
  grayscaleProbability: 0.3,
  blur: { p: 0.5, radius: [0.1, 2] },
  solarizeProbability: 0.3,
  normalize: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] },
};

describe('createMultiCrop', () => {
  it('makes the global and local views with their sizes, the same for the same seed', async () => {
    const images = tf.randomUniform([3, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const multiCrop = createMultiCrop({ global: [full, { ...full, size: 6 }], local: [{ ...full, size: 3 }] });
    const a = multiCrop.views(images, createRng(4));
    const b = multiCrop.views(images, createRng(4));
    const c = multiCrop.views(images, createRng(5));
    expect(a.global.map((t) => t.shape)).toEqual([
      [3, 5, 5, 3],
      [3, 6, 6, 3],
    ]);
    expect(a.local.map((t) => t.shape)).toEqual([[3, 3, 3, 3]]);
    const bViews = [...b.global, ...b.local];
    for (const [k, t] of [...a.global, ...a.local].entries()) expect(Array.from(await t.data())).toEqual(Array.from(await bViews[k]!.data()));
    expect(Array.from(await a.global[0]!.data())).not.toEqual(Array.from(await c.global[0]!.data()));
    tf.dispose([images, ...a.global, ...a.local, ...b.global, ...b.local, ...c.global, ...c.local]);
  });

  it('equals the plain transforms composed in order, view k drawing from the k-th rng.fork()', () => {
    const images = tf.randomUniform([6, 9, 7, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const local: ViewOptions = { ...full, size: 4, scale: [0.1, 0.4], solarizeProbability: 0 };
    const views = createMultiCrop({ global: [full], local: [local] }).views(images, createRng(7));
    const rng = createRng(7);
    const expected = [full, local].map((view) => {
      const r = rng.fork();
      return tf.tidy(() => {
        let x = randomResizedCrop(images, r, { size: view.size, scale: view.scale!, interpolation: 'bicubic' });
        x = horizontalFlip(x, r, { p: view.flipProbability! });
        x = colorJitter(x, r, view.colorJitter as object);
        x = randomGrayscale(x, r, { p: view.grayscaleProbability! });
        x = gaussianBlur(x, r, view.blur as object);
        if (view.solarizeProbability! > 0) x = solarize(x, r, { p: view.solarizeProbability! });
        return normalize(x, view.normalize as { mean: number[]; std: number[] });
      });
    });
    expectClose(views.global[0]!, expected[0]!, { atol: 1e-5 }, 'global view');
    expectClose(views.local[0]!, expected[1]!, { atol: 1e-5 }, 'local view');
    tf.dispose([images, ...views.global, ...views.local, ...expected]);
  });

  it('does not change the global views when local views are added', async () => {
    const images = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const view: ViewOptions = { size: 6, colorJitter: {}, blur: { p: 0.5 }, normalize: { mean: [0.3], std: [0.3] } };
    const alone = createMultiCrop({ global: [view, view] }).views(images, createRng(1));
    const more = createMultiCrop({ global: [view, view], local: [{ ...view, size: 3 }, { ...view, size: 3 }] }).views(images, createRng(1));
    expect(more.local).toHaveLength(2);
    for (const [k, t] of alone.global.entries()) expect(Array.from(await t.data())).toEqual(Array.from(await more.global[k]!.data()));
    tf.dispose([images, ...alone.global, ...more.global, ...more.local]);
  });

  it('is the normalised image itself for a whole-image crop without other transforms', () => {
    const images = tf.randomUniform([2, 5, 5, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const view: ViewOptions = { size: 5, scale: [1, 1], ratio: [1, 1], flipProbability: 0, normalize: { mean: [0.25], std: [0.5] } };
    const { global } = createMultiCrop({ global: [view] }).views(images, createRng(0));
    const expected = normalize(images, { mean: [0.25], std: [0.5] });
    expectClose(global[0]!, expected, { atol: 1e-7 });
    tf.dispose([images, ...global, expected]);
  });

  it('leaks no tensor', async () => {
    const images = tf.randomUniform([2, 8, 8, 3]) as tf.Tensor4D;
    const multiCrop = createMultiCrop({ global: [full, full], local: [{ ...full, size: 4 }] });
    await expectNoLeaks(() => multiCrop.views(images, createRng(3)), 'multiCrop.views');
    images.dispose();
  });

  it('rejects bad options and images that do not fit them, naming the view', () => {
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
    fails(() => createMultiCrop({ global: [] }), /createMultiCrop\(options\.global\): expected a non-empty array of view options/);
    fails(() => createMultiCrop({ global: [{ size: 0 }] }), /options\.global\[0\]\.size: expected a positive integer/);
    fails(() => createMultiCrop({ global: [{ size: 4 }], local: [{ size: 2, scale: [0.5, 0.1] }] }), /options\.local\[0\]\.scale/);
    fails(() => createMultiCrop({ global: [{ size: 4, flipProbability: 2 }] }), /global\[0\]\.flipProbability: expected a probability in \[0, 1\]/);
    fails(() => createMultiCrop({ global: [{ size: 4, blur: { p: -1 } }] }), /global\[0\]\.blur\.p/);
    fails(() => createMultiCrop({ global: [{ size: 4, normalize: { mean: [0.5], std: [0] } }] }), /normalize\.std/);
    const rgbView = createMultiCrop({ global: [full] });
    const gray = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    fails(() => rgbView.views(gray, createRng(0)), /global\[0\]\.normalize\.mean: expected 1 value\(s\), one per image channel/);
    const two = tf.zeros([1, 8, 8, 2]) as tf.Tensor4D;
    fails(() => rgbView.views(two, createRng(0)), /expected 1 or 3 channel\(s\)/);
    tf.dispose([gray, two]);
  });
});
