import type { ColorJitterOptions } from './color-jitter.js';
import {
  resolveDinoPhotometric,
  type DinoPhotometric,
  type DinoPhotometricOptions,
  type PresetBlurProbabilities,
} from './dino-photometric.js';
import type { MultiCropOptions, ViewOptions } from './multi-crop.js';
import type { Interpolation } from './resize-weights.js';
import { checkInteger } from '@selfsup/core';
import { checkRange, checkSize, type Range } from './validate.js';

export { DINO_BLUR_PROBABILITIES, DINO_COLOR_JITTER, type PresetBlurProbabilities } from './dino-photometric.js';

/** ImageNet's per-channel mean (RGB), used by DINO, iBOT and MAE. */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
/** ImageNet's per-channel standard deviation (RGB). */
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];
/** Fashion-MNIST's pixel mean (training set, pixels in [0, 1]). */
export const FASHION_MNIST_MEAN: readonly number[] = [0.286];
/** Fashion-MNIST's pixel standard deviation (training set, pixels in [0, 1]). */
export const FASHION_MNIST_STD: readonly number[] = [0.353];

/** Options of {@link ibotAugmentation}, {@link dinoAugmentation} and {@link smallGrayscalePreset}. */
export interface MultiCropPresetOptions {
  /** Side of the global views in pixels. @defaultValue 224 (28 in {@link smallGrayscalePreset}) */
  imageSize?: number;
  /** Side of the local views in pixels. @defaultValue 96 (16 in {@link smallGrayscalePreset}) */
  localSize?: number;
  /** Number of global views (by default the first has blur p = 1, the others blur p = 0.1 and solarization p = 0.2). @defaultValue 2 */
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
  /** Probability of a horizontal flip of every view; 0 turns flips off (and their draws). @defaultValue 0.5 */
  flipProbability?: number;
  /**
   * Colour jitter of every view: fields given replace those of {@link DINO_COLOR_JITTER} (so
   * `{ p: 0.4 }` keeps DINO's strengths); `false` or `p: 0` turns it off (and its draws).
   * @defaultValue {@link DINO_COLOR_JITTER}
   */
  colorJitter?: ColorJitterOptions | false;
  /** Probability of turning every view gray (drawn but no effect on 1-channel images); 0 turns it off. @defaultValue 0.2 */
  grayscaleProbability?: number;
  /**
   * Blur probability per kind of view (fields given replace those of {@link DINO_BLUR_PROBABILITIES});
   * `false` turns blur off everywhere, a 0 turns it off (and its draws) for that kind.
   * @defaultValue {@link DINO_BLUR_PROBABILITIES}: first global 1, other globals 0.1, locals 0.5
   */
  blur?: PresetBlurProbabilities | false;
  /** Probability of solarizing the second and later global views; 0 turns it off. @defaultValue 0.2 */
  solarizeProbability?: number;
}

/** The options of a preset that are not photometric (crops, resampling, normalisation, blur radius). */
type GeometryOptions = Omit<MultiCropPresetOptions, keyof DinoPhotometricOptions>;

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
 * blur (p 0.5); all are normalised. The photometric settings `p` replace those probabilities; a
 * transform turned off is left out of the views (`false` or probability 0), so it draws nothing.
 */
function dinoStyleViews(where: string, o: ResolvedPreset, p: DinoPhotometric): MultiCropOptions {
  checkInteger(`${where}(options.globalCrops)`, o.globalCrops, 1);
  checkInteger(`${where}(options.localCrops)`, o.localCrops, 0);
  checkSize(`${where}(options.imageSize)`, o.imageSize);
  checkSize(`${where}(options.localSize)`, o.localSize);
  const scaleFix = 'Scales are crop areas as fractions of the image area, [min, max] within (0, 1].';
  checkRange(`${where}(options.globalScale)`, o.globalScale, { min: 0, max: 1, fix: scaleFix });
  checkRange(`${where}(options.localScale)`, o.localScale, { min: 0, max: 1, fix: scaleFix });
  const radiusFix = 'Radii are standard deviations in pixels, [min, max] with 0 <= min <= max, e.g. [0.1, 2] as DINO and iBOT.';
  checkRange(`${where}(options.blurRadius)`, o.blurRadius, { min: 0, max: Infinity, minInclusive: true, fix: radiusFix });
  const common = {
    interpolation: o.interpolation,
    flipProbability: p.flipProbability,
    colorJitter: p.colorJitter ? { ...p.colorJitter } : false,
    grayscaleProbability: p.grayscaleProbability,
    normalize: { mean: [...o.mean], std: [...o.std] },
  } satisfies Partial<ViewOptions>;
  const blur = (probability: number): ViewOptions['blur'] => (probability > 0 ? { p: probability, radius: o.blurRadius } : false);
  const first: ViewOptions = { ...common, size: o.imageSize, scale: o.globalScale, blur: blur(p.blur.firstGlobal) };
  const rest: ViewOptions = {
    ...common,
    size: o.imageSize,
    scale: o.globalScale,
    blur: blur(p.blur.otherGlobals),
    solarizeProbability: p.solarizeProbability,
  };
  const local: ViewOptions = { ...common, size: o.localSize, scale: o.localScale, blur: blur(p.blur.local) };
  return {
    global: [first, ...Array.from({ length: o.globalCrops - 1 }, () => ({ ...rest }))],
    local: Array.from({ length: o.localCrops }, () => ({ ...local })),
  };
}

function withDefaults(options: GeometryOptions, defaults: ResolvedPreset): ResolvedPreset {
  const out = { ...defaults };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
}

/** Splits a preset's options into geometry (filled from `defaults`) and validated photometric settings. */
function presetViews(where: string, options: MultiCropPresetOptions, defaults: ResolvedPreset): MultiCropOptions {
  const { flipProbability, colorJitter, grayscaleProbability, blur, solarizeProbability, ...geometry } = options;
  const photometric = resolveDinoPhotometric(where, { flipProbability, colorJitter, grayscaleProbability, blur, solarizeProbability });
  return dinoStyleViews(where, withDefaults(geometry, defaults), photometric);
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
  return presetViews(
    'ibotAugmentation',
    options,
    {
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
    },
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
  return presetViews(
    'dinoAugmentation',
    options,
    {
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
    },
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
  return presetViews(
    'smallGrayscalePreset',
    options,
    {
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
    },
  );
}
