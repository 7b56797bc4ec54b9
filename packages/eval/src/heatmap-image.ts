import { SslError, checkInteger, checkOptions } from '@selfsup/core';
import { VIRIDIS } from './viridis.js';
import type { RasterImage } from './raster-image.js';

/** Options of {@link heatmapImage}. */
export interface HeatmapImageOptions {
  /** The value drawn darkest. @defaultValue the smallest value */
  min?: number;
  /** The value drawn brightest. @defaultValue the largest value */
  max?: number;
}

/**
 * Paints a `height` x `width` map of numbers (row-major) with the viridis colour map, values
 * min-max scaled to [0, 1] (a constant map is drawn at the bottom of the scale).
 *
 * @example
 * ```ts
 * const [maps] = await heatmapsFromTensor(lastLayerAttention(vit, images)); // per image, per head
 * heatmapImage(new Float32Array([0, 1, 2, 3]), 2, 2); // 2x2, dark blue to yellow
 * ```
 */
export function heatmapImage(values: ArrayLike<number>, width: number, height: number, options: HeatmapImageOptions = {}): RasterImage {
  checkInteger('heatmapImage(width)', width, 1);
  checkInteger('heatmapImage(height)', height, 1);
  const { min, max } = checkOptions('heatmapImage(options)', options, true);
  if (values.length !== width * height) {
    throw new SslError('SHAPE_MISMATCH', `heatmapImage(values): a ${width}x${height} map needs ${width * height} values, got ${values.length}.`);
  }
  let low = min ?? Infinity;
  let high = max ?? -Infinity;
  if (min === undefined || max === undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      if (min === undefined && v < low) low = v;
      if (max === undefined && v > high) high = v;
    }
  }
  const range = high - low;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < values.length; i++) {
    const t = range > 0 && Number.isFinite(values[i]!) ? (values[i]! - low) / range : 0;
    writeViridis(data, 4 * i, t);
  }
  return { width, height, data };
}

/** Writes the viridis colour of `t` (clipped to [0, 1]) as an opaque RGBA pixel at `offset`. */
export function writeViridis(data: Uint8ClampedArray, offset: number, t: number): void {
  const index = 3 * Math.min(255, Math.max(0, Math.floor(t * 256)));
  data[offset] = VIRIDIS[index]!;
  data[offset + 1] = VIRIDIS[index + 1]!;
  data[offset + 2] = VIRIDIS[index + 2]!;
  data[offset + 3] = 255;
}
