import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkPositive, invalidArgument, SslError, type HostTensor } from '@selfsup/core';
import { rankOfLabel } from './top-k-accuracy.js';
import { checkFeatures, checkFinite, checkLabels, inferClassCount } from './validate.js';

/** Options of {@link knnClassifier}. */
export interface KnnClassifierOptions {
  /** `[trainCount, dim]` features of the labelled images, rows L2-normalised (see {@link extractFeatures}). */
  trainFeatures: HostTensor;
  /** `[trainCount]` class indices of the training images. */
  trainLabels: ArrayLike<number>;
  /** `[testCount, dim]` features of the images to classify, rows L2-normalised. */
  testFeatures: HostTensor;
  /** `[testCount]` true class indices of the test images. */
  testLabels: ArrayLike<number>;
  /**
   * How many nearest training images vote (`k` of `eval_knn.py`; 20 works best in DINO and iBOT).
   * @defaultValue 20
   */
  k?: number;
  /**
   * The temperature `T` of the vote weights `exp(similarity / T)`.
   * @defaultValue 0.07
   */
  temperature?: number;
  /**
   * The number of classes; classes that get no vote still take part in the top-5 ranking.
   * @defaultValue one more than the largest train or test label
   */
  classCount?: number;
  /**
   * Test rows whose similarities to every training row are computed at once.
   * @defaultValue as many as fit 2^22 similarities (16 MB), at least 1
   */
  chunkSize?: number;
}

/** What {@link knnClassifier} returns. */
export interface KnnResult {
  /** Top-1 accuracy in percent. */
  readonly top1: number;
  /** Top-5 accuracy in percent (the label among the first `min(5, k)` classes). */
  readonly top5: number;
  /** `[testCount]` the predicted (best-voted) class of each test image. */
  readonly predictions: Int32Array;
}

const DEFAULT_SIMILARITIES_PER_CHUNK = 1 << 22;

/**
 * The weighted k-nearest-neighbour classifier of DINO and iBOT (`knn_classifier` in
 * `eval_knn.py`), the standard way to judge self-supervised features without training anything.
 * Each test image finds the `k` training images of highest cosine similarity `s` (the dot product
 * of L2-normalised features); each of them votes for its class with weight `exp(s / T)`; classes are
 * ranked by their summed votes. Top-1 counts the test images whose best class is right, top-5
 * those whose class is among the first `min(5, k)` (DINO's rule; iBOT's `5` is the same for
 * `k >= 5`), both in percent of the test set.
 *
 * Ties, made explicit: among equal similarities the lower training index is the nearer
 * neighbour (PyTorch's `topk` leaves this order unspecified; it matters only when the k-th and
 * (k+1)-th similarities are exactly equal and their labels differ); among equal class scores the
 * lower class index ranks first, as PyTorch's CPU sort orders them (so with few voted classes,
 * unvoted classes fill the top 5 in index order, exactly as in `eval_knn.py`). Vote weights are
 * computed as `exp((s - s_max) / T)`, the official weights times one positive constant per test
 * image: the same ranking, without overflow at small temperatures.
 *
 * Similarities are computed on the active backend, a chunk of test rows at a time; the selection
 * and the vote run on the host. The features are not normalised here: pass normalised rows.
 *
 * @returns top-1 and top-5 accuracy in percent, and the predicted class of every test image.
 *
 * @example
 * ```ts
 * const trainFeatures = await extractFeatures(vit, trainImages); // [N, D], rows L2-normalised
 * const testFeatures = await extractFeatures(vit, testImages);
 * const { top1, top5 } = await knnClassifier({ trainFeatures, trainLabels, testFeatures, testLabels, k: 20, temperature: 0.07 });
 * ```
 */
