import { contingencyTable } from './contingency-table.js';

/**
 * Normalised mutual information between two labelings of the same items, as scikit-learn's
 * `normalized_mutual_info_score` with its default arithmetic normalisation:
 * `NMI = I(A; B) / ((H(A) + H(B)) / 2)`, where `I(A; B) = sum_ij p_ij log(p_ij / (p_i p_j))` is the
 * mutual information of the joint label distribution `p_ij = n_ij / n` and `H` the entropy of each
 * labeling. 1 when one labeling determines the other (whatever the label names), near 0 for
 * independent ones. Used to score clusterings of features (k-means) against the true classes.
 * Edge cases as scikit-learn: two single-label (or empty) labelings score 1; zero mutual
 * information scores 0.
 *
 * @param labelsA - `[count]` integer labels (e.g. the classes).
 * @param labelsB - `[count]` integer labels (e.g. cluster indices).
 * @returns NMI in `[0, 1]`.
 *
 * @example
 * ```ts
 * nmi([0, 0, 1, 1], [5, 5, 2, 2]); // 1: the same partition under other names
 * nmi([0, 0, 1, 1], [0, 1, 0, 1]); // 0: independent
 * ```
 */
export function nmi(labelsA: ArrayLike<number>, labelsB: ArrayLike<number>): number {
  const table = contingencyTable(labelsA, labelsB, 'nmi');
  const { count, rows, columns, counts, rowSums, columnSums } = table;
  if (rows === columns && rows <= 1) return 1;
  let mutualInformation = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) {
      const n = counts[i * columns + j]!;
      if (n === 0) continue;
      // p_ij log(p_ij / (p_i p_j)) with p = n / count
      mutualInformation += (n / count) * Math.log((n * count) / (rowSums[i]! * columnSums[j]!));
    }
  }
  mutualInformation = Math.max(mutualInformation, 0);
  if (mutualInformation === 0) return 0;
  const normalizer = (entropy(rowSums, count) + entropy(columnSums, count)) / 2;
  return mutualInformation / normalizer;
}

function entropy(sizes: Float64Array, count: number): number {
  let h = 0;
  for (const size of sizes) if (size > 0) h -= (size / count) * Math.log(size / count);
  return h;
}
