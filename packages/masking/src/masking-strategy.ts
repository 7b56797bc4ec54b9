import { checkInteger, invalidArgument, type Rng } from '@selfsup/core';
import { resolveGrid, type GridLike, type GridSize } from './grid.js';
import type { TokenMask } from './token-mask.js';

/** Training-time facts a strategy may use. */
export interface MaskingContext {
  /**
   * The current epoch (0-based). Strategies with a start epoch mask nothing before it; when
   * omitted, masking is always on.
   */
  readonly epoch?: number;
}

/**
 * A masking strategy of masked image modelling: draws one mask per image over the patch grid, on
 * the host, from the injected `rng` only. Made by the `create*Masking` factories.
 */
export interface MaskingStrategy {
  /** A short name for logs: `"ibot-block"`, `"mae-random"`, ... */
  readonly name: string;
  /**
   * Draws the masks of a batch.
   *
   * @param batchSize - Images in the batch.
   * @param grid - The patch grid of each image (a number for square grids).
   * @param rng - The only source of randomness.
   * @param context - Optional training context (the epoch, for start-epoch warm-ups).
   * @returns A new {@link TokenMask} `[batchSize, height, width]`, 1 = masked.
   */
  sample(batchSize: number, grid: GridLike, rng: Rng, context?: MaskingContext): TokenMask;
}

/** Checks the common arguments of `sample` and returns the resolved grid. */
export function checkSampleArguments(strategy: string, batchSize: number, grid: GridLike, rng: Rng): GridSize {
  const size = checkBatchAndGrid(`${strategy}.sample`, batchSize, grid);
  checkRng(`${strategy}.sample(rng)`, rng);
  return size;
}

/** Checks a batch size and a grid argument of `method`, and returns the resolved grid. */
export function checkBatchAndGrid(method: string, batchSize: number, grid: GridLike): GridSize {
  checkInteger(`${method}(batchSize)`, batchSize, 1);
  return resolveGrid(grid, `${method}(grid)`);
}

/** Checks that `rng` looks like an {@link Rng}. */
export function checkRng(argument: string, rng: unknown): asserts rng is Rng {
  const candidate = rng as Partial<Rng> | null | undefined;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.next !== 'function' ||
    typeof candidate.integer !== 'function' ||
    typeof candidate.uniform !== 'function' ||
    typeof candidate.fillUniform !== 'function'
  ) {
    throw invalidArgument({
      argument,
      expected: 'an Rng from @selfsup/core',
      actual: rng,
      fix: 'Pass createRng(seed) from @selfsup/core; masks never read global randomness.',
    });
  }
}

/** Reads the epoch of a context, checking it. */
export function epochOf(strategy: string, context: MaskingContext | undefined): number | undefined {
  if (context === undefined || context.epoch === undefined) return undefined;
  checkInteger(`${strategy}.sample(context.epoch)`, context.epoch, 0);
  return context.epoch;
}
