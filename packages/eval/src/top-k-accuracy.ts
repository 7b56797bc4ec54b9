import { checkInteger, type HostTensor } from '@selfsup/core';
import { checkFeatures, checkLabels } from './validate.js';

/**
 * The position of class `label` when the classes of one row are sorted by decreasing score, ties
 * broken by the lower class index (the order of PyTorch's CPU sort on a few classes): the number
 * of classes that score higher, plus those that score the same with a lower index.
 */
export function rankOfLabel(scores: Float32Array | Float64Array, offset: number, classCount: number, label: number): number {
  const own = scores[offset + label]!;
  let rank = 0;
  for (let c = 0; c < classCount; c++) {
    const s = scores[offset + c]!;
    if (s > own || (s === own && c < label)) rank++;
  }
  return rank;
}

/**
 * Top-k accuracy in percent: the share of rows whose true class is among the `k` highest scores.
 * Classes are ranked by decreasing score; equal scores rank the lower class index first, as PyTorch's
 * (stable) CPU sort in `eval_knn.py` and `utils.accuracy` orders them, so the result does not depend
 * on a sort's whims. `k` larger than the number of classes counts every row as correct.
 *
 * @param scores - `[count, classes]`: logits, probabilities or k-NN votes (any monotone score).
 * @param labels - `[count]` true class indices in `[0, classes)`.
 * @param k - how many of the best classes may hold the label (1 for top-1, 5 for top-5).
 * @returns the percentage of correct rows, in `[0, 100]`.
 *
 * @example
 * ```ts
 * // row 0 ranks class 1 first; row 1 ranks class 0 first, then class 1
 * const scores = hostTensor([2, 3], [0.1, 0.7, 0.2, 0.5, 0.3, 0.2]);
 * topKAccuracy(scores, [1, 1], 1); // 50
 * topKAccuracy(scores, [1, 1], 2); // 100
 * ```
 */
export function topKAccuracy(scores: HostTensor, labels: ArrayLike<number>, k: number): number {
  const { count, dim: classCount } = checkFeatures('topKAccuracy(scores)', scores);
  const checked = checkLabels('topKAccuracy(labels)', labels, count, classCount);
  checkInteger('topKAccuracy(k)', k, 1);
  let correct = 0;
  for (let i = 0; i < count; i++) {
    if (rankOfLabel(scores.data, i * classCount, classCount, checked[i]!) < k) correct++;
  }
  return (correct * 100) / count;
}

/**
 * The best class of each row: the index of its highest score, the lower index on ties.
 *
 * @param scores - `[count, classes]` scores.
 * @returns `[count]` class indices.
 *
 * @example
 * ```ts
 * argmaxRows(hostTensor([2, 2], [0.2, 0.8, 0.5, 0.5])); // Int32Array [1, 0]
 * ```
 */
export function argmaxRows(scores: HostTensor): Int32Array {
  const { count, dim } = checkFeatures('argmaxRows(scores)', scores);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const offset = i * dim;
    let best = 0;
    for (let c = 1; c < dim; c++) if (scores.data[offset + c]! > scores.data[offset + best]!) best = c;
    out[i] = best;
  }
  return out;
}
