import { checkOptions, type Rng } from '@selfsup/core';
import type { GridLike } from './grid.js';
import { createMaskRatioSampler, type MaskRatioOptions } from './mask-ratio.js';
import { checkSampleArguments, epochOf, type MaskingContext, type MaskingStrategy } from './masking-strategy.js';
import { maskRandomPositions } from './random-positions.js';
import type { TokenMask } from './token-mask.js';

/** Options of {@link createRandPatchMasking}: the per-image ratios of iBOT. */
export type RandPatchMaskingOptions = MaskRatioOptions;

/**
 * iBOT's `rand` prediction shape: scattered patches instead of blocks.
 *
 * Each image gets a ratio `r` exactly as in {@link createBlockMasking} (one of the configured
 * ratios, widened uniformly by its variance), then exactly `floor(r * height * width)` patches,
 * chosen uniformly at random among all subsets of that size, are masked. With `startEpoch`,
 * nothing is masked before that epoch.
 *
 * @example
 * ```ts
 * import { createRng } from '@selfsup/core';
 * import { createRandPatchMasking, countMaskedTokens } from '@selfsup/masking';
 *
 * const masking = createRandPatchMasking({ maskRatio: 0.3 });
 * const mask = masking.sample(2, 14, createRng(0));
 * countMaskedTokens(mask); // Int32Array [58, 58]: floor(0.3 * 196)
 * ```
 */
export function createRandPatchMasking(options: RandPatchMaskingOptions = {}): MaskingStrategy {
  options = checkOptions('createRandPatchMasking(options)', options, true);
  const ratio = createMaskRatioSampler('createRandPatchMasking', options);
  const name = 'ibot-rand';
  return {
    name,
    sample(batchSize: number, grid: GridLike, rng: Rng, context?: MaskingContext): TokenMask {
      const { height, width } = checkSampleArguments(name, batchSize, grid, rng);
      const tokens = height * width;
      const data = new Uint8Array(batchSize * tokens);
      if (ratio.isActive(epochOf(name, context))) {
        const scratch = new Int32Array(tokens);
        for (let b = 0; b < batchSize; b++) {
          const count = Math.floor(ratio.draw(rng) * height * width); // int(high) in iBOT
          maskRandomPositions(data, b * tokens, tokens, count, rng, scratch);
        }
      }
      return { batchSize, gridHeight: height, gridWidth: width, data };
    },
  };
}
