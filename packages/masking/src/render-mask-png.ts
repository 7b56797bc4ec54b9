import { PNG } from 'pngjs';
import { checkInteger, invalidArgument } from '@selfsup/core';
import { checkTokenMask, type TokenMask } from './token-mask.js';

/** An RGB colour, each channel an integer in `[0, 255]`. */
export type RgbColor = readonly [number, number, number];

/** Options of {@link renderMaskPng}. */
export interface RenderMaskPngOptions {
  /**
   * Side of one patch in pixels.
   * @defaultValue 8
   */
  readonly cellSize?: number;
  /**
   * Images per row of the picture.
   * @defaultValue `min(batchSize, 8)`
   */
  readonly columns?: number;
  /**
   * Pixels of background between neighbouring images (and around the picture).
   * @defaultValue 4
   */
  readonly spacing?: number;
  /**
   * Draw a 1-pixel line of `borderColor` between patches (only when `cellSize >= 4`).
   * @defaultValue true
   */
  readonly cellBorders?: boolean;
  /**
   * Colour of masked patches.
   * @defaultValue `[33, 37, 41]` (near black)
   */
  readonly maskedColor?: RgbColor;
  /**
   * Colour of visible patches.
   * @defaultValue `[233, 236, 239]` (light grey)
   */
  readonly visibleColor?: RgbColor;
  /**
   * Colour of the lines between patches.
   * @defaultValue `[173, 181, 189]` (mid grey)
   */
  readonly borderColor?: RgbColor;
  /**
   * Colour around and between images.
   * @defaultValue `[255, 255, 255]`
   */
  readonly backgroundColor?: RgbColor;
}

function checkColor(argument: string, color: RgbColor): RgbColor {
  const ok =
    Array.isArray(color) && color.length === 3 && color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255);
  if (!ok) {
    throw invalidArgument({ argument, expected: '[r, g, b] with integers in [0, 255]', actual: color });
  }
  return color;
}

/**
 * Draws a batch of masks as a PNG picture: one square of `cellSize` pixels per patch, dark where
 * masked, images side by side with `columns` to a row. For docs and debugging.
 *
 * @returns The bytes of an 8-bit RGBA PNG file.
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { renderMaskPng } from '@selfsup/masking/png';
 * const mask = createBlockMasking().sample(8, 14, createRng(0));
 * writeFileSync('masks.png', renderMaskPng(mask, { cellSize: 6 }));
 * ```
 */
export function renderMaskPng(mask: TokenMask, options: RenderMaskPngOptions = {}): Uint8Array {
  checkTokenMask(mask, 'renderMaskPng(mask)');
  const { batchSize, gridHeight, gridWidth, data } = mask;
  const cellSize = checkInteger('renderMaskPng(options.cellSize)', options.cellSize ?? 8, 1, 1024);
  const columns = checkInteger('renderMaskPng(options.columns)', options.columns ?? Math.min(batchSize, 8), 1);
  const spacing = checkInteger('renderMaskPng(options.spacing)', options.spacing ?? 4, 0, 1024);
  const borders = (options.cellBorders ?? true) && cellSize >= 4;
  const maskedColor = checkColor('renderMaskPng(options.maskedColor)', options.maskedColor ?? [33, 37, 41]);
  const visibleColor = checkColor('renderMaskPng(options.visibleColor)', options.visibleColor ?? [233, 236, 239]);
  const borderColor = checkColor('renderMaskPng(options.borderColor)', options.borderColor ?? [173, 181, 189]);
  const background = checkColor('renderMaskPng(options.backgroundColor)', options.backgroundColor ?? [255, 255, 255]);

  const rows = Math.ceil(batchSize / columns);
  const imageWidth = gridWidth * cellSize;
  const imageHeight = gridHeight * cellSize;
  const width = spacing + Math.min(columns, batchSize) * (imageWidth + spacing);
  const height = spacing + rows * (imageHeight + spacing);
  const png = new PNG({ width, height, colorType: 6, inputColorType: 6, bitDepth: 8 });
  const pixels = png.data;
  const paint = (x: number, y: number, color: RgbColor): void => {
    const i = 4 * (y * width + x);
    pixels[i] = color[0];
    pixels[i + 1] = color[1];
    pixels[i + 2] = color[2];
    pixels[i + 3] = 255;
  };
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) paint(x, y, background);
  const tokens = gridHeight * gridWidth;
  for (let b = 0; b < batchSize; b++) {
    const left = spacing + (b % columns) * (imageWidth + spacing);
    const top = spacing + Math.floor(b / columns) * (imageHeight + spacing);
    for (let i = 0; i < gridHeight; i++) {
      for (let j = 0; j < gridWidth; j++) {
        const fill = data[b * tokens + i * gridWidth + j] === 1 ? maskedColor : visibleColor;
        for (let dy = 0; dy < cellSize; dy++) {
          for (let dx = 0; dx < cellSize; dx++) {
            const onBorder = borders && (dy === cellSize - 1 || dx === cellSize - 1);
            paint(left + j * cellSize + dx, top + i * cellSize + dy, onBorder ? borderColor : fill);
          }
        }
      }
    }
  }
  const file = PNG.sync.write(png);
  return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
}
