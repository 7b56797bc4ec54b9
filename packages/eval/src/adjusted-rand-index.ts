import { contingencyTable } from './contingency-table.js';

/**
 * The adjusted Rand index between two labelings of the same items, as scikit-learn's
 * `adjusted_rand_score`: the Rand index (the share of item pairs on which the labelings agree,
 * both together or both apart) corrected for chance, `(RI - E[RI]) / (max RI - E[RI])` under the
 * permutation model. From the contingency table `n_ij` with row sums `a_i`, column sums `b_j` and
 * `n` items, counting ordered pairs: `tp = sum n_ij^2 - n`, `fp = sum b_j^2 - sum n_ij^2`,
 * `fn = sum a_i^2 - sum n_ij^2`, `tn = n^2 - tp - fp - fn - n`, and
 * `ARI = 2 (tp tn - fn fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn))`. 1 for the same partition
 * (whatever the label names), about 0 for random ones, negative below chance. When neither
 * labeling splits a pair the other keeps (`fn = fp = 0`, e.g. both put everything in one group) it
 * is 1, as in scikit-learn.
 *
 * @param labelsA - `[count]` integer labels (e.g. the classes).
 * @param labelsB - `[count]` integer labels (e.g. cluster indices).
 * @returns ARI in `[-0.5, 1]`.
 *
 * @example
 * ```ts
 * adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0]); // 1
 * adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]); // -0.5
 * ```
 */
export function adjustedRandIndex(labelsA: ArrayLike<number>, labelsB: ArrayLike<number>): number {
  const { count, counts, rowSums, columnSums } = contingencyTable(labelsA, labelsB, 'adjustedRandIndex');
  const sumSquares = sumOfSquares(counts);
  const truePositives = sumSquares - count;
  const falsePositives = sumOfSquares(columnSums) - sumSquares;
  const falseNegatives = sumOfSquares(rowSums) - sumSquares;
  const trueNegatives = count * count - falsePositives - falseNegatives - sumSquares;
  if (falseNegatives === 0 && falsePositives === 0) return 1;
  return (
    (2 * (truePositives * trueNegatives - falseNegatives * falsePositives)) /
    ((truePositives + falseNegatives) * (falseNegatives + trueNegatives) +
      (truePositives + falsePositives) * (falsePositives + trueNegatives))
  );
}

function sumOfSquares(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v * v;
  return s;
}
