import { checkInteger, checkOptions, invalidArgument } from '@selfsup/core';
import { MAX_RASTER_SIDE, checkRasterImage, createRasterImage, type RasterImage } from './raster-image.js';
import { resizeImage, type ResizeMethod } from './resize-image.js';

/** Options of {@link imageGrid}. */
export interface ImageGridOptions {
  /** The width of every cell; each picture is resized to it. @defaultValue the widest picture's */
  cellWidth?: number;
  /** The height of every cell. @defaultValue the tallest picture's */
  cellHeight?: number;
  /** Pixels between cells and around the grid. @defaultValue 2 */
  gap?: number;
  /** RGBA colour of the gaps and of empty cells. @defaultValue opaque white */
  background?: readonly [number, number, number, number];
  /** How pictures are resized to the cell (a 7x7 attention map to 28x28). @defaultValue 'nearest' */
  resize?: ResizeMethod;
}

/**
 * Composes rows of pictures into one RGBA picture, row `r`, column `c` at cell `(r, c)`: e.g. one
 * row per image of `[image | attention head 1 | ... | PCA colours]`. Every picture is resized to
 * the cell size; `null` leaves a cell empty; short rows end early. The result goes to a canvas
 * (`new ImageData(grid.data, grid.width, grid.height)`) or a PNG encoder.
 *
 * @example
 * ```ts
 * const grid = imageGrid(images.map((image, i) => [image, ...attention[i]!, pca[i]!]), { cellWidth: 56, cellHeight: 56 });
 * ```
 */
export function imageGrid(rows: readonly (readonly (RasterImage | null)[])[], options: ImageGridOptions = {}): RasterImage {
  const { gap = 2, background = [255, 255, 255, 255], resize = 'nearest', ...sizes } = checkOptions('imageGrid(options)', options, true);
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every((row) => Array.isArray(row))) {
    throw invalidArgument({ argument: 'imageGrid(rows)', expected: 'a non-empty array of rows, each an array of RGBA images (or null)', actual: rows });
  }
  checkInteger('imageGrid(options.gap)', gap, 0, 1024);
  const cells = rows.flatMap((row, r) => row.map((image, c) => (image === null ? null : checkRasterImage(`imageGrid(rows[${r}][${c}])`, image))));
  const pictures = cells.filter((c): c is RasterImage => c !== null);
  const cellWidth = checkInteger('imageGrid(options.cellWidth)', sizes.cellWidth ?? Math.max(1, ...pictures.map((p) => p.width)), 1, MAX_RASTER_SIDE);
  const cellHeight = checkInteger('imageGrid(options.cellHeight)', sizes.cellHeight ?? Math.max(1, ...pictures.map((p) => p.height)), 1, MAX_RASTER_SIDE);
  const columns = Math.max(1, ...rows.map((row) => row.length));
  const grid = createRasterImage(gap + columns * (cellWidth + gap), gap + rows.length * (cellHeight + gap), background);
  rows.forEach((row, r) => {
    row.forEach((image, c) => {
      if (image === null) return;
      const cell = image.width === cellWidth && image.height === cellHeight ? image : resizeImage(image, cellWidth, cellHeight, resize);
      paste(grid, cell, gap + c * (cellWidth + gap), gap + r * (cellHeight + gap));
    });
  });
  return grid;
}

/** Copies `image` into `target` with its top-left corner at (`left`, `top`). */
function paste(target: RasterImage, image: RasterImage, left: number, top: number): void {
  for (let y = 0; y < image.height; y++) {
    const from = 4 * y * image.width;
    target.data.set(image.data.subarray(from, from + 4 * image.width), 4 * ((top + y) * target.width + left));
  }
}
