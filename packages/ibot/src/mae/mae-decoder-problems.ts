import type { ConfigProblem } from '../config-problem.js';

/** The MAE decoder's rule: its width a multiple of its heads. */
export function maeDecoderProblems(decoder: { readonly embedDim: number; readonly headCount: number }): ConfigProblem[] {
  return decoder.embedDim % decoder.headCount === 0
    ? []
    : [{ key: 'decoder.headCount', expected: `a divisor of decoder.embedDim (${decoder.embedDim})`, actual: decoder.headCount }];
}