export async function knnClassifier(options: KnnClassifierOptions): Promise<KnnResult> {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: 'knnClassifier(options)', expected: 'an options object', actual: options });
  }
  const train = checkFeatures('knnClassifier(options.trainFeatures)', options.trainFeatures);
  const test = checkFeatures('knnClassifier(options.testFeatures)', options.testFeatures);
  if (train.dim !== test.dim) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `knnClassifier(options.testFeatures): expected rows of ${train.dim} values like the training features, got [${test.count}, ${test.dim}]. ` +
        'Extract both sets with the same backbone and token option.',
      { details: { argument: 'knnClassifier(options.testFeatures)', expected: train.dim, actual: test.dim } },
    );
  }
  const k = checkInteger('knnClassifier(options.k)', options.k ?? 20, 1);
  if (k > train.count) {
    throw invalidArgument({
      argument: 'knnClassifier(options.k)',
      expected: `at most the number of training images (${train.count})`,
      actual: k,
      fix: 'Lower k or use more training images.',
    });
  }
  const temperature = checkPositive('knnClassifier(options.temperature)', options.temperature ?? 0.07);
  const givenClassCount =
    options.classCount === undefined ? undefined : checkInteger('knnClassifier(options.classCount)', options.classCount, 1);
  const trainLabels = checkLabels('knnClassifier(options.trainLabels)', options.trainLabels, train.count, givenClassCount);
  const testLabels = checkLabels('knnClassifier(options.testLabels)', options.testLabels, test.count, givenClassCount);
  const classCount = givenClassCount ?? inferClassCount(trainLabels, testLabels);
  const chunkSize = Math.min(
    test.count,
    options.chunkSize === undefined
      ? Math.max(1, Math.floor(DEFAULT_SIMILARITIES_PER_CHUNK / train.count))
      : checkInteger('knnClassifier(options.chunkSize)', options.chunkSize, 1),
  );
  checkFinite('knnClassifier(options.trainFeatures)', options.trainFeatures.data);
  checkFinite('knnClassifier(options.testFeatures)', options.testFeatures.data);

  const top5Depth = Math.min(5, k);
  const predictions = new Int32Array(test.count);
  const neighbourSimilarity = new Float64Array(k);
  const neighbourIndex = new Int32Array(k);
  const votes = new Float64Array(classCount);
  let top1Correct = 0;
  let top5Correct = 0;

  const trainMatrix = tf.tensor2d(options.trainFeatures.data, [train.count, train.dim]);
  try {
    for (let start = 0; start < test.count; start += chunkSize) {
      const rows = Math.min(chunkSize, test.count - start);
      const chunk = options.testFeatures.data.subarray(start * test.dim, (start + rows) * test.dim);
      const similarityTensor = tf.tidy('knnClassifier', () =>
        // [rows, D] x [trainCount, D]^T -> [rows, trainCount]
        tf.matMul(tf.tensor2d(chunk, [rows, test.dim]), trainMatrix, false, true),
      );
      let similarity: Float32Array;
      try {
        similarity = (await similarityTensor.data()) as Float32Array;
      } finally {
        similarityTensor.dispose();
      }
      for (let row = 0; row < rows; row++) {
        const found = selectNearest(similarity, row * train.count, train.count, k, neighbourSimilarity, neighbourIndex);
        votes.fill(0);
        const highest = neighbourSimilarity[0]!;
        for (let j = 0; j < found; j++) {
          votes[trainLabels[neighbourIndex[j]!]!]! += Math.exp((neighbourSimilarity[j]! - highest) / temperature);
        }
        const label = testLabels[start + row]!;
        const rank = rankOfLabel(votes, 0, classCount, label);
        if (rank === 0) top1Correct++;
        if (rank < top5Depth) top5Correct++;
        let best = 0;
        for (let c = 1; c < classCount; c++) if (votes[c]! > votes[best]!) best = c;
        predictions[start + row] = best;
      }
    }
  } finally {
    trainMatrix.dispose();
  }
  return {
    top1: (top1Correct * 100) / test.count,
    top5: (top5Correct * 100) / test.count,
    predictions,
  };
}

/**
 * Writes the `k` largest values of `values[offset .. offset + length)` into `outValues` (in
 * decreasing order) and their positions into `outIndices`; equal values keep the lower position
 * first. Returns how many were found (`min(k, length)`).
 */
function selectNearest(
  values: Float32Array,
  offset: number,
  length: number,
  k: number,
  outValues: Float64Array,
  outIndices: Int32Array,
): number {
  let size = 0;
  for (let j = 0; j < length; j++) {
    const value = values[offset + j]!;
    // strictly greater: an equal value met later (higher index) never displaces an earlier one
    if (size === k && !(value > outValues[k - 1]!)) continue;
    let position = size === k ? k - 1 : size++;
    while (position > 0 && value > outValues[position - 1]!) {
      outValues[position] = outValues[position - 1]!;
      outIndices[position] = outIndices[position - 1]!;
      position--;
    }
    outValues[position] = value;
    outIndices[position] = j;
  }
  return size;
}
