import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createMultiCrop, normalize, randomResizedCrop, smallGrayscalePreset, type MultiCropViews } from '@selfsup/augment';
import { createRng } from '@selfsup/core';
import { augmentationConfigSchema } from './augmentation-config.js';
import { createMultiCropFromConfig } from './create-multi-crop-from-config.js';
import { dinoConfigSchema } from './dino/dino-config.js';
import { dinov2ConfigSchema } from './dinov2/dinov2-config.js';
import { ibotConfigSchema } from './ibot/ibot-config.js';
import { parseConfig } from './parse-config.js';

const viewData = async (views: MultiCropViews): Promise<number[][]> =>
  Promise.all([...views.global, ...views.local].map(async (t) => Array.from(await t.data())));

const disposeViews = (...all: MultiCropViews[]): void => tf.dispose(all.flatMap((v) => [...v.global, ...v.local]));

const EVERYTHING_OFF = {
  flipProbability: 0,
  colorJitter: { p: 0 },
  grayscaleProbability: 0,
  blur: { firstGlobal: 0, otherGlobals: 0, local: 0 },
  solarizeProbability: 0,
};

describe('createMultiCropFromConfig', () => {
  it("with the default section, makes the views bit for bit of smallGrayscalePreset with the section's crops alone", async () => {
    for (const a of [augmentationConfigSchema.parse({}), dinoConfigSchema.parse({}).augmentation]) {
      const images = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 13) as tf.Tensor4D;
      const crops = smallGrayscalePreset({
        imageSize: a.globalSize,
        localSize: a.localSize,
        globalCrops: a.globalCrops,
        localCrops: a.localCrops,
        globalScale: a.globalScale,
        localScale: a.localScale,
        mean: a.mean,
        std: a.std,
      });
      const before = createMultiCrop(crops).views(images, createRng(5));
      const after = createMultiCropFromConfig(a).views(images, createRng(5));
      expect(await viewData(after)).toEqual(await viewData(before));
      disposeViews(before, after);
      images.dispose();
    }
  });

  it('with every photometric transform off, makes resized crops and normalisation only, drawing nothing else', async () => {
    const a = augmentationConfigSchema.parse({ ...EVERYTHING_OFF, globalCrops: 3, localCrops: 2, mean: [0.3], std: [0.4] });
    const multiCrop = createMultiCropFromConfig(a);
    for (const view of [...multiCrop.global, ...multiCrop.local]) {
      expect(view).toMatchObject({ flipProbability: 0, colorJitter: null, grayscaleProbability: 0, blur: null, solarizeProbability: 0 });
    }
    const images = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 17) as tf.Tensor4D;
    const views = multiCrop.views(images, createRng(8));
    const rng = createRng(8);
    const crops: [number, readonly [number, number]][] = [
      ...Array.from({ length: 3 }, () => [a.globalSize, a.globalScale] as [number, readonly [number, number]]),
      ...Array.from({ length: 2 }, () => [a.localSize, a.localScale] as [number, readonly [number, number]]),
    ];
    const expected = crops.map(([size, scale]) =>
      tf.tidy(() => normalize(randomResizedCrop(images, rng.fork(), { size, scale, interpolation: 'bicubic' }), { mean: [0.3], std: [0.4] })),
    );
    expect(await viewData(views)).toEqual(await viewData({ global: expected, local: [] }));
    disposeViews(views, { global: expected, local: [] });
    images.dispose();
  });

  it('passes the strengths and probabilities of the section to the views', () => {
    const a = augmentationConfigSchema.parse({
      colorJitter: { p: 0.5, brightness: 0.2, contrast: 0 },
      blur: { local: 0.25 },
      blurRadius: [0.5, 1],
      flipProbability: 0.3,
      grayscaleProbability: 0,
    });
    const multiCrop = createMultiCropFromConfig(a);
    const [first, second] = multiCrop.global;
    expect(first).toMatchObject({
      flipProbability: 0.3,
      grayscaleProbability: 0,
      colorJitter: { p: 0.5, brightness: 0.2, contrast: 0, saturation: 0.2, hue: 0.1 },
      blur: { p: 1, radius: [0.5, 1] },
      solarizeProbability: 0,
    });
    expect(second).toMatchObject({ blur: { p: 0.1, radius: [0.5, 1] }, solarizeProbability: 0.2 });
    expect(multiCrop.local[0]!.blur).toEqual({ p: 0.25, radius: [0.5, 1] });
  });
});

describe('the photometric keys of the multi-crop configs', () => {
  it('default to DINO\'s transforms in the iBOT, DINO and DINOv2-style configs', () => {
    for (const schema of [ibotConfigSchema, dinoConfigSchema, dinov2ConfigSchema]) {
      expect(schema.parse({}).augmentation).toMatchObject({
        flipProbability: 0.5,
        colorJitter: { p: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 },
        grayscaleProbability: 0.2,
        blur: { firstGlobal: 1, otherGlobals: 0.1, local: 0.5 },
        blurRadius: [0.1, 2],
        solarizeProbability: 0.2,
      });
    }
  });

  it('refuse bad values with the key, what was expected and the value', () => {
    const refused = (augmentation: object): string => {
      try {
        parseConfig(dinoConfigSchema, { augmentation }, 'The DINO config');
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    const probability = 'Expected a probability in \\[0, 1\\] \\(0 turns the transform off\\)';
    expect(refused({ flipProbability: 1.5 })).toMatch(new RegExp(`augmentation\\.flipProbability: ${probability}, got 1\\.5`));
    expect(refused({ grayscaleProbability: -0.2 })).toMatch(new RegExp(`augmentation\\.grayscaleProbability: ${probability}, got -0\\.2`));
    expect(refused({ solarizeProbability: 2 })).toMatch(new RegExp(`augmentation\\.solarizeProbability: ${probability}, got 2`));
    expect(refused({ colorJitter: { p: 1.1 } })).toMatch(new RegExp(`augmentation\\.colorJitter\\.p: ${probability}, got 1\\.1`));
    expect(refused({ colorJitter: { hue: 0.7 } })).toMatch(/augmentation\.colorJitter\.hue: .*<=0\.5.*, got 0\.7/);
    expect(refused({ blur: { local: -1 } })).toMatch(new RegExp(`augmentation\\.blur\\.local: ${probability}, got -1`));
    expect(refused({ blur: { first: 0 } })).toMatch(/augmentation\.blur: unknown key\(s\) "first"/);
    expect(refused({ blurRadius: [2, 0.1] })).toMatch(/augmentation\.blurRadius: Expected \[min, max\] with min <= max, got \[2,0\.1\]/);
    expect(refused({ flipProbability: 0.5 })).toBe('accepted');
  });
});
