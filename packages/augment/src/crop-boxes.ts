import type { Rng } from '@selfsup/core';
import { checkInteger } from '@selfsup/core';
import { checkRange, type Range } from './validate.js';

/** Per-image crop boxes in whole pixels: image `b` keeps rows `[top[b], top[b] + height[b])` and columns `[left[b], left[b] + width[b])`. */
export interface CropBoxes {
  readonly top: Int32Array;
  readonly left: Int32Array;
  readonly height: Int32Array;
  readonly width: Int32Array;
}

/** Options of {@link sampleCropBoxes}. */
export interface CropBoxOptions {
  /**
   * Range of the crop's area as a fraction of the image's area, drawn uniformly.
   * @defaultValue [0.08, 1] (torchvision's RandomResizedCrop)
   */
  scale?: Range;
  /**
   * Range of the crop's aspect ratio (width / height), drawn log-uniformly.
   * @defaultValue [3/4, 4/3]
   */
  ratio?: Range;
}

/** The default scale range of a random resized crop (torchvision). */
export const DEFAULT_CROP_SCALE: Range = [0.08, 1];
/** The default aspect-ratio range of a random resized crop (torchvision). */
export const DEFAULT_CROP_RATIO: Range = [3 / 4, 4 / 3];

/**
 * Python's `round` (which torchvision's crop sampling uses): to the nearest integer, ties to even.
 *
 * @example
 * ```ts
 * roundHalfEven(2.5); // 2
 * roundHalfEven(3.5); // 4
 * ```
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Validates crop-box options and fills defaults. */
export function resolveCropBoxOptions(where: string, options: CropBoxOptions): { scale: Range; ratio: Range } {
  const scale = checkRange(`${where}.scale`, options.scale ?? DEFAULT_CROP_SCALE, {
    min: 0,
    max: 1,
    fix: 'The scale is the crop area as a fraction of the image area, e.g. [0.25, 1] for global crops, [0.05, 0.25] for local crops.',
  });
  const ratio = checkRange(`${where}.ratio`, options.ratio ?? DEFAULT_CROP_RATIO, {
    min: 0,
    max: Infinity,
    fix: 'The ratio is width / height, e.g. [3/4, 4/3].',
  });
  return { scale, ratio };
}

/**
 * Samples one random-resized-crop box per image, as torchvision's `RandomResizedCrop.get_params`
 * does: up to 10 attempts each draw a target area `scale · H · W` (`scale` uniform in the range)
 * and an aspect ratio `r` (log-uniform in the range), round `w = √(area · r)` and
 * `h = √(area / r)` to the nearest integer (ties to even, as Python), and accept the first box that
 * fits (`0 < w ≤ W`, `0 < h ≤ H`), placed uniformly (`top` in `[0, H - h]`, then `left` in
 * `[0, W - w]`). If no attempt fits, the central crop of the whole image clamped to the ratio range
 * is used.
 *
 * Draw order: image by image; per attempt `rng.uniform` for the area, then for the log-ratio; on
 * success `rng.integer` for `top`, then `left`. Boxes are host typed arrays (no tensors).
 *
 * @param count number of images (boxes)
 * @param height image height in pixels
 * @param width image width in pixels
 *
 * @example
 * ```ts
 * const boxes = sampleCropBoxes(64, 32, 32, createRng(0), { scale: [0.25, 1] });
 * boxes.height[0]; // rows kept from image 0
 * ```
 */
export function sampleCropBoxes(
  count: number,
  height: number,
  width: number,
  rng: Rng,
  options: CropBoxOptions = {},
): CropBoxes {
  checkInteger('sampleCropBoxes(count)', count, 0);
  checkInteger('sampleCropBoxes(height)', height, 1);
  checkInteger('sampleCropBoxes(width)', width, 1);
  const { scale, ratio } = resolveCropBoxOptions('sampleCropBoxes(options)', options);
  const boxes: CropBoxes = {
    top: new Int32Array(count),
    left: new Int32Array(count),
    height: new Int32Array(count),
    width: new Int32Array(count),
  };
  const area = height * width;
  const logLow = Math.log(ratio[0]);
  const logHigh = Math.log(ratio[1]);
  for (let b = 0; b < count; b++) {
    let found = false;
    for (let attempt = 0; attempt < 10 && !found; attempt++) {
      const targetArea = area * rng.uniform(scale[0], scale[1]);
      const aspect = Math.exp(rng.uniform(logLow, logHigh));
      const w = roundHalfEven(Math.sqrt(targetArea * aspect));
      const h = roundHalfEven(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        boxes.top[b] = rng.integer(0, height - h + 1);
        boxes.left[b] = rng.integer(0, width - w + 1);
        boxes.height[b] = h;
        boxes.width[b] = w;
        found = true;
      }
    }
    if (!found) {
      // central crop of the whole image, clamped to the ratio range
      const inRatio = width / height;
      let w = width;
      let h = height;
      if (inRatio < ratio[0]) h = Math.max(1, roundHalfEven(w / ratio[0]));
      else if (inRatio > ratio[1]) w = Math.max(1, roundHalfEven(h * ratio[1]));
      boxes.top[b] = Math.floor((height - h) / 2);
      boxes.left[b] = Math.floor((width - w) / 2);
      boxes.height[b] = h;
      boxes.width[b] = w;
    }
  }
  return boxes;
}
