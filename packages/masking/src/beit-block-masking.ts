import { checkInteger, checkNumber, checkOptions, invalidArgument, type Rng } from '@selfsup/core';
import { fillBlocks, logAspectRange } from './block-fill.js';
import type { GridLike } from './grid.js';
import { checkSampleArguments, type MaskingStrategy } from './masking-strategy.js';
import type { TokenMask } from './token-mask.js';

/** Options of {@link createBeitBlockMasking}. */
export interface BeitBlockMaskingOptions {
  /**
   * Patches to mask per image (BEiT's `num_mask_patches`). Give this or `maskRatio`, not both.
   * @defaultValue 75 (BEiT on a 14x14 grid, about 40%)
   */
  readonly maskedPatchCount?: number;
  /**
   * Alternatively, the share of the grid to mask: `floor(maskRatio * height * width)` patches.
   * @defaultValue undefined (use `maskedPatchCount`)
   */
  readonly maskRatio?: number;
  /**
   * Lower end of the uniform draw of a block's area, in patches (BEiT's `min_num_patches`).
   * @defaultValue 16
   */
  readonly minPatchesPerBlock?: number;
  /**
   * Most patches one block may newly mask (BEiT's `max_num_patches`).
   * @defaultValue the per-image target (no other limit)
   */
  readonly maxPatchesPerBlock?: number;
  /**
   * Range of a block's aspect ratio (height / width); drawn log-uniformly.
   * @defaultValue `[0.3, 1 / 0.3]`
   */
  readonly aspectRatioRange?: readonly [number, number];
}

/**
 * BEiT's block-wise masking: the same fixed number of patches in every image.
 *
 * Rectangles are added one at a time until the target count is reached: each has an area drawn
 * uniformly between `minPatchesPerBlock` (16) and the smaller of the remaining count and
 * `maxPatchesPerBlock`, a log-uniform aspect ratio in `[0.3, 1/0.3]`, and a uniform position
 * strictly inside the grid; it is kept if it masks at least one new patch and at most that many.
 * After 10 rejected rectangles in a row the image is left with fewer patches. BEiT masks 75 of
 * 196 patches (about 40%) this way; iBOT's {@link createBlockMasking} is the same generator with a
 * per-image ratio.
 *
 * @example
 * ```ts
 * import { createRng } from '@selfsup/core';
 * import { createBeitBlockMasking } from '@selfsup/masking';
 *
 * const masking = createBeitBlockMasking({ maskedPatchCount: 75 });
 * const mask = masking.sample(8, 14, createRng(1)); // ~75 masked patches per image
 * ```
 */
export function createBeitBlockMasking(options: BeitBlockMaskingOptions = {}): MaskingStrategy {
  options = checkOptions('createBeitBlockMasking(options)', options, true);
  const factory = 'createBeitBlockMasking';
  if (options.maskedPatchCount !== undefined && options.maskRatio !== undefined) {
    throw invalidArgument({
      argument: `${factory}(options)`,
      expected: 'either maskedPatchCount or maskRatio',
      actual: { maskedPatchCount: options.maskedPatchCount, maskRatio: options.maskRatio },
      fix: 'Remove one of the two.',
    });
  }
  const maskRatio =
    options.maskRatio === undefined ? undefined : checkNumber(`${factory}(options.maskRatio)`, options.maskRatio, 0, 1);
  const maskedPatchCount = checkInteger(`${factory}(options.maskedPatchCount)`, options.maskedPatchCount ?? 75, 0);
  const minPatchesPerBlock = checkInteger(`${factory}(options.minPatchesPerBlock)`, options.minPatchesPerBlock ?? 16, 0);
  const maxPatchesPerBlock =
    options.maxPatchesPerBlock === undefined
      ? undefined
      : checkNumber(`${factory}(options.maxPatchesPerBlock)`, options.maxPatchesPerBlock, 1);
  const [logAspectLow, logAspectHigh] = logAspectRange(`${factory}(options.aspectRatioRange)`, options.aspectRatioRange);
  const name = 'beit-block';
  return {
    name,
    sample(batchSize: number, grid: GridLike, rng: Rng): TokenMask {
      const { height, width } = checkSampleArguments(name, batchSize, grid, rng);
      const tokens = height * width;
      const target = maskRatio === undefined ? maskedPatchCount : Math.floor(maskRatio * height * width);
      const shape = {
        minPatchesPerBlock,
        maxPatchesPerBlock: maxPatchesPerBlock ?? target,
        logAspectLow,
        logAspectHigh,
      };
      const data = new Uint8Array(batchSize * tokens);
      for (let b = 0; b < batchSize; b++) fillBlocks(data, b * tokens, height, width, target, shape, rng);
      return { batchSize, gridHeight: height, gridWidth: width, data };
    },
  };
}
