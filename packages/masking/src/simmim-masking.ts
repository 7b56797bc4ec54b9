import { checkInteger, checkNumber, checkOptions, invalidArgument, type Rng } from '@selfsup/core';
import type { GridLike } from './grid.js';
import { checkSampleArguments, type MaskingStrategy } from './masking-strategy.js';
import { maskRandomPositions } from './random-positions.js';
import type { TokenMask } from './token-mask.js';

/** Options of {@link createSimMimMasking}. */
export interface SimMimMaskingOptions {
  /**
   * Share of mask patches to mask; `ceil(maskRatio * maskPatches)` of them.
   * @defaultValue 0.6
   */
  readonly maskRatio?: number;
  /**
   * Side of a mask patch in pixels; a multiple of `patchSize`.
   * @defaultValue 32
   */
  readonly maskPatchSize?: number;
  /**
   * Side of the backbone's patches in pixels.
   * @defaultValue 16 (ViT-B/16; SimMIM's Swin uses 4)
   */
  readonly patchSize?: number;
}

/**
 * SimMIM's random masking with large mask patches.
 *
 * The image is cut into mask patches of `maskPatchSize` pixels (32), coarser than the model's
 * patches; `ceil(maskRatio * count)` of them, chosen uniformly at random, are masked, and each masked
 * mask patch masks the `(maskPatchSize / patchSize)^2` model patches it covers. The token grid must
 * therefore be divisible by `maskPatchSize / patchSize` on both sides.
 *
 * @example
 * ```ts
 * import { createRng } from '@selfsup/core';
 * import { createSimMimMasking } from '@selfsup/masking';
 *
 * const masking = createSimMimMasking({ maskRatio: 0.6, maskPatchSize: 32, patchSize: 16 });
 * const mask = masking.sample(8, 12, createRng(0)); // 192 px images: 6x6 mask patches, 22 masked
 * ```
 */
export function createSimMimMasking(options: SimMimMaskingOptions = {}): MaskingStrategy {
  options = checkOptions('createSimMimMasking(options)', options, true);
  const factory = 'createSimMimMasking';
  const maskRatio = checkNumber(`${factory}(options.maskRatio)`, options.maskRatio ?? 0.6, 0, 1);
  const patchSize = checkInteger(`${factory}(options.patchSize)`, options.patchSize ?? 16, 1);
  const maskPatchSize = checkInteger(`${factory}(options.maskPatchSize)`, options.maskPatchSize ?? 32, 1);
  if (maskPatchSize % patchSize !== 0) {
    throw invalidArgument({
      argument: `${factory}(options.maskPatchSize)`,
      expected: `a multiple of patchSize (${patchSize})`,
      actual: maskPatchSize,
      fix: `Use e.g. ${Math.max(1, Math.round(maskPatchSize / patchSize)) * patchSize}: a mask patch must cover whole model patches.`,
    });
  }
  const scale = maskPatchSize / patchSize;
  const name = 'simmim';
  return {
    name,
    sample(batchSize: number, grid: GridLike, rng: Rng): TokenMask {
      const { height, width } = checkSampleArguments(name, batchSize, grid, rng);
      if (height % scale !== 0 || width % scale !== 0) {
        throw invalidArgument({
          argument: `${name}.sample(grid)`,
          expected: `a token grid divisible by maskPatchSize / patchSize = ${scale} on both sides`,
          actual: { height, width },
          fix: `Use an image size that is a multiple of maskPatchSize (${maskPatchSize} px).`,
        });
      }
      const coarseHeight = height / scale;
      const coarseWidth = width / scale;
      const coarseTokens = coarseHeight * coarseWidth;
      const count = Math.ceil(coarseTokens * maskRatio);
      const coarse = new Uint8Array(coarseTokens);
      const scratch = new Int32Array(coarseTokens);
      const tokens = height * width;
      const data = new Uint8Array(batchSize * tokens);
      for (let b = 0; b < batchSize; b++) {
        coarse.fill(0);
        maskRandomPositions(coarse, 0, coarseTokens, count, rng, scratch);
        // [coarseHeight, coarseWidth] -> [height, width]: repeat each entry scale x scale times
        const offset = b * tokens;
        for (let i = 0; i < height; i++) {
          const coarseRow = Math.floor(i / scale) * coarseWidth;
          for (let j = 0; j < width; j++) data[offset + i * width + j] = coarse[coarseRow + Math.floor(j / scale)]!;
        }
      }
      return { batchSize, gridHeight: height, gridWidth: width, data };
    },
  };
}
