import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@selfsup/core';
import { invalidArgument } from '@selfsup/core';
import { resolveCropBoxOptions, sampleCropBoxes } from './crop-boxes.js';
import {
  colorJitterKernel,
  resolveColorJitter,
  sampleColorJitterResolved,
  type ColorJitterOptions,
  type ResolvedColorJitter,
} from './color-jitter.js';
import { blurKernel, resolveBlur, sampleBlurRadiiResolved, type GaussianBlurOptions, type ResolvedBlur } from './gaussian-blur.js';
import { grayscaleKernel } from './grayscale.js';
import { normalizeKernel, type NormalizeOptions } from './normalize.js';
import { resizedCropKernel, resolveResizeOptions } from './resized-crop.js';
import type { Interpolation } from './resize-weights.js';
import { checkThreshold, solarizeKernel, SOLARIZE_THRESHOLD } from './solarize.js';
import { checkChannelValues, checkImages, checkProbability, sampleFlags, type Range } from './validate.js';

/**
 * One view of a multi-crop augmentation: the transforms run in this order, each only when enabled:
 * random resized crop, horizontal flip, colour jitter, grayscale, Gaussian blur, solarization,
 * normalisation (the order of DINO's and iBOT's pipelines).
 */
export interface ViewOptions {
  /** Output side in pixels (the view is `size × size`). */
  size: number;
  /**
   * Crop area as a fraction of the image area, `[min, max]` within (0, 1].
   * @defaultValue [0.08, 1]
   */
  scale?: Range;
  /**
   * Crop aspect ratio (width / height), `[min, max]`, drawn log-uniformly.
   * @defaultValue [3/4, 4/3]
   */
  ratio?: Range;
  /**
   * Resampling filter of the crop (see {@link ResizeOptions}).
   * @defaultValue 'bicubic'
   */
  interpolation?: Interpolation;
  /**
   * Widen the filter when shrinking, as Pillow (see {@link ResizeOptions}).
   * @defaultValue true
   */
  antialias?: boolean;
  /**
   * Probability of a horizontal flip; 0 disables it (and its draws).
   * @defaultValue 0.5
   */
  flipProbability?: number;
  /**
   * Colour jitter (with its own probability `p`), or `false` for none.
   * @defaultValue false
   */
  colorJitter?: ColorJitterOptions | false;
  /**
   * Probability of turning the view gray (no effect on 1-channel images); 0 disables it.
   * @defaultValue 0
   */
  grayscaleProbability?: number;
  /**
   * Gaussian blur (with its own probability `p` and radius range), or `false` for none.
   * @defaultValue false
   */
  blur?: GaussianBlurOptions | false;
  /**
   * Probability of solarization; 0 disables it.
   * @defaultValue 0
   */
  solarizeProbability?: number;
  /**
   * Solarization threshold.
   * @defaultValue 128 / 255
   */
  solarizeThreshold?: number;
  /**
   * Per-channel normalisation applied last, or `false` to keep values in [0, 1].
   * @defaultValue false
   */
  normalize?: NormalizeOptions | false;
}

/** Options of {@link createMultiCrop}: the views to make of every image. */
export interface MultiCropOptions {
  /** The global views, in order (the teacher sees these). At least one. */
  global: readonly ViewOptions[];
  /**
   * The local views, in order (student only).
   * @defaultValue []
   */
  local?: readonly ViewOptions[];
}

/** A {@link ViewOptions} with every default filled in. */
export interface ResolvedViewOptions {
  readonly size: number;
  readonly scale: Range;
  readonly ratio: Range;
  readonly interpolation: Interpolation;
  readonly antialias: boolean;
  readonly flipProbability: number;
  readonly colorJitter: ResolvedColorJitter | null;
  readonly grayscaleProbability: number;
  readonly blur: ResolvedBlur | null;
  readonly solarizeProbability: number;
  readonly solarizeThreshold: number;
  readonly normalize: NormalizeOptions | null;
}

