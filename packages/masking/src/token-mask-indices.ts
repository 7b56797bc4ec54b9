import { invalidArgument } from '@selfsup/core';
import type { RandomMaskSample } from './random-masking.js';
import { checkTokenMask, type TokenMask } from './token-mask.js';

/**
 * Turns any {@link TokenMask} with the same number of masked patches in every image into MAE-style
 * indices, so a block or SimMIM mask can drive an encoder that takes `keepIndices`. The kept
 * patches come first in increasing position, then the masked ones (`shuffleIndices`);
 * `restoreIndices` is its inverse.
 *
 * @throws SslError `INVALID_ARGUMENT` when images have different numbers of masked patches (the
 *   kept tokens would not form a rectangular batch).
 * @example
 * ```ts
 * const mask = createRandPatchMasking({ maskRatio: 0.5, maskRatioVariance: 0 }).sample(4, 14, rng);
 * const { keepIndices, keepCount } = tokenMaskToIndices(mask); // keepCount 98
 * ```
 */
export function tokenMaskToIndices(mask: TokenMask): RandomMaskSample {
  checkTokenMask(mask, 'tokenMaskToIndices(mask)');
  const { batchSize, gridHeight, gridWidth, data } = mask;
  const tokens = gridHeight * gridWidth;
  let keepCount = -1;
  for (let b = 0; b < batchSize; b++) {
    let kept = 0;
    for (let i = 0; i < tokens; i++) kept += 1 - data[b * tokens + i]!;
    if (keepCount === -1) keepCount = kept;
    else if (kept !== keepCount) {
      throw invalidArgument({
        argument: 'tokenMaskToIndices(mask)',
        expected: `the same number of visible patches in every image (image 0 has ${keepCount})`,
        actual: `${kept} visible patches in image ${b}`,
        fix: 'Use a strategy with a fixed count per image (MAE random, SimMIM, iBOT rand without variance), or pass the mask as tokenMask instead.',
      });
    }
  }
  const shuffleIndices = new Int32Array(batchSize * tokens);
  const restoreIndices = new Int32Array(batchSize * tokens);
  const keepIndices = new Int32Array(batchSize * keepCount);
  for (let b = 0; b < batchSize; b++) {
    const offset = b * tokens;
    let keptRank = 0;
    let maskedRank = keepCount;
    for (let i = 0; i < tokens; i++) {
      const rank = data[offset + i] === 1 ? maskedRank++ : keptRank++;
      shuffleIndices[offset + rank] = i;
      restoreIndices[offset + i] = rank;
      if (rank < keepCount) keepIndices[b * keepCount + rank] = i;
    }
  }
  return {
    mask: { batchSize, gridHeight, gridWidth, data: Uint8Array.from(data) },
    keepIndices,
    restoreIndices,
    shuffleIndices,
    keepCount,
  };
}
