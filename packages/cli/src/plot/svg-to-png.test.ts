import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { svgToPng } from './svg-to-png.js';

/** Pixels darker than mid-grey in a rectangle of a decoded PNG. */
function darkPixels(png: PNG, x0: number, y0: number, x1: number, y1: number): number {
  let count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      if (png.data[i]! + png.data[i + 1]! + png.data[i + 2]! < 3 * 128) count++;
    }
  }
  return count;
}

describe('svgToPng', () => {
  it('renders text with the bundled font alone (the sans-serif family) at twice the SVG size on white', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">' +
      '<text x="4" y="16" font-family="sans-serif" font-size="14">plot text</text>' +
      '<text x="104" y="16" font-family="DejaVu Sans" font-size="14">plot text</text></svg>';
    const bytes = await svgToPng(svg, { systemFonts: false });
    expect([...bytes.slice(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]); // the PNG signature
    const png = PNG.sync.read(Buffer.from(bytes));
    expect([png.width, png.height]).toEqual([400, 80]);
    expect([...png.data.slice(0, 4)]).toEqual([255, 255, 255, 255]); // white background
    // both texts are drawn (glyphs, not nothing), in the top half only
    expect(darkPixels(png, 0, 0, 200, 40)).toBeGreaterThan(100);
    expect(darkPixels(png, 200, 0, 400, 40)).toBeGreaterThan(100);
    expect(darkPixels(png, 0, 44, 400, 80)).toBe(0);
  });

  it('scales by options.scale and refuses a scale that is not positive', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><rect width="30" height="20" fill="#d62728"/></svg>';
    const png = PNG.sync.read(Buffer.from(await svgToPng(svg, { scale: 1 })));
    expect([png.width, png.height]).toEqual([30, 20]);
    expect([...png.data.slice(0, 3)]).toEqual([0xd6, 0x27, 0x28]);
    const error = await svgToPng(svg, { scale: 0 }).catch((e: unknown) => e);
    expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/svgToPng\(options\.scale\): expected a number > 0, got 0/);
  });
});
