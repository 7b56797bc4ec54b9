import { describeValue, invalidArgument } from '@selfsup/core';

/** The patch grid of one image: `height` rows and `width` columns of tokens. */
export interface GridSize {
  /** Rows of patches (image height / patch size). */
  readonly height: number;
  /** Columns of patches (image width / patch size). */
  readonly width: number;
}

/** A {@link GridSize}, or one number for a square grid (`14` is `{ height: 14, width: 14 }`). */
export type GridLike = GridSize | number;

/**
 * Normalises and checks a grid argument: both sides must be positive integers.
 *
 * @throws SslError `INVALID_ARGUMENT` for a grid of zero size or non-integer sides.
 * @example
 * ```ts
 * resolveGrid(14); // { height: 14, width: 14 }
 * resolveGrid({ height: 12, width: 16 }); // { height: 12, width: 16 }
 * ```
 */
export function resolveGrid(grid: GridLike, argument = 'grid'): GridSize {
  const height = typeof grid === 'number' ? grid : grid?.height;
  const width = typeof grid === 'number' ? grid : grid?.width;
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (!ok(height) || !ok(width)) {
    throw invalidArgument({
      argument,
      expected: 'a patch grid of positive integer size: a number (square) or { height, width }',
      actual: grid,
      fix: `Pass the token grid of the backbone, e.g. { height: imageHeight / patchSize, width: imageWidth / patchSize }; got ${describeValue(grid)}, which has no patches.`,
    });
  }
  return { height, width };
}
