import { checkInteger, invalidArgument } from '@selfsup/core';
import { resolveGrid, type GridLike } from './grid.js';

/**
 * A batch of masks over the patch grid, made on the host. `data` is
 * `[batchSize * gridHeight * gridWidth]`, row-major over each image's patch grid (the order of the
 * backbone's patch tokens), `1` where a patch is masked and `0` where it is visible.
 */
export interface TokenMask {
  /** Images in the batch. */
  readonly batchSize: number;
  /** Rows of the patch grid. */
  readonly gridHeight: number;
  /** Columns of the patch grid. */
  readonly gridWidth: number;
  /** `[batchSize, gridHeight, gridWidth]` flattened; 1 = masked. */
  readonly data: Uint8Array;
}

/**
 * Makes a {@link TokenMask}: all visible, or over the given 0/1 `data`.
 *
 * @param batchSize - Images in the batch (a positive integer).
 * @param grid - The patch grid of each image.
 * @param data - Optional `[batchSize * height * width]` values of 0 (visible) and 1 (masked); kept, not copied.
 * @example
 * ```ts
 * const mask = createTokenMask(2, { height: 2, width: 3 });
 * mask.data[4] = 1; // image 0, row 1, column 1 is masked
 * ```
 */
export function createTokenMask(batchSize: number, grid: GridLike, data?: Uint8Array): TokenMask {
  checkInteger('createTokenMask(batchSize)', batchSize, 1);
  const { height, width } = resolveGrid(grid, 'createTokenMask(grid)');
  const size = batchSize * height * width;
  if (data === undefined) return { batchSize, gridHeight: height, gridWidth: width, data: new Uint8Array(size) };
  const mask: TokenMask = { batchSize, gridHeight: height, gridWidth: width, data };
  checkTokenMask(mask, 'createTokenMask(data)');
  return mask;
}

/**
 * Checks that `mask` is a well-formed {@link TokenMask}: positive integer sizes, a `Uint8Array` of
 * `batchSize * gridHeight * gridWidth` values, each 0 or 1.
 *
 * @throws SslError `INVALID_ARGUMENT` (or `SHAPE_MISMATCH` for a wrong data length) naming `argument`.
 * @example
 * ```ts
 * checkTokenMask(masking.sample(8, 14, rng), 'myLoss(mask)');
 * ```
 */
export function checkTokenMask(mask: TokenMask, argument = 'mask'): void {
  if (mask === null || typeof mask !== 'object') {
    throw invalidArgument({ argument, expected: 'a TokenMask { batchSize, gridHeight, gridWidth, data }', actual: mask });
  }
  checkInteger(`${argument}.batchSize`, mask.batchSize, 1);
  checkInteger(`${argument}.gridHeight`, mask.gridHeight, 1);
  checkInteger(`${argument}.gridWidth`, mask.gridWidth, 1);
  if (!(mask.data instanceof Uint8Array)) {
    throw invalidArgument({
      argument: `${argument}.data`,
      expected: 'a Uint8Array of 0/1 values',
      actual: mask.data,
      fix: 'Build masks with a masking strategy or createTokenMask().',
    });
  }
  const expected = mask.batchSize * mask.gridHeight * mask.gridWidth;
  if (mask.data.length !== expected) {
    throw invalidArgument({
      code: 'SHAPE_MISMATCH',
      argument: `${argument}.data`,
      expected: `${expected} values (batchSize ${mask.batchSize} x grid ${mask.gridHeight}x${mask.gridWidth})`,
      actual: `${mask.data.length} values`,
      fix: 'Make data.length equal batchSize * gridHeight * gridWidth.',
    });
  }
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i]!;
    if (v > 1) {
      throw invalidArgument({
        argument: `${argument}.data[${i}]`,
        expected: '0 (visible) or 1 (masked)',
        actual: v,
        fix: 'Store masks as 0/1 bytes.',
      });
    }
  }
}

/**
 * The number of masked patches of each image.
 *
 * @returns `[batchSize]` counts.
 * @example
 * ```ts
 * countMaskedTokens(masking.sample(4, 14, rng)); // Int32Array [58, 0, 43, 0] (for example)
 * ```
 */
export function countMaskedTokens(mask: TokenMask): Int32Array {
  checkTokenMask(mask, 'countMaskedTokens(mask)');
  const tokens = mask.gridHeight * mask.gridWidth;
  const counts = new Int32Array(mask.batchSize);
  for (let b = 0; b < mask.batchSize; b++) {
    let count = 0;
    const offset = b * tokens;
    for (let i = 0; i < tokens; i++) count += mask.data[offset + i]!;
    counts[b] = count;
  }
  return counts;
}
