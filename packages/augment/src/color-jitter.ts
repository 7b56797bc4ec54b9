import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@selfsup/core';
import { checkInteger, invalidArgument } from '@selfsup/core';
import { applyColorMatrix, meanLuma, spreadPerImage } from './color-matrix.js';
import { LUMA_WEIGHTS } from './grayscale.js';
import { fromPlanar, mapGroups, perImage, toPlanar } from './separable.js';
import { checkImages, checkNonNegative, checkPerImage, checkProbability } from './validate.js';

/** Options of {@link colorJitter} and {@link sampleColorJitter}. */
export interface ColorJitterOptions {
  /**
   * Brightness strength `b`: the factor is uniform in `[max(0, 1 - b), 1 + b]`; 0 disables it.
   * @defaultValue 0.4 (DINO, iBOT)
   */
  brightness?: number;
  /**
   * Contrast strength `c`: the factor is uniform in `[max(0, 1 - c), 1 + c]`; 0 disables it.
   * @defaultValue 0.4 (DINO, iBOT)
   */
  contrast?: number;
  /**
   * Saturation strength `s`: the factor is uniform in `[max(0, 1 - s), 1 + s]`; 0 disables it.
   * No effect on 1-channel images.
   * @defaultValue 0.2 (DINO, iBOT)
   */
  saturation?: number;
  /**
   * Hue strength `h` in [0, 0.5]: the shift is uniform in `[-h, h]` turns of the colour wheel; 0
   * disables it. No effect on 1-channel images.
   * @defaultValue 0.1 (DINO, iBOT)
   */
  hue?: number;
  /**
   * Probability of jittering each image at all (the `RandomApply` around `ColorJitter`).
   * @defaultValue 0.8 (DINO, iBOT)
   */
  p?: number;
}

/**
 * Per-image colour-jitter parameters (host typed arrays). Identity values (factor 1, shift 0) leave
 * an image unchanged by that adjustment.
 */
export interface ColorJitterParams {
  /**
   * `[batch * 4]`: for image `b`, `order[4b .. 4b+3]` is the order in which the adjustments run:
   * 0 brightness, 1 contrast, 2 saturation, 3 hue.
   */
  readonly order: Int32Array;
  /** `[batch]` brightness factors: blend with black, `f · x`. */
  readonly brightness: Float32Array;
  /** `[batch]` contrast factors: blend with the image's mean luma `m`, `f · x + (1 - f) · m`. */
  readonly contrast: Float32Array;
  /** `[batch]` saturation factors: blend with the pixel's luma `l`, `f · x + (1 - f) · l`. */
  readonly saturation: Float32Array;
  /** `[batch]` hue shifts in turns, in [-0.5, 0.5]: `H ← (H + shift) mod 1` in HSV. */
  readonly hue: Float32Array;
}

/** Resolved colour-jitter options. */
export type ResolvedColorJitter = Required<ColorJitterOptions>;

/** Validates colour-jitter options and fills defaults. */
export function resolveColorJitter(where: string, options: ColorJitterOptions): ResolvedColorJitter {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: where, expected: 'an options object', actual: options });
  }
  const strength = 'Strengths are >= 0, e.g. brightness 0.4; 0 disables that adjustment.';
  const hue = options.hue ?? 0.1;
  if (typeof hue !== 'number' || !Number.isFinite(hue) || hue < 0 || hue > 0.5) {
    throw invalidArgument({
      argument: `${where}.hue`,
      expected: 'a number in [0, 0.5] (turns of the colour wheel)',
      actual: hue,
      fix: 'DINO and iBOT use 0.1.',
    });
  }
  return {
    brightness: checkNonNegative(`${where}.brightness`, options.brightness ?? 0.4, strength),
    contrast: checkNonNegative(`${where}.contrast`, options.contrast ?? 0.4, strength),
    saturation: checkNonNegative(`${where}.saturation`, options.saturation ?? 0.2, strength),
    hue,
    p: checkProbability(`${where}.p`, options.p ?? 0.8),
  };
}

