import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/core';
import { expectNoLeaks } from '@selfsup/testing';
import { createMultiCrop } from './multi-crop.js';
import {
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
