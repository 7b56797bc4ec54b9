import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@selfsup/core';
import { checkInteger, invalidArgument } from '@selfsup/core';
import { applySeparable, mapGroups } from './separable.js';
import { checkImages, checkPerImage, checkProbability, checkRange, type Range } from './validate.js';

/** Options of {@link gaussianBlur} and {@link sampleBlurRadii}. */
export interface GaussianBlurOptions {
  /**
   * Probability of blurring each image.
   * @defaultValue 0.5 (iBOT's and DINO's `GaussianBlur` default; their recipes use 1.0, 0.1 and 0.5 per view)
   */
  p?: number;
  /**
   * Range of the blur radius (Pillow's `GaussianBlur(radius)`, the standard deviation in pixels),
   * drawn uniformly.
   * @defaultValue [0.1, 2]
   */
  radius?: Range;
}

/** Passes of Pillow's box-blur approximation of a Gaussian. */
const PASSES = 3;

/**
 * The radius of each of Pillow's three box passes that together approximate a Gaussian of standard
 * deviation `radius` (Gwosdek et al., "Theoretical foundations of Gaussian convolution by extended
 * box filtering", 2011): integer part `l` and a fractional part spread on the two outer taps.
 *
 * @example
 * ```ts
 * boxBlurRadius(Math.SQRT2); // 1: three plain 3-pixel box passes
 * ```
 */
export function boxBlurRadius(radius: number): number {
  const sigma2 = (radius * radius) / PASSES;
  const length = Math.sqrt(12 * sigma2 + 1);
  const l = Math.floor((length - 1) / 2);
  const a = ((2 * l + 1) * (l * (l + 1) - 3 * sigma2)) / (6 * (sigma2 - (l + 1) * (l + 1)));
  return l + a;
}

/**
 * Writes `[n, n]` (row-major, at `offset`) the linear map of Pillow's `GaussianBlur(radius)` along
 * one axis of `n` pixels: three passes of an extended box filter of radius `R = l + a` (weight
 * `1 / (2R + 1)` on the `2l + 1` central taps, the rest split between the two taps at distance
 * `l + 1`), with edge pixels repeated beyond the border.
 */
export function writeBlurOperator(out: Float32Array, offset: number, n: number, radius: number): void {
  const box = boxBlurRadius(radius);
  const l = Math.trunc(box);
  const inner = 1 / (2 * box + 1);
  const outer = (1 - (2 * l + 1) * inner) / 2;
  let v = new Float64Array(n);
  let next = new Float64Array(n);
  const clamp = (i: number): number => (i < 0 ? 0 : i >= n ? n - 1 : i);
  for (let j = 0; j < n; j++) {
    // column j of the operator: three passes over the unit vector e_j, touching only its support
    v.fill(0);
    v[j] = 1;
    for (let pass = 1; pass <= PASSES; pass++) {
      const lo = Math.max(0, j - pass * (l + 1));
      const hi = Math.min(n - 1, j + pass * (l + 1));
      next.fill(0);
      for (let x = lo; x <= hi; x++) {
        let sum = 0;
        for (let k = -l; k <= l; k++) sum += v[clamp(x + k)]!;
        next[x] = inner * sum + outer * (v[clamp(x - l - 1)]! + v[clamp(x + l + 1)]!);
      }
      [v, next] = [next, v];
    }
    for (let i = 0; i < n; i++) out[offset + i * n + j] = v[i]!;
  }
}

/** Resolved blur options. */
export interface ResolvedBlur {
  p: number;
  radius: Range;
}

/** Validates blur options and fills defaults. */
export function resolveBlur(where: string, options: GaussianBlurOptions): ResolvedBlur {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: where, expected: 'an options object', actual: options });
  }
  return {
    p: checkProbability(`${where}.p`, options.p ?? 0.5),
    radius: checkRange(`${where}.radius`, options.radius ?? [0.1, 2], {
      min: 0,
      max: Infinity,
      minInclusive: true,
      fix: 'Radii are standard deviations in pixels, e.g. [0.1, 2] as DINO and iBOT.',
    }),
  };
}

