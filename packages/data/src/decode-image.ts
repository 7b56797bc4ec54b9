import { SslError, invalidArgument } from '@selfsup/core';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** A decoded image: `[height, width, channels]` bytes, row-major. */
export interface DecodedImage {
  readonly height: number;
  readonly width: number;
  /** 1 (grayscale) or 3 (RGB). */
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/** The formats {@link decodeImage} reads, recognised by their magic numbers. */
export type ImageFormat = 'png' | 'jpeg';

/** The format of `bytes` by its magic number, or undefined. */
export function imageFormatOf(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/**
 * Decodes a PNG or JPEG file into bytes with 1 or 3 channels: alpha is dropped, and grayscale is
 * computed as PIL's `convert('L')` does (`(19595 R + 38470 G + 7471 B + 32768) >> 16`). A damaged
 * or unsupported file throws an `SslError` with code `DATA_CORRUPT` naming `source`.
 *
 * @param bytes - The file's bytes.
 * @param source - The file's name, for error messages.
 * @param channels - 3 for RGB, 1 for grayscale. @defaultValue 3
 * @example
 * ```ts
 * const image = decodeImage(await readFile('cat.png'), 'cat.png');
 * image.data.length === image.height * image.width * 3;
 * ```
 */
export function decodeImage(bytes: Uint8Array, source: string, channels: 1 | 3 = 3): DecodedImage {
  if (channels !== 1 && channels !== 3) {
    throw invalidArgument({ argument: 'decodeImage(channels)', expected: '1 or 3', actual: channels });
  }
  const format = imageFormatOf(bytes);
  if (!format) {
    throw new SslError('DATA_CORRUPT', `${source}: not a PNG or JPEG file (unknown magic number). Remove it or convert it.`, {
      details: { source },
    });
  }
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
    } else {
      const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
      ({ width, height } = decoded);
      rgba = decoded.data;
    }
  } catch (cause) {
    throw new SslError('DATA_CORRUPT', `${source}: cannot decode this ${format.toUpperCase()} file (${(cause as Error).message}). The file is damaged: replace or remove it.`, {
      cause,
      details: { source },
    });
  }
  const pixels = width * height;
  if (!(pixels > 0) || rgba.length < pixels * 4) {
    throw new SslError('DATA_CORRUPT', `${source}: decoded to ${rgba.length} bytes for ${width} x ${height} pixels. The file is damaged.`, {
      details: { source },
    });
  }
  const data = new Uint8Array(pixels * channels);
  if (channels === 3) {
    for (let i = 0; i < pixels; i++) {
      data[3 * i] = rgba[4 * i]!;
      data[3 * i + 1] = rgba[4 * i + 1]!;
      data[3 * i + 2] = rgba[4 * i + 2]!;
    }
  } else {
    for (let i = 0; i < pixels; i++) {
      data[i] = (19595 * rgba[4 * i]! + 38470 * rgba[4 * i + 1]! + 7471 * rgba[4 * i + 2]! + 32768) >>> 16;
    }
  }
  return { height, width, channels, data };
}
