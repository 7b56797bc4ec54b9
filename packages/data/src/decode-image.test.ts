import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { decodeImage, imageFormatOf } from './decode-image.js';

function png(width: number, height: number, rgba: number[]): Uint8Array {
  const image = new PNG({ width, height });
  image.data.set(rgba);
  return new Uint8Array(PNG.sync.write(image));
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
});
