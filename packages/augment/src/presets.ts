import type { ColorJitterOptions } from './color-jitter.js';
import type { MultiCropOptions, ViewOptions } from './multi-crop.js';
import type { Interpolation } from './resize-weights.js';
import { checkInteger } from '@selfsup/core';
import { checkRange, checkSize, type Range } from './validate.js';

/** ImageNet's per-channel mean (RGB), used by DINO, iBOT and MAE. */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
/** ImageNet's per-channel standard deviation (RGB). */
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];
/** Fashion-MNIST's pixel mean (training set, pixels in [0, 1]). */
export const FASHION_MNIST_MEAN: readonly number[] = [0.286];
/** Fashion-MNIST's pixel standard deviation (training set, pixels in [0, 1]). */
export const FASHION_MNIST_STD: readonly number[] = [0.353];

/** DINO's and iBOT's colour jitter: `ColorJitter(0.4, 0.4, 0.2, 0.1)` applied with p = 0.8. */
export const DINO_COLOR_JITTER: Readonly<Required<ColorJitterOptions>> = {
  brightness: 0.4,
  contrast: 0.4,
  saturation: 0.2,
  hue: 0.1,
  p: 0.8,
};

/** Options of {@link ibotAugmentation}, {@link dinoAugmentation} and {@link smallGrayscalePreset}. */
export interface MultiCropPresetOptions {
  /** Side of the global views in pixels. @defaultValue 224 (28 in {@link smallGrayscalePreset}) */
  imageSize?: number;
  /** Side of the local views in pixels. @defaultValue 96 (16 in {@link smallGrayscalePreset}) */
  localSize?: number;
  /** Number of global views (the first has blur p = 1, the others blur p = 0.1 and solarization p = 0.2). @defaultValue 2 */
  globalCrops?: number;
  /** Number of local views. @defaultValue 10 (iBOT), 8 (DINO), 4 ({@link smallGrayscalePreset}) */
  localCrops?: number;
  /** Crop-area range of the global views. @defaultValue [0.25, 1] (iBOT), [0.4, 1] (DINO), [0.25, 1] (small) */
  globalScale?: Range;
  /** Crop-area range of the local views. @defaultValue [0.05, 0.25] (iBOT), [0.05, 0.4] (DINO), [0.05, 0.25] (small) */
  localScale?: Range;
  /** Per-channel mean for normalisation. @defaultValue {@link IMAGENET_MEAN} ({@link FASHION_MNIST_MEAN} in the small preset) */
  mean?: readonly number[];
  /** Per-channel standard deviation. @defaultValue {@link IMAGENET_STD} ({@link FASHION_MNIST_STD} in the small preset) */
  std?: readonly number[];
  /** Resampling of every crop. @defaultValue 'bicubic' */
  interpolation?: Interpolation;
  /** Blur radius range (standard deviation in pixels). @defaultValue [0.1, 2] */
  blurRadius?: Range;
}

interface ResolvedPreset {
  imageSize: number;
  localSize: number;
  globalCrops: number;
  localCrops: number;
  globalScale: Range;
  localScale: Range;
  mean: readonly number[];
  std: readonly number[];
  interpolation: Interpolation;
  blurRadius: Range;
}

/**
 * The structure shared by DINO's `DataAugmentationDINO` and iBOT's `DataAugmentationiBOT`: every
 * view is a random resized crop, flip (p 0.5), colour jitter (p 0.8), grayscale (p 0.2); global
 * view 1 adds blur (p 1.0), later global views blur (p 0.1) and solarization (p 0.2), local views
 * blur (p 0.5); all are normalised.
 */
function dinoStyleViews(where: string, o: ResolvedPreset): MultiCropOptions {
  checkInteger(`${where}(options.globalCrops)`, o.globalCrops, 1);
  checkInteger(`${where}(options.localCrops)`, o.localCrops, 0);
  checkSize(`${where}(options.imageSize)`, o.imageSize);
  checkSize(`${where}(options.localSize)`, o.localSize);
  const scaleFix = 'Scales are crop areas as fractions of the image area, [min, max] within (0, 1].';
  checkRange(`${where}(options.globalScale)`, o.globalScale, { min: 0, max: 1, fix: scaleFix });
  checkRange(`${where}(options.localScale)`, o.localScale, { min: 0, max: 1, fix: scaleFix });
  const common = {
    interpolation: o.interpolation,
    flipProbability: 0.5,
    colorJitter: { ...DINO_COLOR_JITTER },
    grayscaleProbability: 0.2,
    normalize: { mean: [...o.mean], std: [...o.std] },
  } satisfies Partial<ViewOptions>;
  const first: ViewOptions = { ...common, size: o.imageSize, scale: o.globalScale, blur: { p: 1, radius: o.blurRadius } };
  const rest: ViewOptions = {
    ...common,
    size: o.imageSize,
    scale: o.globalScale,
    blur: { p: 0.1, radius: o.blurRadius },
    solarizeProbability: 0.2,
  };
  const local: ViewOptions = { ...common, size: o.localSize, scale: o.localScale, blur: { p: 0.5, radius: o.blurRadius } };
  return {
    global: [first, ...Array.from({ length: o.globalCrops - 1 }, () => ({ ...rest }))],
    local: Array.from({ length: o.localCrops }, () => ({ ...local })),
  };
}

