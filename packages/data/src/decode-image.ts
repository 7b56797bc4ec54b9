import { SslError, checkInteger, checkOptions, invalidArgument } from '@selfsup/core';
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
 * The most pixels {@link decodeImage} decodes unless told otherwise: 2^26 = 67,108,864 (64
 * megapixels, 8192 x 8192), about 256 MB once decoded to RGBA. A file whose header claims more is
 * refused before it is decoded.
 */
export const DEFAULT_MAX_IMAGE_PIXELS = 2 ** 26;

/** Options of {@link decodeImage}. */
export interface DecodeImageOptions {
  /**
   * The most pixels (width x height) an image may have; checked against the PNG or JPEG header
   * before anything is decoded.
   * @defaultValue {@link DEFAULT_MAX_IMAGE_PIXELS} (64 megapixels)
   */
  maxPixels?: number;
}

/** Width and height as a file's header states them. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/**
 * The width and height a PNG (IHDR) or JPEG (SOFn) file states in its header, read without
 * decoding anything; undefined when the header is cut short or not where the format puts it
 * (the decoder then reports the damage).
 *
 * @example
 * ```ts
 * imageSizeOf(await readFile('cat.png'), 'png'); // { width: 640, height: 480 }
 * ```
 */
export function imageSizeOf(bytes: Uint8Array, format: ImageFormat): ImageSize | undefined {
  return format === 'png' ? pngSizeOf(bytes) : jpegSizeOf(bytes);
}

/** PNG: the signature (8 bytes), then the IHDR chunk: length (4), "IHDR", width and height (big-endian u32). */
function pngSizeOf(bytes: Uint8Array): ImageSize | undefined {
  if (bytes.length < 24) return undefined;
  const isIhdr = bytes[12] === 0x49 && bytes[13] === 0x48 && bytes[14] === 0x44 && bytes[15] === 0x52;
  if (!isIhdr) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16, false), height: view.getUint32(20, false) };
}

/**
 * JPEG: markers from the start; the first start-of-frame marker (SOF0-SOF15 but DHT, JPG and DAC)
 * holds precision (1 byte), height and width (big-endian u16).
 */
function jpegSizeOf(bytes: Uint8Array): ImageSize | undefined {
  let at = 2; // after SOI
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2; // markers without a length: TEM, RSTn, SOI
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // EOI or SOS before any frame
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (at + 9 > bytes.length) return undefined;
      return { height: (bytes[at + 5]! << 8) | bytes[at + 6]!, width: (bytes[at + 7]! << 8) | bytes[at + 8]! };
    }
    at += 2 + ((bytes[at + 2]! << 8) | bytes[at + 3]!);
  }
  return undefined;
}

/** Refuses an image whose header claims more than `maxPixels` pixels, before it is decoded. */
function checkImageSize(size: ImageSize | undefined, source: string, maxPixels: number): void {
  if (size === undefined || size.width * size.height <= maxPixels) return;
  throw new SslError(
    'NOT_SUPPORTED',
    `${source}: its header says ${size.width} x ${size.height} = ${size.width * size.height} pixels, over the limit of ${maxPixels} pixels. ` +
      'Resize the image, or raise maxPixels if you mean to decode images this large.',
    { details: { source, width: size.width, height: size.height, maxPixels } },
  );
}

/**
 * Decodes a PNG or JPEG file into bytes with 1 or 3 channels: alpha is dropped, and grayscale is
 * computed as PIL's `convert('L')` does (`(19595 R + 38470 G + 7471 B + 32768) >> 16`). A damaged
 * or unsupported file throws an `SslError` with code `DATA_CORRUPT` naming `source`. The size in
 * the file's header is checked first: more than `options.maxPixels` (64 megapixels by default)
 * throws `NOT_SUPPORTED` before anything is decoded, so a small file claiming a huge image costs
 * nothing.
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
export function decodeImage(bytes: Uint8Array, source: string, channels: 1 | 3 = 3, options: DecodeImageOptions = {}): DecodedImage {
  if (!(bytes instanceof Uint8Array)) {
    throw invalidArgument({ argument: 'decodeImage(bytes)', expected: 'a Uint8Array (or Buffer) of the file', actual: bytes });
  }
  if (channels !== 1 && channels !== 3) {
    throw invalidArgument({ argument: 'decodeImage(channels)', expected: '1 or 3', actual: channels });
  }
  const { maxPixels = DEFAULT_MAX_IMAGE_PIXELS } = checkOptions('decodeImage(options)', options, true);
  checkInteger('decodeImage(options.maxPixels)', maxPixels, 1);
  const format = imageFormatOf(bytes);
  if (!format) {
    throw new SslError('DATA_CORRUPT', `${source}: not a PNG or JPEG file (unknown magic number). Remove it or convert it.`, {
      details: { source },
    });
  }
  checkImageSize(imageSizeOf(bytes, format), source, maxPixels);
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  try {
    if (format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
    } else {
      const decoded = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        tolerantDecoding: false,
        // jpeg-js's own limits, raised or lowered with ours: a frame of more pixels is refused, and
        // decoding needs about 24 bytes a pixel (components, blocks and the RGBA output)
        maxResolutionInMP: maxPixels / 1e6,
        maxMemoryUsageInMB: Math.max(512, Math.ceil((24 * maxPixels) / 2 ** 20)),
      });
      ({ width, height } = decoded);
      rgba = decoded.data;
    }
  } catch (cause) {
    throw new SslError('DATA_CORRUPT', `${source}: cannot decode this ${format.toUpperCase()} file (${(cause as Error).message}). The file is damaged: replace or remove it.`, {
      cause,
      details: { source },
    });
  }
  checkImageSize({ width, height }, source, maxPixels); // a header the size check could not read
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
