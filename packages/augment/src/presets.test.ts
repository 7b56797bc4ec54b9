import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng, isSslError } from '@selfsup/core';
import { expectNoLeaks } from '@selfsup/testing';
import { createMultiCrop } from './multi-crop.js';
import { normalize } from './normalize.js';
import { randomResizedCrop } from './resized-crop.js';
import {
  DINO_BLUR_PROBABILITIES,
  DINO_COLOR_JITTER,
  dinoAugmentation,
  FASHION_MNIST_MEAN,
  FASHION_MNIST_STD,
  IMAGENET_MEAN,
  ibotAugmentation,
  maeAugmentation,
  smallGrayscalePreset,
} from './presets.js';

describe('ibotAugmentation', () => {
  it('has the views of DataAugmentationiBOT with the ViT-S/16 settings', () => {
    const options = ibotAugmentation();
    const local = options.local ?? [];
    expect(options.global).toHaveLength(2);
    expect(local).toHaveLength(10);
    const [first, second] = options.global;
    expect(first).toMatchObject({ size: 224, scale: [0.25, 1], interpolation: 'bicubic', flipProbability: 0.5, grayscaleProbability: 0.2 });
    expect(first!.colorJitter).toEqual({ brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 });
    expect(first!.blur).toEqual({ p: 1, radius: [0.1, 2] });
    expect(first!.solarizeProbability ?? 0).toBe(0);
    expect(second!.blur).toEqual({ p: 0.1, radius: [0.1, 2] });
    expect(second!.solarizeProbability).toBe(0.2);
    expect(local[0]).toMatchObject({ size: 96, scale: [0.05, 0.25], blur: { p: 0.5, radius: [0.1, 2] } });
    expect(local[0]!.solarizeProbability ?? 0).toBe(0);
    expect(first!.normalize).toEqual({ mean: [...IMAGENET_MEAN], std: [0.229, 0.224, 0.225] });
  });

  it('takes overrides, repeating the second global view for more global crops', () => {
    const options = ibotAugmentation({ imageSize: 32, localSize: 16, globalCrops: 3, localCrops: 2, globalScale: [0.4, 1] });
    expect(options.global.map((v) => [v.size, v.solarizeProbability ?? 0])).toEqual([
      [32, 0],
      [32, 0.2],
      [32, 0.2],
    ]);
    expect(options.local?.map((v) => v.size)).toEqual([16, 16]);
    expect(options.global[0]!.scale).toEqual([0.4, 1]);
    expect(() => ibotAugmentation({ globalCrops: 0 })).toThrow(/ibotAugmentation\(options\.globalCrops\): expected an integer >= 1/);
    expect(() => smallGrayscalePreset({ localScale: [0.3, 0.1] })).toThrow(/smallGrayscalePreset\(options\.localScale\).*swap them/);
    expect(() => dinoAugmentation({ imageSize: 0 })).toThrow(/dinoAugmentation\(options\.imageSize\): expected a positive integer/);
  });
});

describe('dinoAugmentation and maeAugmentation', () => {
  it('use the published defaults', () => {
    const dino = dinoAugmentation();
    expect(dino.global[0]!.scale).toEqual([0.4, 1]);
    expect(dino.local).toHaveLength(8);
    expect(dino.local![0]!.scale).toEqual([0.05, 0.4]);
    const mae = maeAugmentation();
    expect(mae.global).toEqual([
      { size: 224, scale: [0.2, 1], interpolation: 'bicubic', flipProbability: 0.5, normalize: { mean: [...IMAGENET_MEAN], std: [0.229, 0.224, 0.225] } },
    ]);
    expect(mae.local).toEqual([]);
  });
});

describe('smallGrayscalePreset', () => {
  it('makes 2 global 28x28 and 4 local 16x16 normalised views of Fashion-MNIST-sized batches', async () => {
    const options = smallGrayscalePreset();
    expect(options.global.map((v) => [v.size, v.scale])).toEqual([
      [28, [0.25, 1]],
      [28, [0.25, 1]],
    ]);
    expect(options.local?.map((v) => [v.size, v.scale])).toEqual(Array(4).fill([16, [0.05, 0.25]]));
    expect(options.global[0]!.normalize).toEqual({ mean: [...FASHION_MNIST_MEAN], std: [...FASHION_MNIST_STD] });
    const multiCrop = createMultiCrop(options);
    const images = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const { global, local } = multiCrop.views(images, createRng(0));
    expect(global.map((t) => t.shape)).toEqual([
      [2, 28, 28, 1],
      [2, 28, 28, 1],
    ]);
    expect(local.map((t) => t.shape)).toEqual(Array(4).fill([2, 16, 16, 1]));
    // normalised values of pixels in [0, 1]: within [(0 - 0.286)/0.353, (1 - 0.286)/0.353]
    for (const t of [...global, ...local]) expect((await t.data()).every((v) => v >= -0.8102 && v <= 2.0227)).toBe(true);
    await expectNoLeaks(() => multiCrop.views(images, createRng(1)), 'smallGrayscalePreset views');
    tf.dispose([images, ...global, ...local]);
  });
});