function withDefaults(options: MultiCropPresetOptions, defaults: ResolvedPreset): ResolvedPreset {
  const out = { ...defaults };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
}

/**
 * iBOT's multi-crop views (`DataAugmentationiBOT` in bytedance/ibot, with the ViT-S/16 settings of
 * its README): 2 global crops of 224 px with scale [0.25, 1] and 10 local crops of 96 px with
 * scale [0.05, 0.25], bicubic, DINO's photometric transforms, ImageNet normalisation. Returns the
 * options for {@link createMultiCrop}, to adjust or pass on.
 *
 * @example
 * ```ts
 * const multiCrop = createMultiCrop(ibotAugmentation({ imageSize: 32, localSize: 16 }));
 * ```
 */
export function ibotAugmentation(options: MultiCropPresetOptions = {}): MultiCropOptions {
  return dinoStyleViews(
    'ibotAugmentation',
    withDefaults(options, {
      imageSize: 224,
      localSize: 96,
      globalCrops: 2,
      localCrops: 10,
      globalScale: [0.25, 1],
      localScale: [0.05, 0.25],
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
      interpolation: 'bicubic',
      blurRadius: [0.1, 2],
    }),
  );
}

/**
 * DINO's multi-crop views (`DataAugmentationDINO` in facebookresearch/dino, with `main_dino.py`'s
 * defaults): 2 global crops of 224 px with scale [0.4, 1] and 8 local crops of 96 px with scale
 * [0.05, 0.4]; the same photometric transforms as iBOT.
 *
 * @example
 * ```ts
 * const multiCrop = createMultiCrop(dinoAugmentation({ localCrops: 6 }));
 * ```
 */
export function dinoAugmentation(options: MultiCropPresetOptions = {}): MultiCropOptions {
  return dinoStyleViews(
    'dinoAugmentation',
    withDefaults(options, {
      imageSize: 224,
      localSize: 96,
      globalCrops: 2,
      localCrops: 8,
      globalScale: [0.4, 1],
      localScale: [0.05, 0.4],
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
      interpolation: 'bicubic',
      blurRadius: [0.1, 2],
    }),
  );
}

/** Options of {@link maeAugmentation}. */
export interface MaeAugmentationOptions {
  /** Side of the view in pixels. @defaultValue 224 */
  imageSize?: number;
  /** Crop-area range. @defaultValue [0.2, 1] */
  scale?: Range;
  /** Per-channel mean. @defaultValue {@link IMAGENET_MEAN} */
  mean?: readonly number[];
  /** Per-channel standard deviation. @defaultValue {@link IMAGENET_STD} */
  std?: readonly number[];
  /** Resampling. @defaultValue 'bicubic' */
  interpolation?: Interpolation;
}

/**
 * MAE's pre-training view (`main_pretrain.py` in facebookresearch/mae): one random resized crop
 * with scale [0.2, 1] (bicubic), a horizontal flip, ImageNet normalisation; no colour transforms.
 *
 * @example
 * ```ts
 * const [view] = createMultiCrop(maeAugmentation({ imageSize: 32 })).views(images, rng).global;
 * ```
 */
export function maeAugmentation(options: MaeAugmentationOptions = {}): MultiCropOptions {
  return {
    global: [
      {
        size: options.imageSize ?? 224,
        scale: options.scale ?? [0.2, 1],
        interpolation: options.interpolation ?? 'bicubic',
        flipProbability: 0.5,
        normalize: { mean: [...(options.mean ?? IMAGENET_MEAN)], std: [...(options.std ?? IMAGENET_STD)] },
      },
    ],
    local: [],
  };
}

/**
 * iBOT's recipe for small grayscale images such as 28×28 Fashion-MNIST: 2 global crops of 28 px
 * with scale [0.25, 1] and 4 local crops of 16 px with scale [0.05, 0.25], normalised with
 * Fashion-MNIST's mean 0.2860 and std 0.3530. On one channel the colour jitter reduces to
 * brightness and contrast, and grayscale is a no-op (its draws are kept, so switching a dataset to
 * RGB does not shift the other draws).
 *
 * @example
 * ```ts
 * const multiCrop = createMultiCrop(smallGrayscalePreset());
 * const views = multiCrop.views(batch, rng); // batch: [B, 28, 28, 1]
 * ```
 */
export function smallGrayscalePreset(options: MultiCropPresetOptions = {}): MultiCropOptions {
  return dinoStyleViews(
    'smallGrayscalePreset',
    withDefaults(options, {
      imageSize: 28,
      localSize: 16,
      globalCrops: 2,
      localCrops: 4,
      globalScale: [0.25, 1],
      localScale: [0.05, 0.25],
      mean: FASHION_MNIST_MEAN,
      std: FASHION_MNIST_STD,
      interpolation: 'bicubic',
      blurRadius: [0.1, 2],
    }),
  );
}
