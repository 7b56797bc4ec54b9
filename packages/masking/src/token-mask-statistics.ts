import { checkTokenMask, type TokenMask } from './token-mask.js';

/** What {@link tokenMaskStatistics} measures. */
export interface TokenMaskStatistics {
  /** `[batchSize]` masked patches per image. */
  readonly maskedCounts: Int32Array;
  /** `[batchSize]` 4-connected regions of masked patches per image (0 for an unmasked image). */
  readonly componentCounts: Int32Array;
  /** Mean over images of the masked share of the grid. */
  readonly meanMaskedFraction: number;
  /** Standard deviation over images of the masked share (population, divided by `batchSize`). */
  readonly stdMaskedFraction: number;
  /** Share of images with no masked patch. */
  readonly emptyShare: number;
  /** Mean number of 4-connected masked regions per image, unmasked images counting 0. */
  readonly meanComponentCount: number;
  /** Mean number of 4-connected masked regions over the images that have a masked patch (0 if none). */
  readonly meanComponentCountWhenMasked: number;
}

/**
 * Summarises a batch of masks: how much is masked, how often nothing is, and how fragmented the
 * masked area is (4-connected components: patches sharing an edge belong together). The reference
 * fixtures describe the official block sampler with these numbers.
 *
 * @example
 * ```ts
 * const stats = tokenMaskStatistics(createBlockMasking().sample(1000, 14, rng));
 * stats.emptyShare; // about 0.5 with iBOT's ViT ratios [0, 0.3]
 * ```
 */
export function tokenMaskStatistics(mask: TokenMask): TokenMaskStatistics {
  checkTokenMask(mask, 'tokenMaskStatistics(mask)');
  const { batchSize, gridHeight: height, gridWidth: width, data } = mask;
  const tokens = height * width;
  const maskedCounts = new Int32Array(batchSize);
  const componentCounts = new Int32Array(batchSize);
  const seen = new Uint8Array(tokens);
  const stack = new Int32Array(tokens);
  let sum = 0;
  let sumSquares = 0;
  let empty = 0;
  let components = 0;
  for (let b = 0; b < batchSize; b++) {
    const offset = b * tokens;
    seen.fill(0);
    let count = 0;
    let regions = 0;
    for (let start = 0; start < tokens; start++) {
      if (data[offset + start] !== 1) continue;
      count++;
      if (seen[start]) continue;
      regions++;
      // depth-first flood fill over edge neighbours
      let top = 0;
      stack[top++] = start;
      seen[start] = 1;
      while (top > 0) {
        const p = stack[--top]!;
        const row = Math.floor(p / width);
        const col = p - row * width;
        const neighbours = [row > 0 ? p - width : -1, row < height - 1 ? p + width : -1, col > 0 ? p - 1 : -1, col < width - 1 ? p + 1 : -1];
        for (const q of neighbours) {
          if (q >= 0 && !seen[q] && data[offset + q] === 1) {
            seen[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    maskedCounts[b] = count;
    componentCounts[b] = regions;
    const fraction = count / tokens;
    sum += fraction;
    sumSquares += fraction * fraction;
    if (count === 0) empty++;
    components += regions;
  }
  const mean = sum / batchSize;
  const variance = Math.max(0, sumSquares / batchSize - mean * mean);
  const masked = batchSize - empty;
  return {
    maskedCounts,
    componentCounts,
    meanMaskedFraction: mean,
    stdMaskedFraction: Math.sqrt(variance),
    emptyShare: empty / batchSize,
    meanComponentCount: components / batchSize,
    meanComponentCountWhenMasked: masked === 0 ? 0 : components / masked,
  };
}