/** The views of one batch. The caller owns every tensor. */
export interface MultiCropViews {
  /** One `[batch, size, size, channels]` tensor per global view. */
  global: tf.Tensor4D[];
  /** One `[batch, size, size, channels]` tensor per local view. */
  local: tf.Tensor4D[];
}

/** Makes the multi-crop views of image batches. */
export interface MultiCrop {
  /** The resolved options of every global view. */
  readonly global: readonly ResolvedViewOptions[];
  /** The resolved options of every local view. */
  readonly local: readonly ResolvedViewOptions[];
  /**
   * Makes every view of a batch. View `k` (globals first, then locals) draws all its parameters
   * from `rng.fork()` taken in that order, transform by transform as in {@link ViewOptions}, each
   * transform image by image; so the same seed gives the same views, and adding views does not
   * change the earlier ones.
   *
   * @param images `[batch, height, width, channels]`, float32 in [0, 1]
   * @returns the views; the caller owns them
   */
  views(images: tf.Tensor4D, rng: Rng): MultiCropViews;
}

function resolveView(where: string, view: ViewOptions): ResolvedViewOptions {
  if (view === null || typeof view !== 'object') {
    throw invalidArgument({ argument: where, expected: 'a view options object with at least size', actual: view });
  }
  const { size, interpolation, antialias } = resolveResizeOptions(where, view);
  const { scale, ratio } = resolveCropBoxOptions(where, view);
  const normalize = view.normalize ? view.normalize : null;
  if (normalize) {
    if (!Array.isArray(normalize.mean) || normalize.mean.length === 0) {
      throw invalidArgument({
        argument: `${where}.normalize.mean`,
        expected: 'a non-empty array with one mean per channel',
        actual: normalize.mean,
        fix: 'E.g. [0.485, 0.456, 0.406] for ImageNet RGB or [0.2860] for Fashion-MNIST.',
      });
    }
    checkChannelValues(`${where}.normalize.mean`, normalize.mean, normalize.mean.length, false);
    checkChannelValues(`${where}.normalize.std`, normalize.std, normalize.mean.length, true);
  }
  return {
    size,
    scale,
    ratio,
    interpolation,
    antialias,
    flipProbability: checkProbability(`${where}.flipProbability`, view.flipProbability ?? 0.5),
    colorJitter: view.colorJitter ? resolveColorJitter(`${where}.colorJitter`, view.colorJitter) : null,
    grayscaleProbability: checkProbability(`${where}.grayscaleProbability`, view.grayscaleProbability ?? 0),
    blur: view.blur ? resolveBlur(`${where}.blur`, view.blur) : null,
    solarizeProbability: checkProbability(`${where}.solarizeProbability`, view.solarizeProbability ?? 0),
    solarizeThreshold: checkThreshold(`${where}.solarizeThreshold`, view.solarizeThreshold ?? SOLARIZE_THRESHOLD),
    normalize: normalize ? { mean: [...normalize.mean], std: [...normalize.std] } : null,
  };
}

/** The host-side parameters of one view of a batch. */
interface ViewDraws {
  boxes: ReturnType<typeof sampleCropBoxes>;
  flip: Uint8Array | undefined;
  jitter: ReturnType<typeof sampleColorJitterResolved> | undefined;
  gray: Uint8Array | undefined;
  radii: Float32Array | undefined;
  solarize: Uint8Array | undefined;
}

function drawView(view: ResolvedViewOptions, batch: number, height: number, width: number, rng: Rng): ViewDraws {
  const boxes = sampleCropBoxes(batch, height, width, rng, { scale: view.scale, ratio: view.ratio });
  const flip = view.flipProbability > 0 ? sampleFlags(batch, view.flipProbability, rng) : undefined;
  const jitter =
    view.colorJitter && view.colorJitter.p > 0 ? sampleColorJitterResolved(batch, rng, view.colorJitter) : undefined;
  const gray = view.grayscaleProbability > 0 ? sampleFlags(batch, view.grayscaleProbability, rng) : undefined;
  const radii = view.blur && view.blur.p > 0 ? sampleBlurRadiiResolved(batch, rng, view.blur) : undefined;
  const solarize = view.solarizeProbability > 0 ? sampleFlags(batch, view.solarizeProbability, rng) : undefined;
  return { boxes, flip, jitter, gray, radii, solarize };
}