/** Internal: sampling with resolved options. */
export function sampleColorJitterResolved(batch: number, rng: Rng, o: ResolvedColorJitter): ColorJitterParams {
  const params: ColorJitterParams = {
    order: new Int32Array(batch * 4),
    brightness: new Float32Array(batch).fill(1),
    contrast: new Float32Array(batch).fill(1),
    saturation: new Float32Array(batch).fill(1),
    hue: new Float32Array(batch),
  };
  for (let b = 0; b < batch; b++) {
    params.order.set([0, 1, 2, 3], b * 4);
    if (!rng.bernoulli(o.p)) continue;
    params.order.set(rng.permutation(4), b * 4);
    if (o.brightness > 0) params.brightness[b] = rng.uniform(Math.max(0, 1 - o.brightness), 1 + o.brightness);
    if (o.contrast > 0) params.contrast[b] = rng.uniform(Math.max(0, 1 - o.contrast), 1 + o.contrast);
    if (o.saturation > 0) params.saturation[b] = rng.uniform(Math.max(0, 1 - o.saturation), 1 + o.saturation);
    if (o.hue > 0) params.hue[b] = rng.uniform(-o.hue, o.hue);
  }
  return params;
}

/**
 * Samples colour-jitter parameters for `batch` images as torchvision's
 * `RandomApply([ColorJitter(b, c, s, h)], p)` does per image. Draw order, image by image:
 * `rng.bernoulli(p)`; if it holds, `rng.permutation(4)` for the order, then the brightness,
 * contrast, saturation and hue values (`rng.uniform`), each only if its strength is > 0.
 *
 * @example
 * ```ts
 * const params = sampleColorJitter(64, rng, { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 });
 * ```
 */
export function sampleColorJitter(batch: number, rng: Rng, options: ColorJitterOptions = {}): ColorJitterParams {
  checkInteger('sampleColorJitter(batch)', batch, 0);
  return sampleColorJitterResolved(batch, rng, resolveColorJitter('sampleColorJitter(options)', options));
}

/**
 * Internal: shifts the hue of RGB images `[B, H, W, 3]` by `shifts[b]` turns, through HSV as
 * torchvision's `adjust_hue` on tensors: the same hue formula, `H ← (H + δ) mod 1` with value and
 * saturation kept, and the HSV -> RGB step in closed form, `out_c = max - chroma · D_c(6H)` with
 * `D_R(t) = clamp(2 - |t - 3|)`, `D_G(t) = clamp(|t - 2| - 1)`, `D_B(t) = clamp(|t - 4| - 1)`
 * (equal up to rounding). Works on planar channels so that every op is same-shape or scalar.
 */
export function hueKernel(images: tf.Tensor4D, shifts: ArrayLike<number>): tf.Tensor4D {
  const [batch, height, width] = images.shape;
  const pixels = batch * height * width;
  const planar = toPlanar(tf.reshape(images, [pixels, 3]) as tf.Tensor2D); // [N, 3] -> [3, N]
  const [r, g, b] = tf.split(planar, 3, 0) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const maxc = tf.maximum(tf.maximum(r, g), b);
  const chroma = tf.sub(maxc, tf.minimum(tf.minimum(r, g), b));
  const divisor = tf.where(tf.equal(chroma, 0), tf.onesLike(chroma), chroma);
  const isR = tf.equal(maxc, r);
  const isG = tf.equal(maxc, g);
  // hue in sixths of a turn, in [-1, 5]: red max (g - b) / c, green max 2 + (b - r) / c, blue max 4 + (r - g) / c
  const ratio = tf.div(tf.where(isR, tf.sub(g, b), tf.where(isG, tf.sub(b, r), tf.sub(r, g))), divisor);
  const sixths = tf.where(isR, ratio, tf.where(isG, tf.add(ratio, 2), tf.add(ratio, 4)));
  // t = 6 · ((H + δ) mod 1) = (sixths + 6 + 6δ) mod 6, the argument lying in [2, 14]
  const offsets = new Float32Array(batch);
  for (let i = 0; i < batch; i++) offsets[i] = 6 + 6 * shifts[i]!;
  const u = tf.add(sixths, tf.tensor2d(perImage(offsets, batch, height * width), [1, pixels]));
  const t = tf.sub(u, tf.mul(tf.floor(tf.div(u, 6)), 6));
  const dropR = tf.clipByValue(tf.sub(2, tf.abs(tf.sub(t, 3))), 0, 1);
  const dropG = tf.clipByValue(tf.sub(tf.abs(tf.sub(t, 2)), 1), 0, 1);
  const dropB = tf.clipByValue(tf.sub(tf.abs(tf.sub(t, 4)), 1), 0, 1);
  const channels = [dropR, dropG, dropB].map((drop) => tf.sub(maxc, tf.mul(chroma, drop)));
  // [3, N] -> [N, 3] -> [B, H, W, 3]
  const interleaved = fromPlanar(tf.concat(channels, 0) as tf.Tensor2D);
  return tf.reshape(interleaved, images.shape);
}

