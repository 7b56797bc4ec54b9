import { checkInteger, checkNumber, checkOptions, invalidArgument, type Rng } from '@selfsup/core';
import { fillBlocks, logAspectRange } from './block-fill.js';
import type { GridLike } from './grid.js';
import { checkSampleArguments, type MaskingStrategy } from './masking-strategy.js';
import type { TokenMask } from './token-mask.js';

/** Options of {@link createBatchMasking}. */
export interface BatchMaskingOptions {
  /**
   * Share of the batch that is masked: `floor(batchSize * maskProbability)` images
   * (DINOv2's `mask_sample_probability`).
   * @defaultValue 0.5
   */
  readonly maskProbability?: number;
  /**
   * `[min, max]` mask ratio, spread evenly over the masked images (DINOv2's `mask_ratio_min_max`).
   * @defaultValue `[0.1, 0.5]`
   */
  readonly maskRatioRange?: readonly [number, number];
  /**
   * Lower end of the uniform draw of a block's area, in patches.
   * @defaultValue 4 (DINOv2's `MaskingGenerator`)
   */
  readonly minPatchesPerBlock?: number;
  /**
   * Most patches one block may newly mask, as a share of the grid.
   * @defaultValue 0.5 (DINOv2: half the patches)
   */
  readonly maxBlockShare?: number;
  /**
   * Range of a block's aspect ratio (height / width); drawn log-uniformly.
   * @defaultValue `[0.3, 1 / 0.3]`
   */
  readonly aspectRatioRange?: readonly [number, number];
  /**
   * Shuffle which images of the batch get which mask (DINOv2 does); otherwise the masked images
   * come first, in increasing ratio.
   * @defaultValue true
   */
  readonly shuffleImages?: boolean;
}

/**
 * DINOv2's batch masking: a fixed share of the batch is masked, with ratios spread evenly.
 *
 * Of `B` images, `n = floor(B * maskProbability)` are masked. The interval `[min, max]` of mask
 * ratios is cut into `n` equal slices; the i-th masked image draws its ratio uniformly in the i-th
 * slice and gets `floor(N * ratio)` patches masked by the block generator (areas from 4 patches up
 * to half the grid, aspect ratios in `[0.3, 1/0.3]`). The other images are unmasked, and the masks
 * are shuffled across the batch. Compared with per-image coin flips (iBOT), every batch has the same
 * number of masked images and covers the whole range of ratios.
 *
 * @example
 * ```ts
 * import { createRng } from '@selfsup/core';
 * import { createBatchMasking } from '@selfsup/masking';
 *
 * const masking = createBatchMasking({ maskProbability: 0.5, maskRatioRange: [0.1, 0.5] });
 * const mask = masking.sample(16, 16, createRng(0)); // 8 of 16 images masked, ratios 0.1 ... 0.5
 * ```
 */
export function createBatchMasking(options: BatchMaskingOptions = {}): MaskingStrategy {
  options = checkOptions('createBatchMasking(options)', options, true);
  const factory = 'createBatchMasking';
  const maskProbability = checkNumber(`${factory}(options.maskProbability)`, options.maskProbability ?? 0.5, 0, 1);
  const range = options.maskRatioRange ?? [0.1, 0.5];
  const rangeOk =
    Array.isArray(range) &&
    range.length === 2 &&
    range.every((r) => typeof r === 'number' && Number.isFinite(r) && r >= 0 && r <= 1) &&
    range[0] <= range[1];
  if (!rangeOk) {
    throw invalidArgument({
      argument: `${factory}(options.maskRatioRange)`,
      expected: '[min, max] with 0 <= min <= max <= 1',
      actual: range,
      fix: "Use DINOv2's [0.1, 0.5] or another range of shares.",
    });
  }
  const [minRatio, maxRatio] = range;
  const minPatchesPerBlock = checkInteger(`${factory}(options.minPatchesPerBlock)`, options.minPatchesPerBlock ?? 4, 0);
  const maxBlockShare = checkNumber(`${factory}(options.maxBlockShare)`, options.maxBlockShare ?? 0.5, 0, 1);
  const [logAspectLow, logAspectHigh] = logAspectRange(`${factory}(options.aspectRatioRange)`, options.aspectRatioRange);
  const shuffleImages = options.shuffleImages ?? true;
  const name = 'dinov2-batch';
  return {
    name,
    sample(batchSize: number, grid: GridLike, rng: Rng): TokenMask {
      const { height, width } = checkSampleArguments(name, batchSize, grid, rng);
      const tokens = height * width;
      const shape = { minPatchesPerBlock, maxPatchesPerBlock: maxBlockShare * tokens, logAspectLow, logAspectHigh };
      const maskedImages = Math.floor(batchSize * maskProbability);
      // image slot i holds the i-th mask; a shuffled slot order spreads them over the batch
      const slots = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) slots[i] = i;
      if (shuffleImages) rng.shuffle(slots);
      const data = new Uint8Array(batchSize * tokens);
      for (let i = 0; i < maskedImages; i++) {
        // probs = linspace(min, max, n + 1); ratio ~ U(probs[i], probs[i + 1])
        const low = minRatio + ((maxRatio - minRatio) * i) / maskedImages;
        const high = i + 1 === maskedImages ? maxRatio : minRatio + ((maxRatio - minRatio) * (i + 1)) / maskedImages;
        const target = Math.floor(tokens * rng.uniform(low, high));
        fillBlocks(data, slots[i]! * tokens, height, width, target, shape, rng);
      }
      return { batchSize, gridHeight: height, gridWidth: width, data };
    },
  };
}
