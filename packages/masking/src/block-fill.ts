import { invalidArgument, type Rng } from '@selfsup/core';
import { portableExp, portableLog, roundHalfToEven } from './portable-math.js';

/** Rectangles tried before the sampler gives up on adding one more block (BEiT, iBOT, DINOv2). */
export const ATTEMPTS_PER_BLOCK = 10;

/** The aspect-ratio range of BEiT, iBOT and DINOv2: `[0.3, 1 / 0.3]`. */
export const DEFAULT_ASPECT_RATIO_RANGE: readonly [number, number] = Object.freeze([0.3, 1 / 0.3] as const);

/** How rectangles are drawn; internal to the block samplers. */
export interface BlockShape {
  /** Lower end of the uniform draw of a rectangle's area, in patches. */
  readonly minPatchesPerBlock: number;
  /** Upper cap of one rectangle's newly masked patches (`Infinity`: only the remaining budget). */
  readonly maxPatchesPerBlock: number;
  /** `log` of the aspect-ratio range. */
  readonly logAspectLow: number;
  readonly logAspectHigh: number;
}

/** Checks an aspect-ratio range option and returns its logarithms. */
export function logAspectRange(argument: string, range: readonly [number, number] | undefined): [number, number] {
  const value: unknown = range ?? DEFAULT_ASPECT_RATIO_RANGE;
  const [low, high] = Array.isArray(value) ? (value as unknown[]) : [];
  const ok =
    Array.isArray(value) &&
    value.length === 2 &&
    typeof low === 'number' &&
    typeof high === 'number' &&
    Number.isFinite(low) &&
    Number.isFinite(high) &&
    low > 0 &&
    low <= high;
  if (!ok) {
    throw invalidArgument({
      argument,
      expected: '[min, max] with 0 < min <= max (height / width of a block)',
      actual: range,
      fix: "Use the papers' [0.3, 1 / 0.3], or any positive range.",
    });
  }
  return [portableLog(low), portableLog(high)];
}

/**
 * Adds one rectangle to the mask of one image, as BEiT's `MaskingGenerator._mask` does: up to
 * {@link ATTEMPTS_PER_BLOCK} times, draw an area uniformly between `minPatchesPerBlock` and
 * `budget` (Python's `uniform(a, b)`, which also works when `a > b`), a log-uniform aspect ratio,
 * round the sides half-to-even, and place the rectangle uniformly if it fits strictly inside the
 * grid. It is kept when it masks at least one new patch and at most `budget` new ones.
 *
 * @returns The number of newly masked patches (0 when every attempt was rejected).
 */
function addBlock(
  data: Uint8Array,
  offset: number,
  height: number,
  width: number,
  budget: number,
  shape: BlockShape,
  rng: Rng,
): number {
  for (let attempt = 0; attempt < ATTEMPTS_PER_BLOCK; attempt++) {
    const area = rng.uniform(shape.minPatchesPerBlock, budget);
    const aspect = portableExp(rng.uniform(shape.logAspectLow, shape.logAspectHigh));
    const blockHeight = roundHalfToEven(Math.sqrt(area * aspect));
    const blockWidth = roundHalfToEven(Math.sqrt(area / aspect));
    if (blockWidth >= width || blockHeight >= height) continue;
    const top = rng.integer(0, height - blockHeight + 1);
    const left = rng.integer(0, width - blockWidth + 1);
    let alreadyMasked = 0;
    for (let i = top; i < top + blockHeight; i++) {
      const row = offset + i * width;
      for (let j = left; j < left + blockWidth; j++) alreadyMasked += data[row + j]!;
    }
    const added = blockHeight * blockWidth - alreadyMasked;
    if (added > 0 && added <= budget) {
      for (let i = top; i < top + blockHeight; i++) {
        data.fill(1, offset + i * width + left, offset + i * width + left + blockWidth);
      }
      return added;
    }
  }
  return 0;
}

/**
 * Masks rectangles in one image until `target` patches are masked or no rectangle can be added
 * (BEiT's `MaskingGenerator.__call__`; iBOT's loop with a float `target = ratio * H * W`). The
 * budget of each rectangle is `min(target - masked, maxPatchesPerBlock)`, so the count never
 * passes `target`.
 *
 * @param data - The batch's mask; the image occupies `[offset, offset + height * width)`, all 0.
 * @returns The number of masked patches.
 */
export function fillBlocks(
  data: Uint8Array,
  offset: number,
  height: number,
  width: number,
  target: number,
  shape: BlockShape,
  rng: Rng,
): number {
  let masked = 0;
  while (masked < target) {
    const budget = Math.min(target - masked, shape.maxPatchesPerBlock);
    const added = addBlock(data, offset, height, width, budget, shape, rng);
    if (added === 0) break;
    masked += added;
  }
  return masked;
}
