import type * as tf from '@tensorflow/tfjs-core';
import { SslError, invalidArgument } from '@selfsup/core';

/** A closed range `[low, high]` of numbers. */
export type Range = readonly [number, number];

/** Checks that `value` is a probability in `[0, 1]`. */
export function checkProbability(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalidArgument({
      argument,
      expected: 'a probability in [0, 1]',
      actual: value,
      fix: 'Pass 0 to never apply the transform, 1 to always apply it.',
    });
  }
  return value;
}

/** Checks that `value` is a positive integer (an output side in pixels). */
export function checkSize(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidArgument({
      argument,
      expected: 'a positive integer (pixels)',
      actual: value,
      fix: 'Crop sizes are whole pixels, e.g. 224 for a global crop or 96 for a local crop.',
    });
  }
  return value;
}

/** Checks that `value` is a non-negative finite number. */
export function checkNonNegative(argument: string, value: unknown, fix?: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidArgument({ argument, expected: 'a finite number >= 0', actual: value, ...(fix ? { fix } : {}) });
  }
  return value;
}

/**
 * Checks that `value` is a pair `[low, high]` of finite numbers with `low <= high`, both within
 * `(min, max]` (or `[min, max]` when `minInclusive`).
 */
export function checkRange(
  argument: string,
  value: unknown,
  bounds: { min: number; max: number; minInclusive?: boolean; fix?: string },
): Range {
  const { min, max, minInclusive = false } = bounds;
  const interval = `${minInclusive ? '[' : '('}${min}, ${max === Infinity ? 'Infinity)' : `${max}]`}`;
  const expected = `a pair [low, high] with low <= high, both in ${interval}`;
  const isPair =
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!isPair) throw invalidArgument({ argument, expected, actual: value, ...(bounds.fix ? { fix: bounds.fix } : {}) });
  const [low, high] = value as [number, number];
  const inBounds = (v: number): boolean => (minInclusive ? v >= min : v > min) && v <= max;
  if (!inBounds(low) || !inBounds(high)) {
    throw invalidArgument({ argument, expected, actual: value, ...(bounds.fix ? { fix: bounds.fix } : {}) });
  }
  if (low > high) {
    throw invalidArgument({
      argument,
      expected,
      actual: value,
      fix: `The range is [min, max]: swap them to [${high}, ${low}].`,
    });
  }
  return [low, high];
}

/** Checks that `images` is a float32 NHWC batch `[batch, height, width, channels]`. */
export function checkImages(argument: string, images: unknown, channels?: readonly number[]): tf.Tensor4D {
  const t = images as tf.Tensor;
  if (t === null || typeof t !== 'object' || !Array.isArray(t.shape) || t.shape.length !== 4) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `${argument}: expected an NHWC image batch of rank 4 [batch, height, width, channels], got ${
        t !== null && typeof t === 'object' && Array.isArray(t.shape) ? `shape [${t.shape.join(', ')}]` : String(images)
      }. Add a batch axis with images.expandDims(0), or a channel axis with images.expandDims(-1).`,
      { details: { argument, actual: t?.shape } },
    );
  }
  if (t.dtype !== 'float32') {
    throw invalidArgument({
      argument: `${argument}.dtype`,
      expected: '"float32" with values in [0, 1]',
      actual: t.dtype,
      fix: 'Convert with images.toFloat().div(255) for 8-bit pixels.',
    });
  }
  const [batch, height, width, c] = t.shape as [number, number, number, number];
  if (batch < 1 || height < 1 || width < 1) {
    throw new SslError('SHAPE_MISMATCH', `${argument}: expected a non-empty batch, got shape [${t.shape.join(', ')}].`, {
      details: { argument, actual: t.shape },
    });
  }
  if (channels && !channels.includes(c)) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `${argument}: expected ${channels.join(' or ')} channel(s) (grayscale or RGB), got shape [${t.shape.join(', ')}] ` +
        `with ${c} channels. Colour transforms work on 1-channel (grayscale) or 3-channel (RGB) images.`,
      { details: { argument, expected: channels, actual: t.shape } },
    );
  }
  return t as tf.Tensor4D;
}

/** Checks that a per-image parameter array has one entry per image. */
export function checkPerImage(argument: string, values: ArrayLike<number> | undefined, batch: number): ArrayLike<number> {
  if (values === undefined || values === null || typeof values.length !== 'number' || values.length !== batch) {
    throw invalidArgument({
      argument,
      expected: `one value per image (${batch})`,
      actual: values === undefined || values === null ? values : `${values.length} values`,
      fix: 'Sample the parameters for the same batch size as the images.',
    });
  }
  return values;
}

/** Checks that `values` is a list of `count` finite numbers (per-channel mean or std). */
export function checkChannelValues(
  argument: string,
  values: unknown,
  count: number,
  positive: boolean,
): readonly number[] {
  const ok =
    Array.isArray(values) &&
    values.length === count &&
    values.every((v) => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0));
  if (!ok) {
    throw invalidArgument({
      argument,
      expected: `${count} finite number(s)${positive ? ' > 0' : ''}, one per channel`,
      actual: values,
      fix:
        count === 1
          ? 'Grayscale images take one value, e.g. [0.2860] for Fashion-MNIST.'
          : 'RGB images take three values, e.g. [0.485, 0.456, 0.406] for ImageNet.',
    });
  }
  return values as number[];
}

/** Samples one Bernoulli(p) flag per image, in image order (`rng.next() < p`). */
export function sampleFlags(batch: number, p: number, rng: { bernoulli(p: number): boolean }): Uint8Array {
  const flags = new Uint8Array(batch);
  for (let b = 0; b < batch; b++) flags[b] = rng.bernoulli(p) ? 1 : 0;
  return flags;
}
