import type { ConfigProblem } from '../config-problem.js';

/**
 * iBOT's mask-ratio rules (`pred_ratio`, `pred_ratio_var`): one variance, or one per ratio; each
 * variance at most its ratio, and ratio + variance at most 1.
 */
export function maskRatioProblems(masking: { readonly ratio: number | readonly number[]; readonly variance: number | readonly number[] }): ConfigProblem[] {
  const ratios = typeof masking.ratio === 'number' ? [masking.ratio] : [...masking.ratio];
  const variances = typeof masking.variance === 'number' ? [masking.variance] : [...masking.variance];
  if (variances.length !== 1 && variances.length !== ratios.length) {
    return [
      {
        key: 'masking.variance',
        expected: `one number, or one per masking.ratio (${ratios.length}); set both, e.g. ratio: 0.3 with variance: 0.1`,
        actual: masking.variance,
      },
    ];
  }
  return ratios.flatMap((ratio, i) => {
    const variance = variances.length === 1 ? variances[0]! : variances[i]!;
    const where = variances.length === 1 ? 'masking.variance' : `masking.variance.${i}`;
    if (variance > ratio) return [{ key: where, expected: `at most its ratio (${ratio}), so that ratio - variance >= 0`, actual: variance }];
    if (ratio + variance > 1) return [{ key: where, expected: `at most ${1 - ratio} (1 - its ratio ${ratio}), so that ratio + variance <= 1`, actual: variance }];
    return [];
  });
}
