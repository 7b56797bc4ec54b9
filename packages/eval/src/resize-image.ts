import { checkInteger, invalidArgument } from '@selfsup/core';
import { MAX_RASTER_SIDE, checkRasterImage, type RasterImage } from './raster-image.js';

/** How {@link resizeImage} samples: the nearest pixel (sharp patch squares) or bilinear. */
export type ResizeMethod = 'nearest' | 'bilinear';

/**
 * Resizes an RGBA picture to `width` x `height`, sampling at pixel centres (OpenCV's and
 * PyTorch's `align_corners=False`): `nearest` keeps a 7x7 patch grid as sharp squares,
 * `bilinear` blends them (DINO's attention maps are upscaled with `nearest`).
 *
 * @example
 * ```ts
 * resizeImage(heatmapImage(map, 7, 7), 28, 28, 'nearest'); // one 4x4 square per patch
 * ```
 */
export function resizeImage(image: RasterImage, width: number, height: number, method: ResizeMethod = 'nearest'): RasterImage {
  const source = checkRasterImage('resizeImage(image)', image);
  checkInteger('resizeImage(width)', width, 1, MAX_RASTER_SIDE);
  checkInteger('resizeImage(height)', height, 1, MAX_RASTER_SIDE);
  if (method !== 'nearest' && method !== 'bilinear') {
    throw invalidArgument({ argument: 'resizeImage(method)', expected: "'nearest' or 'bilinear'", actual: method });
  }
  const data = new Uint8ClampedArray(width * height * 4);
  const scaleX = source.width / width;
  const scaleY = source.height / height;
  for (let y = 0; y < height; y++) {
    const sy = (y + 0.5) * scaleY - 0.5;
    for (let x = 0; x < width; x++) {
      const sx = (x + 0.5) * scaleX - 0.5;
      const out = 4 * (y * width + x);
      if (method === 'nearest') {
        copyPixel(source, clampIndex(Math.round(sx), source.width), clampIndex(Math.round(sy), source.height), data, out);
      } else {
        blendPixel(source, sx, sy, data, out);
      }
    }
  }
  return { width, height, data };
}

function clampIndex(i: number, size: number): number {
  return Math.min(size - 1, Math.max(0, i));
}

function copyPixel(source: RasterImage, x: number, y: number, data: Uint8ClampedArray, out: number): void {
  const from = 4 * (y * source.width + x);
  for (let c = 0; c < 4; c++) data[out + c] = source.data[from + c]!;
}

/** The bilinear blend of the four source pixels around (`sx`, `sy`), edges clamped. */
function blendPixel(source: RasterImage, sx: number, sy: number, data: Uint8ClampedArray, out: number): void {
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  const xs = [clampIndex(x0, source.width), clampIndex(x0 + 1, source.width)] as const;
  const ys = [clampIndex(y0, source.height), clampIndex(y0 + 1, source.height)] as const;
  for (let c = 0; c < 4; c++) {
    const at = (x: number, y: number) => source.data[4 * (y * source.width + x) + c]!;
    const top = at(xs[0], ys[0]) * (1 - fx) + at(xs[1], ys[0]) * fx;
    const bottom = at(xs[0], ys[1]) * (1 - fx) + at(xs[1], ys[1]) * fx;
    data[out + c] = Math.round(top * (1 - fy) + bottom * fy);
  }
}