function renderView(images: tf.Tensor4D, view: ResolvedViewOptions, draws: ViewDraws): tf.Tensor4D {
  let x = resizedCropKernel(images, draws.boxes, view.size, view.interpolation, view.antialias, draws.flip);
  if (draws.jitter) x = colorJitterKernel(x, draws.jitter);
  if (draws.gray) x = grayscaleKernel(x, draws.gray);
  if (draws.radii) x = blurKernel(x, draws.radii);
  if (draws.solarize) x = solarizeKernel(x, draws.solarize, view.solarizeThreshold);
  if (view.normalize) x = normalizeKernel(x, view.normalize.mean, view.normalize.std);
  return x;
}

/**
 * Creates the multi-crop augmentation of DINO and iBOT (Caron et al. 2021, Zhou et al. 2022):
 * every image of a batch yields a few large global views and several small local views, each an
 * independently random resized crop with its own photometric transforms. All random parameters
 * are drawn on the host from the injected {@link Rng}; the pixels are transformed as whole
 * batches with TensorFlow.js ops. See {@link ibotAugmentation}, {@link dinoAugmentation},
 * {@link maeAugmentation} and {@link smallGrayscalePreset} for the published recipes.
 *
 * @example
 * ```ts
 * const multiCrop = createMultiCrop(smallGrayscalePreset());
 * const { global, local } = multiCrop.views(images, createRng(0)); // images: [B, 28, 28, 1]
 * // global: 2 x [B, 28, 28, 1], local: 4 x [B, 16, 16, 1]; dispose them when done
 * tf.dispose([...global, ...local]);
 * ```
 */
export function createMultiCrop(options: MultiCropOptions): MultiCrop {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: 'createMultiCrop(options)', expected: 'an object { global, local }', actual: options });
  }
  if (!Array.isArray(options.global) || options.global.length === 0) {
    throw invalidArgument({
      argument: 'createMultiCrop(options.global)',
      expected: 'a non-empty array of view options',
      actual: options.global,
      fix: 'Give at least one global view, e.g. ibotAugmentation() for the iBOT recipe.',
    });
  }
  const localOptions = options.local ?? [];
  if (!Array.isArray(localOptions)) {
    throw invalidArgument({ argument: 'createMultiCrop(options.local)', expected: 'an array of view options', actual: localOptions });
  }
  const global = options.global.map((v, k) => resolveView(`createMultiCrop: options.global[${k}]`, v));
  const local = localOptions.map((v, k) => resolveView(`createMultiCrop: options.local[${k}]`, v));
  const all = [...global, ...local];
  const needsColour = all.some((v) => v.colorJitter !== null || v.grayscaleProbability > 0);

  return {
    global,
    local,
    views(images: tf.Tensor4D, rng: Rng): MultiCropViews {
      checkImages('multiCrop.views(images)', images, needsColour ? [1, 3] : undefined);
      const [batch, height, width, channels] = images.shape;
      all.forEach((v, k) => {
        if (v.normalize && v.normalize.mean.length !== channels) {
          const where = k < global.length ? `global[${k}]` : `local[${k - global.length}]`;
          throw invalidArgument({
            argument: `multiCrop.views(images): view ${where}.normalize.mean`,
            expected: `${channels} value(s), one per image channel`,
            actual: v.normalize.mean,
            fix: 'Give the preset the mean and std of your images, e.g. mean [0.2860], std [0.3530] for Fashion-MNIST.',
          });
        }
      });
      const draws = all.map((view) => drawView(view, batch, height, width, rng.fork()));
      return tf.tidy('multiCropViews', () => {
        const rendered = all.map((view, k) => renderView(images, view, draws[k]!));
        return { global: rendered.slice(0, global.length), local: rendered.slice(global.length) };
      });
    },
  };
}
