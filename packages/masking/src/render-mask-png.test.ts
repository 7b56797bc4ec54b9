import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { SslError } from '@selfsup/core';
import { createTokenMask } from './token-mask.js';
import { renderMaskPng } from './render-mask-png.js';

// image 0: [1 0 / 0 0], image 1: [0 0 / 0 1], image 2: [1 1 / 1 1]
const mask = createTokenMask(3, 2, Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]));

function pixel(png: PNG, x: number, y: number): number[] {
  const i = 4 * (y * png.width + x);
  return Array.from(png.data.subarray(i, i + 4));
}

describe('renderMaskPng', () => {
  it('writes a PNG with one cell per patch, images in a row with spacing around them', () => {
    // cell 5 px, spacing 2, 2 columns: width 2 + 2 * (2 * 5 + 2) = 26, height 2 + 2 * (10 + 2) = 26
    const bytes = renderMaskPng(mask, { cellSize: 5, spacing: 2, columns: 2, cellBorders: false });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]); // PNG signature
    const png = PNG.sync.read(Buffer.from(bytes));
    expect([png.width, png.height]).toEqual([26, 26]);
    const dark = [33, 37, 41, 255];
    const light = [233, 236, 239, 255];
    const white = [255, 255, 255, 255];
    expect(pixel(png, 0, 0)).toEqual(white); // spacing
    expect(pixel(png, 2, 2)).toEqual(dark); // image 0, patch (0, 0) masked
    expect(pixel(png, 7, 2)).toEqual(light); // image 0, patch (0, 1) visible
    // image 1 starts at x = 2 + 12 = 14: patch (1, 1) masked at (14 + 5, 2 + 5)
    expect(pixel(png, 19, 7)).toEqual(dark);
    expect(pixel(png, 14, 2)).toEqual(light);
    // image 2 on the second row, y from 2 + 12 = 14: all masked
    expect(pixel(png, 2, 14)).toEqual(dark);
    expect(pixel(png, 14, 14)).toEqual(white); // no fourth image
  });

  it('draws cell borders and custom colours', () => {
    const png = PNG.sync.read(
      Buffer.from(renderMaskPng(mask, { cellSize: 4, spacing: 0, maskedColor: [255, 0, 0], borderColor: [0, 0, 255] })),
    );
    expect(pixel(png, 0, 0)).toEqual([255, 0, 0, 255]);
    expect(pixel(png, 3, 0)).toEqual([0, 0, 255, 255]); // last column of a cell
  });

  it('rejects bad colours and sizes', () => {
    expect(() => renderMaskPng(mask, { maskedColor: [300, 0, 0] })).toThrow(SslError);
    expect(() => renderMaskPng(mask, { cellSize: 0 })).toThrow(SslError);
  });
});
