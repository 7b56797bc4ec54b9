import { SslError, checkInteger } from '@selfsup/core';
import type { RasterImage } from './raster-image.js';

/**
 * Turns pixel values in [0, 1] (row-major, channels last: 1 for grey, 3 for RGB) into an opaque
 * RGBA picture; values outside [0, 1] are clipped.
 *
 * @example
 * ```ts
 * pixelImage(new Float32Array([0, 0.5, 1, 1]), 2, 2, 1); // a 2x2 grey ramp
 * ```
 */
export function pixelImage(values: ArrayLike<number>, width: number, height: number, channels: 1 | 3): RasterImage {
  checkInteger('pixelImage(width)', width, 1);
  checkInteger('pixelImage(height)', height, 1);
  if (channels !== 1 && channels !== 3) {
    throw new SslError('INVALID_ARGUMENT', `pixelImage(channels): expected 1 (grey) or 3 (RGB), got ${String(channels)}. Draw other channel counts one channel at a time with heatmapImage.`);
  }
  if (values.length !== width * height * channels) {
    throw new SslError('SHAPE_MISMATCH', `pixelImage(values): a ${width}x${height} image of ${channels} channel(s) needs ${width * height * channels} values, got ${values.length}.`);
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) data[4 * p + c] = Math.round(255 * (values[channels * p + (channels === 1 ? 0 : c)]! || 0));
    data[4 * p + 3] = 255;
  }
  return { width, height, data };
}
