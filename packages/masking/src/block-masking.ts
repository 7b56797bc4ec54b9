import { checkInteger, checkNumber, checkOptions, type Rng } from '@selfsup/core';
import { fillBlocks, logAspectRange, type BlockShape } from './block-fill.js';
import type { GridLike } from './grid.js';
import { createMaskRatioSampler, type MaskRatioOptions } from './mask-ratio.js';
import { checkSampleArguments, epochOf, type MaskingContext, type MaskingStrategy } from './masking-strategy.js';
import type { TokenMask } from './token-mask.js';

/** Options of {@link createBlockMasking}. */
export interface BlockMaskingOptions extends MaskRatioOptions {
  /**
   * Range of a block's aspect ratio (height / width); drawn log-uniformly.
   * @defaultValue `[0.3, 1 / 0.3]`
   */
  readonly aspectRatioRange?: readonly [number, number];
  /**
   * Lower end of the uniform draw of a block's area, in patches.
   * @defaultValue iBOT's `(min(height, width) // 3) ** 2` of the grid (16 on 14x14, 4 on 7x7)
   */
  readonly minPatchesPerBlock?: number;
  /**
   * Most patches one block may newly mask (BEiT's `max_num_patches`).
   * @defaultValue `Infinity` (iBOT: only the remaining budget limits a block)
   */
  readonly maxPatchesPerBlock?: number;
}

/**
 * Block-wise masking as iBOT samples it (BEiT's generator with iBOT's per-image ratios).
 *
 * Each image first gets a prediction ratio `r`: one of the configured ratios, chosen uniformly,
 * widened to a uniform draw in `[r - variance, r + variance]`. Its budget is the real number
 * `r * height * width` of patches. Rectangles are then added one at a time: an area drawn uniformly
 * between `(min(height, width) // 3)^2` and the remaining budget, an aspect ratio drawn
 * log-uniformly in `[0.3, 1/0.3]`, sides rounded, a position drawn uniformly among those that fit
 * strictly inside the grid. A rectangle counts if it masks at least one new patch and no more than
 * the remaining budget; after 10 failed attempts, or once the budget is reached, the image is done.
 * Overlapping rectangles make the masks blob-like rather than rectangular, and the masked count
 * stays at or just under the budget. With `startEpoch`, nothing is masked before that epoch.
 *
 * Statistically identical to `ImageFolderMask` with `pred_shape='block'` (checked against the
 * official sampler's statistics in the reference fixtures).
 *
 * @example
 * ```ts
 * import { createRng } from '@selfsup/core';
 * import { createBlockMasking, renderMaskAscii } from '@selfsup/masking';
 *
 * const masking = createBlockMasking({ maskRatio: [0, 0.3], maskRatioVariance: [0, 0.2] });
 * const mask = masking.sample(4, { height: 14, width: 14 }, createRng(0), { epoch: 0 });
 * console.log(renderMaskAscii(mask));
 * ```
 */
export function createBlockMasking(options: BlockMaskingOptions = {}): MaskingStrategy {
  options = checkOptions('createBlockMasking(options)', options, true);
  const factory = 'createBlockMasking';
  const ratio = createMaskRatioSampler(factory, options);
  const [logAspectLow, logAspectHigh] = logAspectRange(`${factory}(options.aspectRatioRange)`, options.aspectRatioRange);
  const minPatches =
    options.minPatchesPerBlock === undefined
      ? undefined
      : checkInteger(`${factory}(options.minPatchesPerBlock)`, options.minPatchesPerBlock, 0);
  const maxPatchesPerBlock =
    options.maxPatchesPerBlock === undefined
      ? Number.POSITIVE_INFINITY
      : checkNumber(`${factory}(options.maxPatchesPerBlock)`, options.maxPatchesPerBlock, 1);
  const name = 'ibot-block';
  return {
    name,
    sample(batchSize: number, grid: GridLike, rng: Rng, context?: MaskingContext): TokenMask {
      const { height, width } = checkSampleArguments(name, batchSize, grid, rng);
      const active = ratio.isActive(epochOf(name, context));
      const tokens = height * width;
      const data = new Uint8Array(batchSize * tokens);
      if (active) {
        const side = Math.floor(Math.min(height, width) / 3);
        const shape: BlockShape = {
          minPatchesPerBlock: minPatches ?? side * side,
          maxPatchesPerBlock,
          logAspectLow,
          logAspectHigh,
        };
        for (let b = 0; b < batchSize; b++) {
          const target = ratio.draw(rng) * height * width; // a real number, as in iBOT
          fillBlocks(data, b * tokens, height, width, target, shape, rng);
        }
      }
      return { batchSize, gridHeight: height, gridWidth: width, data };
    },
  };
}
