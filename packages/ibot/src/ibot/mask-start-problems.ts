import type { ConfigProblem } from '../config-problem.js';

/**
 * iBOT's masking start (`pred_start_epoch`): at most the run's epochs. Masking starts at the start
 * of that epoch, and the patch temperature's warm-up runs over the epochs after it; a start past
 * the end has no such epochs (its schedule would be built with a negative length), and a start at
 * the end trains without the masked-patch objective.
 */
export function maskStartProblems(config: { readonly epochs: number; readonly masking: { readonly startEpoch: number } }): ConfigProblem[] {
  const { epochs, masking } = config;
  if (masking.startEpoch <= epochs) return [];
  return [
    {
      key: 'masking.startEpoch',
      expected: `at most epochs (${epochs}): lower masking.startEpoch, or raise epochs`,
      actual: masking.startEpoch,
    },
  ];
}