/** The colour matrix of a blend `f · x + (1 - f) · luma(x)` (saturation), row-major `[C, C]`. */
function writeBlendMatrix(out: Float32Array, offset: number, channels: number, factor: number, lumaWeight: number): void {
  for (let k = 0; k < channels; k++) {
    for (let c = 0; c < channels; c++) {
      const luma = channels === 3 ? LUMA_WEIGHTS[k]! * lumaWeight : 0;
      out[offset + k * channels + c] = (k === c ? factor : 0) + luma;
    }
  }
}

/** One blend step (brightness, contrast or saturation per image, identity for the rest), clamped. */
function blendStep(
  x: tf.Tensor4D,
  factors: Float32Array,
  saturation: Float32Array | undefined,
  meanWeight: Float32Array | undefined,
): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  let y: tf.Tensor4D;
  if (channels === 1) {
    // f · x with one factor per image, spread on the host: a same-shape multiply
    y = tf.mul(x, tf.tensor4d(perImage(factors, batch, height * width), x.shape));
  } else {
    const matrices = new Float32Array(batch * 9);
    for (let b = 0; b < batch; b++) writeBlendMatrix(matrices, b * 9, 3, factors[b]!, saturation ? saturation[b]! : 0);
    y = applyColorMatrix(x, matrices);
  }
  if (meanWeight) {
    // contrast: + (1 - f) · mean luma of the image, on every pixel and channel
    const lumaWeights = channels === 3 ? [...LUMA_WEIGHTS] : [1];
    const offsets: tf.Tensor2D = tf.mul(meanLuma(x, lumaWeights), tf.tensor2d(meanWeight, [batch, 1]));
    y = tf.add(y, spreadPerImage(offsets, x.shape));
  }
  return tf.clipByValue(y, 0, 1);
}

/** The parameters of the images `indices`, in that order. */
function pickParams(params: ColorJitterParams, indices: Int32Array): ColorJitterParams {
  const order = new Int32Array(indices.length * 4);
  indices.forEach((b, k) => order.set(params.order.subarray(b * 4, b * 4 + 4), k * 4));
  const pick = (values: Float32Array): Float32Array => Float32Array.from(indices, (b) => values[b]!);
  return {
    order,
    brightness: pick(params.brightness),
    contrast: pick(params.contrast),
    saturation: pick(params.saturation),
    hue: pick(params.hue),
  };
}

/** The four steps for one group of images whose hue shift, if any, comes at step `hueStep`. */
function jitterGroup(images: tf.Tensor4D, p: ColorJitterParams, hueStep: number): tf.Tensor4D {
  const [batch, , , channels] = images.shape;
  let x = images;
  for (let step = 0; step < 4; step++) {
    const factors = new Float32Array(batch).fill(1);
    let saturation: Float32Array | undefined;
    let meanWeight: Float32Array | undefined;
    let blend = false;
    for (let b = 0; b < batch; b++) {
      const op = p.order[b * 4 + step];
      if (op === 0 && p.brightness[b] !== 1) {
        factors[b] = p.brightness[b]!;
        blend = true;
      } else if (op === 1 && p.contrast[b] !== 1) {
        factors[b] = p.contrast[b]!;
        (meanWeight ??= new Float32Array(batch))[b] = 1 - factors[b]!;
        blend = true;
      } else if (op === 2 && channels === 3 && p.saturation[b] !== 1) {
        factors[b] = p.saturation[b]!;
        (saturation ??= new Float32Array(batch))[b] = 1 - factors[b]!;
        blend = true;
      }
    }
    if (blend) x = blendStep(x, factors, saturation, meanWeight);
    if (step === hueStep) x = hueKernel(x, p.hue);
  }
  return x;
}

/**
 * Internal: {@link applyColorJitter} without validation or tidy. Brightness, contrast and
 * saturation are per-image colour matrices (plus the contrast offset), the identity for images
 * that skip them (bit-exact). Hue, the costly one, runs once per image: the batch is split into
 * groups by the step at which their hue shift comes, each group runs its four steps, and the batch
 * is reassembled in order.
 */
export function colorJitterKernel(images: tf.Tensor4D, params: ColorJitterParams): tf.Tensor4D {
  const [batch, , , channels] = images.shape;
  // group 0: no hue shift; group 1 + k: hue shift at step k
  const groupOf = new Int32Array(batch);
  if (channels === 3) {
    for (let b = 0; b < batch; b++) if (params.hue[b] !== 0) groupOf[b] = 1 + params.order.subarray(b * 4, b * 4 + 4).indexOf(3);
  }
  const x = mapGroups(images, groupOf, 5, (group, indices, g) =>
    jitterGroup(group, indices.length === batch ? params : pickParams(params, indices), g - 1),
  );
  return x === images ? tf.clone(images) : x;
}

