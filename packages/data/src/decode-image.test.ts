import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { crc32, deflateSync } from 'node:zlib';
import { isSslError, type SslError } from '@selfsup/core';
import { DEFAULT_MAX_IMAGE_PIXELS, decodeImage, imageFormatOf, imageSizeOf } from './decode-image.js';

function png(width: number, height: number, rgba: number[]): Uint8Array {
  const image = new PNG({ width, height });
  image.data.set(rgba);
  return new Uint8Array(PNG.sync.write(image));
}

/** One PNG chunk: length, type, data, and the CRC-32 of type and data (PNG spec, section 5.3). */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const typeAndData = new Uint8Array([...new TextEncoder().encode(type), ...data]);
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, false);
  out.set(typeAndData, 4);
  view.setUint32(8 + data.length, crc32(typeAndData), false);
  return out;
}

/**
 * A well-formed PNG whose IHDR claims `width` x `height` RGBA pixels, with an IDAT of only the first
 * scanlines (deflated zeros): a small file that asks a decoder for `4 * width * height` bytes.
 */
function pngBomb(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width, false);
  view.setUint32(4, height, false);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, adaptive filtering, no interlace
  const signature = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  const rows = deflateSync(new Uint8Array(4 * (1 + 4 * width))); // four scanlines of filter 0 and zeros
  return new Uint8Array([...signature, ...chunk('IHDR', ihdr), ...chunk('IDAT', rows), ...chunk('IEND', new Uint8Array(0))]);
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('decodeImage', () => {
  // 2 x 1 pixels: red (alpha 128) and (10, 20, 30)
  const bytes = png(2, 1, [255, 0, 0, 128, 10, 20, 30, 255]);

  it('decodes PNG to RGB, dropping alpha', () => {
    const image = decodeImage(bytes, 'a.png');
    expect([image.height, image.width, image.channels]).toEqual([1, 2, 3]);
    expect([...image.data]).toEqual([255, 0, 0, 10, 20, 30]);
  });

  it('converts to grayscale as PIL convert("L")', () => {
    // (19595*255 + 32768) >> 16 = 76; (19595*10 + 38470*20 + 7471*30 + 32768) >> 16 = (195950 + 769400 + 224130 + 32768) >> 16 = 18
    expect([...decodeImage(bytes, 'a.png', 1).data]).toEqual([76, 18]);
  });

  it('decodes JPEG', () => {
    // a flat grey 8 x 8 JPEG at quality 100 decodes to about its value
    const data = new Uint8Array(8 * 8 * 4).fill(200);
    const encoded = new Uint8Array(jpeg.encode({ width: 8, height: 8, data }, 100).data);
    expect(imageFormatOf(encoded)).toBe('jpeg');
    const image = decodeImage(encoded, 'a.jpg', 1);
    expect(image.width).toBe(8);
    for (const v of image.data) expect(Math.abs(v - 200)).toBeLessThanOrEqual(2);
  });

  it('names a damaged or unknown file', () => {
    for (const [broken, name, pattern] of [
      [bytes.subarray(0, bytes.length - 10), 'cut.png', /cut\.png: cannot decode this PNG/],
      [Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0), 'cut.jpg', /cut\.jpg: cannot decode this JPEG/],
      [Uint8Array.of(1, 2, 3, 4), 'notes.txt', /notes\.txt: not a PNG or JPEG/],
    ] as const) {
      let error: unknown;
      try {
        decodeImage(broken, name);
      } catch (e) {
        error = e;
      }
      expect(isSslError(error, 'DATA_CORRUPT'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(pattern);
    }
  });

  it('reads the size a PNG or JPEG header states, without decoding', () => {
    expect(imageSizeOf(png(3, 2, new Array(24).fill(0)), 'png')).toEqual({ width: 3, height: 2 });
    // jpeg-js writes APP0 (JFIF) and DQT segments before SOF0: they are skipped by their lengths
    const encoded = new Uint8Array(jpeg.encode({ width: 24, height: 16, data: new Uint8Array(24 * 16 * 4) }, 50).data);
    expect(imageSizeOf(encoded, 'jpeg')).toEqual({ width: 24, height: 16 });
    expect(imageSizeOf(Uint8Array.of(0xff, 0xd8, 0xff, 0xda, 0, 2), 'jpeg')).toBeUndefined(); // scan before any frame
    expect(imageSizeOf(png(3, 2, new Array(24).fill(0)).subarray(0, 20), 'png')).toBeUndefined();
  });

  it('refuses a PNG bomb (a 1 kB file whose IHDR claims 20000 x 20000) from its header, before decoding', () => {
    const bomb = pngBomb(20000, 20000);
    expect(bomb.length).toBeLessThan(2000);
    expect(imageSizeOf(bomb, 'png')).toEqual({ width: 20000, height: 20000 });
    const error = thrown(() => decodeImage(bomb, 'bomb.png'));
    expect(isSslError(error, 'NOT_SUPPORTED'), String(error)).toBe(true);
    expect((error as Error).message).toBe(
      'bomb.png: its header says 20000 x 20000 = 400000000 pixels, over the limit of 67108864 pixels. ' +
        'Resize the image, or raise maxPixels if you mean to decode images this large.',
    );
    expect((error as SslError).details).toMatchObject({ width: 20000, height: 20000, maxPixels: DEFAULT_MAX_IMAGE_PIXELS });
    expect((error as Error).cause).toBeUndefined(); // no decoder ran
  });

  it('refuses a JPEG whose frame header claims 20000 x 20000 the same way', () => {
    const encoded = new Uint8Array(jpeg.encode({ width: 8, height: 8, data: new Uint8Array(256) }, 50).data);
    // patch SOF0 (ff c0, length, precision, height, width) to 20000 x 20000
    const sof = encoded.findIndex((b, i) => b === 0xff && encoded[i + 1] === 0xc0);
    new DataView(encoded.buffer).setUint16(sof + 5, 20000, false);
    new DataView(encoded.buffer).setUint16(sof + 7, 20000, false);
    const error = thrown(() => decodeImage(encoded, 'bomb.jpg'));
    expect(isSslError(error, 'NOT_SUPPORTED'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/^bomb\.jpg: its header says 20000 x 20000 = 400000000 pixels, over the limit of 67108864/);
  });

  it('refuses bytes that are not a Uint8Array, and null options, with INVALID_ARGUMENT', () => {
    for (const bad of [null, undefined, 'a.png', [0x89, 0x50]]) {
      expect(isSslError(thrown(() => decodeImage(bad as never, 'a.png')), 'INVALID_ARGUMENT')).toBe(true);
    }
    expect(isSslError(thrown(() => decodeImage(png(1, 1, [0, 0, 0, 255]), 'a.png', 3, null as never)), 'INVALID_ARGUMENT')).toBe(true);
  });

  it('takes the pixel limit as an option: at most maxPixels pixels', () => {
    const image = png(4, 4, new Array(64).fill(7));
    expect(DEFAULT_MAX_IMAGE_PIXELS).toBe(2 ** 26);
    expect(decodeImage(image, 'a.png', 3, { maxPixels: 16 }).width).toBe(4);
    const error = thrown(() => decodeImage(image, 'a.png', 3, { maxPixels: 15 }));
    expect(isSslError(error, 'NOT_SUPPORTED'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/4 x 4 = 16 pixels, over the limit of 15 pixels/);
    expect(isSslError(thrown(() => decodeImage(image, 'a.png', 3, { maxPixels: 0 })), 'INVALID_ARGUMENT')).toBe(true);
  });
});