describe('the photometric options of the DINO-style presets', () => {
  const images = (): tf.Tensor4D => tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
  const dataOf = async (views: { global: tf.Tensor4D[]; local: tf.Tensor4D[] }): Promise<number[][]> =>
    Promise.all([...views.global, ...views.local].map(async (t) => Array.from(await t.data())));

  it('given DINO values explicitly, make the same options and bit-identical views as without them', async () => {
    const explicit = smallGrayscalePreset({
      globalCrops: 3,
      flipProbability: 0.5,
      colorJitter: { ...DINO_COLOR_JITTER },
      grayscaleProbability: 0.2,
      blur: { firstGlobal: 1, otherGlobals: 0.1, local: 0.5 },
      blurRadius: [0.1, 2],
      solarizeProbability: 0.2,
    });
    const plain = smallGrayscalePreset({ globalCrops: 3 });
    expect(explicit).toEqual(plain);
    expect(DINO_BLUR_PROBABILITIES).toEqual({ firstGlobal: 1, otherGlobals: 0.1, local: 0.5 });
    const x = images();
    const a = createMultiCrop(explicit).views(x, createRng(3));
    const b = createMultiCrop(plain).views(x, createRng(3));
    expect(await dataOf(a)).toEqual(await dataOf(b));
    tf.dispose([x, ...a.global, ...a.local, ...b.global, ...b.local]);
  });

  it('replace single fields and leave out what is turned off, so it draws nothing', () => {
    const options = ibotAugmentation({
      globalCrops: 3,
      localCrops: 1,
      colorJitter: { p: 0.4 },
      blur: { otherGlobals: 0 },
      solarizeProbability: 0,
      flipProbability: 0.25,
    });
    const [first, second, third] = options.global;
    expect(first!.colorJitter).toEqual({ ...DINO_COLOR_JITTER, p: 0.4 });
    expect(first!.blur).toEqual({ p: 1, radius: [0.1, 2] });
    expect([second!.blur, third!.blur, second!.solarizeProbability]).toEqual([false, false, 0]);
    expect(options.local![0]).toMatchObject({ flipProbability: 0.25, grayscaleProbability: 0.2, blur: { p: 0.5, radius: [0.1, 2] } });
    const resolved = createMultiCrop(smallGrayscalePreset({ colorJitter: { p: 0 }, blur: false, grayscaleProbability: 0 }));
    for (const view of [...resolved.global, ...resolved.local]) {
      expect([view.colorJitter, view.blur, view.grayscaleProbability, view.flipProbability]).toEqual([null, null, 0, 0.5]);
    }
  });

  it('with every photometric transform off, are the resized crops of each view fork, normalised', async () => {
    const off = smallGrayscalePreset({ flipProbability: 0, colorJitter: false, grayscaleProbability: 0, blur: false, solarizeProbability: 0 });
    const x = images();
    const views = createMultiCrop(off).views(x, createRng(21));
    const rng = createRng(21);
    const expected = [...off.global, ...off.local!].map((view) =>
      tf.tidy(() =>
        normalize(randomResizedCrop(x, rng.fork(), { size: view.size, scale: view.scale!, interpolation: 'bicubic' }), {
          mean: [...FASHION_MNIST_MEAN],
          std: [...FASHION_MNIST_STD],
        }),
      ),
    );
    expect(await dataOf(views)).toEqual(await dataOf({ global: expected, local: [] }));
    tf.dispose([x, ...views.global, ...views.local, ...expected]);
  });

  it('refuse bad values, naming the option', () => {
    expect(() => smallGrayscalePreset({ flipProbability: 1.5 })).toThrow(
      /smallGrayscalePreset\(options\.flipProbability\): expected a probability in \[0, 1\], got 1\.5/,
    );
    expect(() => dinoAugmentation({ grayscaleProbability: -0.1 })).toThrow(/dinoAugmentation\(options\.grayscaleProbability\)/);
    expect(() => ibotAugmentation({ solarizeProbability: Number.NaN })).toThrow(/ibotAugmentation\(options\.solarizeProbability\)/);
    expect(() => smallGrayscalePreset({ colorJitter: { p: 2 } })).toThrow(/smallGrayscalePreset\(options\.colorJitter\)\.p: expected a probability/);
    expect(() => smallGrayscalePreset({ colorJitter: 0.8 as never })).toThrow(/options\.colorJitter\): expected colour-jitter options/);
    expect(() => smallGrayscalePreset({ blur: { local: 1.2 } })).toThrow(/smallGrayscalePreset\(options\.blur\.local\): expected a probability/);
    expect(() => smallGrayscalePreset({ blur: { first: 0 } as never })).toThrow(
      /smallGrayscalePreset\(options\.blur\.first\): expected one of the keys firstGlobal, otherGlobals, local/,
    );
    expect(() => smallGrayscalePreset({ blurRadius: [2, 0.1] })).toThrow(/smallGrayscalePreset\(options\.blurRadius\).*swap them/);
    let caught: unknown;
    try {
      smallGrayscalePreset({ flipProbability: 2 });
    } catch (error) {
      caught = error;
    }
    expect(isSslError(caught)).toBe(true);
  });
});
