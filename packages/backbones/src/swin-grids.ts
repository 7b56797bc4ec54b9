import { invalidArgument } from '@selfsup/core';

/** The size rules of a Swin Transformer: what it accepts, and where its tokens and masks live. */
export interface SwinGrids {
  /** Returns for sizes `encode` accepts (positive multiples of the patch size), else throws `INVALID_ARGUMENT` naming `argument`. */
  checkInputSize(height: number, width: number, argument?: string): void;
  /** `[rows, columns]` of the last stage's tokens: the patch grid ceil-halved by each patch merging. */
  tokenGrid(height: number, width: number): readonly [number, number];
  /** The grid masks are given at (the last stage's), when each of its tokens covers whole patches. */
  maskGrid(height: number, width: number): readonly [number, number];
}

/** `ceil(size / 2)` applied `times` times: a grid after that many patch mergings. */
function halve(size: number, times: number): number {
  let s = size;
  for (let i = 0; i < times; i++) s = Math.ceil(s / 2);
  return s;
}

/**
 * The size rules of a Swin Transformer with `patchSize` and `stageCount` stages (patch merging
 * between stages pads odd grids, so any multiple of the patch size works). iBOT samples its masks
 * at the last stage's grid and repeats each mask token over the patches under it, which needs the
 * patch grid to be a multiple of that grid.
 */
export function swinGrids(patchSize: number, stageCount: number): SwinGrids {
  const mergings = stageCount - 1;
  function checkInputSize(height: number, width: number, argument = 'swin.encode(images)'): void {
    for (const [name, size] of [
      ['height', height],
      ['width', width],
    ] as const) {
      if (!Number.isInteger(size) || size < patchSize || size % patchSize !== 0) {
        throw invalidArgument({
          argument: `${argument} ${name}`,
          expected: `a positive multiple of the Swin's patchSize (${patchSize})`,
          actual: size,
          fix: `Crop or resize to a multiple of ${patchSize}, such as ${Math.max(patchSize, Math.round(size / patchSize) * patchSize)}.`,
        });
      }
    }
  }
  function tokenGrid(height: number, width: number): readonly [number, number] {
    checkInputSize(height, width, 'swin.tokenGrid(height, width)');
    return [halve(height / patchSize, mergings), halve(width / patchSize, mergings)];
  }
  function maskGrid(height: number, width: number): readonly [number, number] {
    checkInputSize(height, width, 'swin.maskGrid(height, width)');
    const patches = [height / patchSize, width / patchSize] as const;
    const grid = [halve(patches[0], mergings), halve(patches[1], mergings)] as const;
    if (patches[0] % grid[0] !== 0 || patches[1] % grid[1] !== 0) {
      throw invalidArgument({
        argument: 'swin.maskGrid(height, width)',
        expected: `images whose ${patches.join('x')} patch grid is a multiple of the last stage's ${grid.join('x')} grid, so that each mask token covers whole patches`,
        actual: [height, width],
        fix: `Use a size whose patch grid is a multiple of 2^${mergings}, such as ${patchSize * 2 ** mergings * Math.max(1, Math.round(patches[0] / 2 ** mergings))}.`,
      });
    }
    return grid;
  }
  return { checkInputSize, tokenGrid, maskGrid };
}