function checkParams(where: string, params: ColorJitterParams, batch: number): void {
  if (params === null || typeof params !== 'object') {
    throw invalidArgument({ argument: where, expected: 'colour-jitter parameters from sampleColorJitter', actual: params });
  }
  checkPerImage(`${where}.order`, params.order, batch * 4);
  for (const key of ['brightness', 'contrast', 'saturation', 'hue'] as const) checkPerImage(`${where}.${key}`, params[key], batch);
  for (let b = 0; b < batch; b++) {
    const seen = new Set(Array.from(params.order.subarray(b * 4, b * 4 + 4)));
    if (seen.size !== 4 || ![0, 1, 2, 3].every((op) => seen.has(op))) {
      throw invalidArgument({
        argument: `${where}.order[${b * 4}..${b * 4 + 3}]`,
        expected: 'a permutation of 0, 1, 2, 3',
        actual: Array.from(params.order.subarray(b * 4, b * 4 + 4)),
      });
    }
    for (const key of ['brightness', 'contrast', 'saturation'] as const) {
      const v = params[key][b]!;
      if (!(v >= 0 && Number.isFinite(v))) {
        throw invalidArgument({ argument: `${where}.${key}[${b}]`, expected: 'a factor >= 0 (1 = unchanged)', actual: v });
      }
    }
    const h = params.hue[b]!;
    if (!(h >= -0.5 && h <= 0.5)) {
      throw invalidArgument({ argument: `${where}.hue[${b}]`, expected: 'a shift in [-0.5, 0.5] (0 = unchanged)', actual: h });
    }
  }
}

/**
 * Applies per-image colour jitter as torchvision's `ColorJitter` on tensors: the four
 * adjustments run in each image's own order, each clamping to [0, 1]:
 *
 * - brightness `f`: `f · x` (blend with black);
 * - contrast `f`: `f · x + (1 - f) · mean(luma(x))` (blend with the image's mean gray);
 * - saturation `f`: `f · x + (1 - f) · luma(x)` (blend with the pixel's gray);
 * - hue `δ`: rotate the hue, `H ← (H + δ) mod 1` in HSV, keeping saturation and value.
 *
 * Luma is `0.299 R + 0.587 G + 0.114 B`. On 1-channel images saturation and hue do nothing (as in
 * torchvision and Pillow) and the contrast mean is the image's mean.
 *
 * @param images `[batch, height, width, 1 | 3]`, float32 in [0, 1]
 * @param params per-image parameters (see {@link sampleColorJitter})
 * @returns `[batch, height, width, 1 | 3]`; the caller owns it
 *
 * @example
 * ```ts
 * const brighter = applyColorJitter(images, {
 *   order: Int32Array.of(0, 1, 2, 3),
 *   brightness: Float32Array.of(1.2), contrast: Float32Array.of(1), saturation: Float32Array.of(1), hue: Float32Array.of(0),
 * });
 * ```
 */
export function applyColorJitter(images: tf.Tensor4D, params: ColorJitterParams): tf.Tensor4D {
  checkImages('applyColorJitter(images)', images, [1, 3]);
  checkParams('applyColorJitter(params)', params, images.shape[0]);
  return tf.tidy('applyColorJitter', () => colorJitterKernel(images, params));
}

/**
 * Random colour jitter (torchvision's `RandomApply([ColorJitter(brightness, contrast, saturation,
 * hue)], p)`): with probability `p` an image gets random brightness, contrast, saturation and hue
 * changes in a random order. Parameters come from {@link sampleColorJitter} (same draws) and are
 * applied by {@link applyColorJitter}.
 *
 * @param images `[batch, height, width, 1 | 3]`, float32 in [0, 1]
 * @returns `[batch, height, width, 1 | 3]`; the caller owns it
 *
 * @example
 * ```ts
 * const jittered = colorJitter(images, rng); // DINO's 0.4, 0.4, 0.2, 0.1 with p = 0.8
 * ```
 */
export function colorJitter(images: tf.Tensor4D, rng: Rng, options: ColorJitterOptions = {}): tf.Tensor4D {
  checkImages('colorJitter(images)', images, [1, 3]);
  const resolved = resolveColorJitter('colorJitter(options)', options);
  const params = sampleColorJitterResolved(images.shape[0], rng, resolved);
  return tf.tidy('colorJitter', () => colorJitterKernel(images, params));
}