/** Internal: sampling with resolved options. */
export function sampleBlurRadiiResolved(batch: number, rng: Rng, o: ResolvedBlur): Float32Array {
  const radii = new Float32Array(batch);
  for (let b = 0; b < batch; b++) if (rng.bernoulli(o.p)) radii[b] = rng.uniform(o.radius[0], o.radius[1]);
  return radii;
}

/**
 * Samples one blur radius per image (0 = not blurred), as DINO's and iBOT's `GaussianBlur(p)`:
 * image by image, `rng.bernoulli(p)`, then if it holds `rng.uniform(radius[0], radius[1])`.
 *
 * @example
 * ```ts
 * const radii = sampleBlurRadii(64, rng, { p: 0.5 });
 * ```
 */
export function sampleBlurRadii(batch: number, rng: Rng, options: GaussianBlurOptions = {}): Float32Array {
  checkInteger('sampleBlurRadii(batch)', batch, 0);
  return sampleBlurRadiiResolved(batch, rng, resolveBlur('sampleBlurRadii(options)', options));
}

/** Internal: {@link applyGaussianBlur} without validation or tidy. */
export function blurKernel(images: tf.Tensor4D, radii: ArrayLike<number>): tf.Tensor4D {
  const [batch, height, width] = images.shape;
  // only the blurred images are resampled; the others are passed through untouched
  const groupOf = Int32Array.from({ length: batch }, (_, b) => (radii[b]! > 0 ? 1 : 0));
  const out = mapGroups(images, groupOf, 2, (group, indices, blurred) => {
    if (!blurred) return group;
    const count = indices.length;
    const rows = new Float32Array(count * height * height);
    const cols = new Float32Array(count * width * width);
    indices.forEach((b, s) => {
      writeBlurOperator(rows, s * height * height, height, radii[b]!);
      writeBlurOperator(cols, s * width * width, width, radii[b]!);
    });
    return applySeparable(group, rows, height, cols, width);
  });
  return out === images ? tf.clone(images) : out;
}

/**
 * Blurs each image with its own radius as Pillow's `ImageFilter.GaussianBlur(radius)` does (the
 * filter DINO and iBOT use): three passes of an extended box filter per axis whose variance equals
 * `radius²`, edges extended by repetition. The passes are composed on the host into one linear
 * map per axis and applied with two batched matmuls; Pillow's 8-bit rounding between passes is not
 * reproduced. Radius 0 leaves an image unchanged.
 *
 * @param images `[batch, height, width, channels]`
 * @param radii one radius (standard deviation in pixels, >= 0) per image
 * @returns `[batch, height, width, channels]`; the caller owns it
 *
 * @example
 * ```ts
 * const blurred = applyGaussianBlur(images, Float32Array.of(1.5, 0)); // image 1 unchanged
 * ```
 */
export function applyGaussianBlur(images: tf.Tensor4D, radii: ArrayLike<number>): tf.Tensor4D {
  checkImages('applyGaussianBlur(images)', images);
  checkPerImage('applyGaussianBlur(radii)', radii, images.shape[0]);
  for (let b = 0; b < radii.length; b++) {
    const r = radii[b]!;
    if (!(Number.isFinite(r) && r >= 0)) {
      throw invalidArgument({ argument: `applyGaussianBlur(radii[${b}])`, expected: 'a finite radius >= 0 (0 = no blur)', actual: r });
    }
  }
  return tf.tidy('applyGaussianBlur', () => blurKernel(images, radii));
}

/**
 * Random Gaussian blur (DINO's and iBOT's `GaussianBlur(p, radius_min, radius_max)`): with
 * probability `p` an image is blurred with a radius drawn uniformly from `radius`. Radii come from
 * {@link sampleBlurRadii} (same draws) and are applied by {@link applyGaussianBlur}.
 *
 * @param images `[batch, height, width, channels]`
 * @returns `[batch, height, width, channels]`; the caller owns it
 *
 * @example
 * ```ts
 * const blurred = gaussianBlur(images, rng, { p: 1 });
 * ```
 */
export function gaussianBlur(images: tf.Tensor4D, rng: Rng, options: GaussianBlurOptions = {}): tf.Tensor4D {
  checkImages('gaussianBlur(images)', images);
  const radii = sampleBlurRadiiResolved(images.shape[0], rng, resolveBlur('gaussianBlur(options)', options));
  return tf.tidy('gaussianBlur', () => blurKernel(images, radii));
}
