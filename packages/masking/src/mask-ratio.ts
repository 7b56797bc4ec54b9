import { checkInteger, invalidArgument, type Rng } from '@selfsup/core';

/** The per-image mask-ratio options shared by iBOT's `block` and `rand` shapes. */
export interface MaskRatioOptions {
  /**
   * The share of patches to mask (iBOT's `pred_ratio`), or a list of them: each image then picks
   * one entry uniformly. `0` in a list leaves that share of images unmasked.
   * @defaultValue `[0, 0.3]` (iBOT's ViT setting: half the images unmasked, the others in 0.1-0.5)
   */
  readonly maskRatio?: number | readonly number[];
  /**
   * Half-width of the uniform range around each ratio (iBOT's `pred_ratio_var`): an image's ratio
   * is drawn from `[ratio - variance, ratio + variance]`. One number for all ratios, or one per ratio.
   * Must not exceed its ratio.
   * @defaultValue `[0, 0.2]` when `maskRatio` is left at its default, else `0`
   */
  readonly maskRatioVariance?: number | readonly number[];
  /**
   * Epoch before which no patch is masked (iBOT's `pred_start_epoch`); takes effect when `sample`
   * receives `{ epoch }`.
   * @defaultValue 0
   */
  readonly startEpoch?: number;
}

/** Draws each image's mask ratio; internal. */
export interface MaskRatioSampler {
  /** The ratios and half-widths after validation (one entry per choice). */
  readonly ratios: readonly number[];
  readonly variances: readonly number[];
  readonly startEpoch: number;
  /** One image's ratio: pick a (ratio, variance) pair uniformly, then a uniform draw around it. */
  draw(rng: Rng): number;
  /** Whether masking is on at this epoch (`undefined`: always on). */
  isActive(epoch: number | undefined): boolean;
}

const DEFAULT_RATIOS = [0, 0.3] as const;
const DEFAULT_VARIANCES = [0, 0.2] as const;

function toList(argument: string, value: number | readonly number[]): number[] {
  if (typeof value === 'number') return [value];
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidArgument({ argument, expected: 'a number or a non-empty array of numbers', actual: value });
  }
  return [...value];
}

/**
 * Validates the ratio options and returns the sampler of iBOT's `get_pred_ratio`.
 *
 * @param factory - The factory name for error messages: `createBlockMasking`.
 */
export function createMaskRatioSampler(factory: string, options: MaskRatioOptions): MaskRatioSampler {
  const ratioGiven = options.maskRatio !== undefined;
  const ratios = toList(`${factory}(options.maskRatio)`, options.maskRatio ?? DEFAULT_RATIOS);
  const varianceValue = options.maskRatioVariance ?? (ratioGiven ? 0 : DEFAULT_VARIANCES);
  let variances = toList(`${factory}(options.maskRatioVariance)`, varianceValue);
  if (variances.length === 1 && ratios.length > 1) variances = ratios.map(() => variances[0]!);
  if (variances.length !== ratios.length) {
    throw invalidArgument({
      argument: `${factory}(options.maskRatioVariance)`,
      expected: `one number, or one per mask ratio (${ratios.length})`,
      actual: options.maskRatioVariance,
      fix: 'Give a single variance for every ratio, or a list as long as maskRatio.',
    });
  }
  ratios.forEach((ratio, i) => {
    const where = ratios.length > 1 ? `[${i}]` : '';
    if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
      throw invalidArgument({
        argument: `${factory}(options.maskRatio${where})`,
        expected: 'a share of patches in [0, 1]',
        actual: ratio,
        fix: 'Use e.g. 0.3 for 30% of the patches.',
      });
    }
    const variance = variances[i]!;
    if (typeof variance !== 'number' || !Number.isFinite(variance) || variance < 0 || variance > ratio) {
      throw invalidArgument({
        argument: `${factory}(options.maskRatioVariance${where})`,
        expected: `a half-width in [0, maskRatio${where} = ${ratio}]`,
        actual: variance,
        fix: 'The drawn ratio ratio ± variance must not go below 0: lower the variance or raise the ratio.',
      });
    }
    if (ratio + variance > 1) {
      throw invalidArgument({
        argument: `${factory}(options.maskRatioVariance${where})`,
        expected: `a half-width with maskRatio + variance <= 1 (maskRatio${where} = ${ratio})`,
        actual: variance,
        fix: 'The drawn ratio must stay within [0, 1]: lower the variance.',
      });
    }
  });
  const startEpoch = checkInteger(`${factory}(options.startEpoch)`, options.startEpoch ?? 0, 0);
  const single = ratios.length === 1;
  return {
    ratios,
    variances,
    startEpoch,
    draw(rng: Rng): number {
      const choice = single ? 0 : rng.integer(0, ratios.length);
      const ratio = ratios[choice]!;
      const variance = variances[choice]!;
      return variance > 0 ? rng.uniform(ratio - variance, ratio + variance) : ratio;
    },
    isActive(epoch: number | undefined): boolean {
      return epoch === undefined || epoch >= startEpoch;
    },
  };
}
