import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@selfsup/core';
import { invalidArgument } from '@selfsup/core';
import { sampleCropBoxes, resolveCropBoxOptions, type CropBoxes, type CropBoxOptions } from './crop-boxes.js';
import { writeResizeWeights, type Interpolation } from './resize-weights.js';
import { applySeparable } from './separable.js';
import { checkImages, checkPerImage, checkSize } from './validate.js';

/** Options of {@link applyResizedCrop}. */
export interface ResizeOptions {
  /** Output side in pixels (crops are resized to `size × size`). */
  size: number;
  /**
   * Resampling filter: `bicubic` (Keys, a = -0.5, as Pillow and torchvision's antialiased resize;
   * what iBOT, DINO and MAE use) or `bilinear`. Bicubic results are clamped to [0, 1], as Pillow's
   * 8-bit output is.
   * @defaultValue 'bicubic'
   */
  interpolation?: Interpolation;
  /**
   * Stretch the filter when shrinking so every input pixel contributes (Pillow; torchvision with
   * `antialias=True`, its default since 0.17). With `false` the filter keeps its support: bilinear
   * then equals `torch.nn.functional.interpolate(mode='bilinear', align_corners=False)` and
   * `tf.image.resizeBilinear(..., halfPixelCenters=true)`.
   * @defaultValue true
   */
  antialias?: boolean;
  /**
   * Per-image horizontal flip of the result (non-zero = flip), folded into the resampling at no
   * cost. Same result as {@link applyHorizontalFlip} afterwards.
   * @defaultValue no flip
   */
  flip?: ArrayLike<number>;
}

/** Options of {@link randomResizedCrop}. */
export interface RandomResizedCropOptions extends CropBoxOptions, Omit<ResizeOptions, 'flip'> {}

function checkBoxes(where: string, boxes: CropBoxes, batch: number, height: number, width: number): void {
  for (const key of ['top', 'left', 'height', 'width'] as const) checkPerImage(`${where}.${key}`, boxes[key], batch);
  for (let b = 0; b < batch; b++) {
    const top = boxes.top[b]!;
    const left = boxes.left[b]!;
    const h = boxes.height[b]!;
    const w = boxes.width[b]!;
    if (!(top >= 0 && left >= 0 && h >= 1 && w >= 1 && top + h <= height && left + w <= width)) {
      throw invalidArgument({
        argument: `${where}[${b}]`,
        expected: `a box of at least 1 pixel inside the ${height}x${width} image`,
        actual: { top, left, height: h, width: w },
        fix: 'Sample boxes with sampleCropBoxes for the same image size.',
      });
    }
  }
}

/** Resolves resize options with their defaults. */
export function resolveResizeOptions(where: string, options: ResizeOptions): Required<Omit<ResizeOptions, 'flip'>> {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: where, expected: 'an options object with size', actual: options });
  }
  const size = checkSize(`${where}.size`, options.size);
  const interpolation = options.interpolation ?? 'bicubic';
  if (interpolation !== 'bilinear' && interpolation !== 'bicubic') {
    throw invalidArgument({ argument: `${where}.interpolation`, expected: '"bilinear" or "bicubic"', actual: interpolation });
  }
  const antialias = options.antialias ?? true;
  if (typeof antialias !== 'boolean') {
    throw invalidArgument({ argument: `${where}.antialias`, expected: 'a boolean', actual: antialias });
  }
  return { size, interpolation, antialias };
}

/** Internal: the crop-and-resize of {@link applyResizedCrop}, without validation or tidy. */
export function resizedCropKernel(
  images: tf.Tensor4D,
  boxes: CropBoxes,
  size: number,
  interpolation: Interpolation,
  antialias: boolean,
  flip?: ArrayLike<number>,
): tf.Tensor4D {
  const [batch, height, width] = images.shape;
  const rows = new Float32Array(batch * size * height);
  const cols = new Float32Array(batch * size * width);
  for (let b = 0; b < batch; b++) {
    writeResizeWeights(rows, b * size * height, height, boxes.top[b]!, boxes.height[b]!, size, interpolation, antialias);
    writeResizeWeights(
      cols,
      b * size * width,
      width,
      boxes.left[b]!,
      boxes.width[b]!,
      size,
      interpolation,
      antialias,
      flip !== undefined && flip[b] !== 0,
    );
  }
  const out = applySeparable(images, rows, size, cols, size);
  return interpolation === 'bicubic' ? tf.clipByValue(out, 0, 1) : out;
}

/**
 * Crops each image to its box and resizes the crop to `size × size`: torchvision's
 * `F.resized_crop` on PIL images (Pillow's resampling with its antialiasing and edge handling,
 * no 8-bit rounding). The resampling is a per-image separable linear map built on the host and
 * applied with two batched matmuls.
 *
 * @param images `[batch, height, width, channels]`, float32 in [0, 1]
 * @param boxes one box per image (see {@link sampleCropBoxes})
 * @returns `[batch, size, size, channels]`; the caller owns it
 *
 * @example
 * ```ts
 * const boxes = { top: Int32Array.of(0), left: Int32Array.of(0), height: Int32Array.of(28), width: Int32Array.of(28) };
 * const resized = applyResizedCrop(images, boxes, { size: 16, interpolation: 'bilinear' });
 * ```
 */
export function applyResizedCrop(images: tf.Tensor4D, boxes: CropBoxes, options: ResizeOptions): tf.Tensor4D {
  checkImages('applyResizedCrop(images)', images);
  const { size, interpolation, antialias } = resolveResizeOptions('applyResizedCrop(options)', options);
  const [batch, height, width] = images.shape;
  checkBoxes('applyResizedCrop(boxes)', boxes, batch, height, width);
  if (options.flip !== undefined) checkPerImage('applyResizedCrop(options.flip)', options.flip, batch);
  return tf.tidy('applyResizedCrop', () =>
    resizedCropKernel(images, boxes, size, interpolation, antialias, options.flip),
  );
}

/**
 * Random resized crop (Inception-style, as torchvision's `RandomResizedCrop`): a random box per
 * image covering a random fraction `scale` of the image area with a random aspect ratio, resized
 * to `size × size`. The boxes come from {@link sampleCropBoxes} (same draws).
 *
 * @param images `[batch, height, width, channels]`, float32 in [0, 1]
 * @returns `[batch, size, size, channels]`; the caller owns it
 *
 * @example
 * ```ts
 * const crops = randomResizedCrop(images, rng, { size: 96, scale: [0.05, 0.25] });
 * ```
 */
export function randomResizedCrop(images: tf.Tensor4D, rng: Rng, options: RandomResizedCropOptions): tf.Tensor4D {
  checkImages('randomResizedCrop(images)', images);
  const resize = resolveResizeOptions('randomResizedCrop(options)', options);
  const { scale, ratio } = resolveCropBoxOptions('randomResizedCrop(options)', options);
  const [batch, height, width] = images.shape;
  const boxes = sampleCropBoxes(batch, height, width, rng, { scale, ratio });
  return tf.tidy('randomResizedCrop', () =>
    resizedCropKernel(images, boxes, resize.size, resize.interpolation, resize.antialias),
  );
}
