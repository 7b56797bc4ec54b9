import { SslError, checkInteger, invalidArgument } from '@selfsup/core';

/**
 * An 8-bit RGBA picture, row-major from the top-left pixel: the layout of a browser's `ImageData`
 * (`new ImageData(image.data, image.width, image.height)`) and of PNG encoders (`pngjs`,
 * `fast-png`).
 */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  /** `width * height * 4` bytes: r, g, b, a per pixel. */
  readonly data: Uint8ClampedArray;
}

/** The largest side {@link createRasterImage} accepts (a 16384 x 16384 picture is 1 GiB). */
export const MAX_RASTER_SIDE = 16384;

/** A `width` x `height` picture filled with one RGBA colour (opaque black by default). */
export function createRasterImage(width: number, height: number, fill: readonly [number, number, number, number] = [0, 0, 0, 255]): RasterImage {
  checkInteger('createRasterImage(width)', width, 1, MAX_RASTER_SIDE);
  checkInteger('createRasterImage(height)', height, 1, MAX_RASTER_SIDE);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(fill, i);
  return { width, height, data };
}

/** Throws an SslError naming `argument` unless `image` is a well-formed {@link RasterImage}. */
export function checkRasterImage(argument: string, image: unknown): RasterImage {
  const i = image as Partial<RasterImage> | null;
  if (i === null || typeof i !== 'object' || !(i.data instanceof Uint8ClampedArray) || !Number.isInteger(i.width) || !Number.isInteger(i.height)) {
    throw invalidArgument({ argument, expected: 'an RGBA image { width, height, data: Uint8ClampedArray }', actual: image });
  }
  if (i.width! < 1 || i.height! < 1 || i.data.length !== i.width! * i.height! * 4) {
    throw new SslError('SHAPE_MISMATCH', `${argument}: a ${i.width}x${i.height} RGBA image needs ${i.width! * i.height! * 4} bytes, got ${i.data.length}.`);
  }
  return i as RasterImage;
}
