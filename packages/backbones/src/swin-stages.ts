import { SslError } from '@selfsup/core';

/** One stage of a Swin Transformer as built for its configured image size. */
export interface SwinStage {
  /** Token width of the stage. */
  readonly dim: number;
  /** Blocks in the stage. */
  readonly depth: number;
  readonly headCount: number;
  /** `[rows, columns]` of tokens at the configured image size (the official `input_resolution`). */
  readonly resolution: readonly [number, number];
  /** The window side: the configured one, or the stage's resolution when that is not larger. */
  readonly windowSize: number;
  /** The shift of the odd blocks (SW-MSA): half the window, or 0 when the window covers the stage. */
  readonly shift: number;
}

/** The sizes {@link planSwinStages} reads. */
export interface SwinStageSizes {
  readonly imageSize: readonly [number, number];
  readonly patchSize: number;
  readonly embedDim: number;
  readonly depths: readonly number[];
  readonly headCounts: readonly number[];
  readonly windowSize: number;
}

/**
 * The stages of the official Swin for its configured image size: stage `i` has width
 * `embedDim * 2^i` and the resolution `patchGrid // 2^i`; when that resolution is not larger than
 * the window, the window shrinks to it and the blocks do not shift (the official
 * `SwinTransformerBlock.__init__`). Window sizes and shifts are fixed here, at construction, as in
 * the official code: crops of other sizes keep them (and are padded to the window).
 *
 * @throws SslError `INVALID_ARGUMENT` when a stage would have no token at the configured size.
 */
export function planSwinStages(sizes: SwinStageSizes): SwinStage[] {
  const grid = [Math.floor(sizes.imageSize[0] / sizes.patchSize), Math.floor(sizes.imageSize[1] / sizes.patchSize)] as const;
  return sizes.depths.map((depth, i) => {
    const resolution = [Math.floor(grid[0] / 2 ** i), Math.floor(grid[1] / 2 ** i)] as const;
    const smallest = Math.min(...resolution);
    if (smallest < 1) {
      const needed = sizes.patchSize * 2 ** (sizes.depths.length - 1);
      throw new SslError(
        'INVALID_ARGUMENT',
        `createSwin(options.imageSize): ${sizes.imageSize.join('x')} pixels give a ${grid.join('x')} patch grid (patchSize ${sizes.patchSize}), ` +
          `which ${sizes.depths.length} stages halve to ${resolution.join('x')} tokens at stage ${i}. ` +
          `Use an imageSize of at least ${needed} (patchSize * 2^(stages - 1)), a smaller patchSize, or fewer stages (depths).`,
      );
    }
    const windowSize = smallest <= sizes.windowSize ? smallest : sizes.windowSize;
    const shift = smallest <= sizes.windowSize ? 0 : Math.floor(sizes.windowSize / 2);
    return { dim: sizes.embedDim * 2 ** i, depth, headCount: sizes.headCounts[i]!, resolution, windowSize, shift };
  });
}
