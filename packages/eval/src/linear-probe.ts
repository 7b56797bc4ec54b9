import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkInteger, checkNumber, invalidArgument, type HostTensor, type Rng } from '@selfsup/core';
import { cosineSchedule } from '@selfsup/optim';
import { topKAccuracy } from './top-k-accuracy.js';
import { checkFeatures, checkFinite, checkLabels, inferClassCount } from './validate.js';

/** Options of {@link trainLinearProbe}. */
export interface LinearProbeOptions {
  /** `[count, dim]` frozen features of the training images (from {@link extractFeatures}). */
  features: HostTensor;
  /** `[count]` their class indices. */
  labels: ArrayLike<number>;
  /**
   * The number of classes (outputs of the classifier).
   * @defaultValue one more than the largest label
   */
  classCount?: number;
  /**
   * The peak learning rate of SGD, used as is (DINO's `--lr` is per 256 images: multiply it by
   * `batchSize / 256` to follow its linear scaling rule). It decays to 0 on a half cosine over
   * the epochs (`CosineAnnealingLR(epochs, eta_min=0)`, stepped per epoch).
   * @defaultValue 0.1
   */
  learningRate?: number;
  /** @defaultValue 100 (DINO's and iBOT's) */
  epochs?: number;
  /**
   * Images per SGD step; the last batch of an epoch may be smaller.
   * @defaultValue 256
   */
  batchSize?: number;
  /** SGD momentum (PyTorch's form: `v = momentum * v + g`, `p -= lr * v`). @defaultValue 0.9 */
  momentum?: number;
  /** L2 weight decay added to the gradient, on weight and bias. @defaultValue 0 (DINO's) */
  weightDecay?: number;
  /**
   * The standard deviation of the initial weights (normal, mean 0); the bias starts at 0.
   * @defaultValue 0.01 (DINO's `LinearClassifier`)
   */
  initStd?: number;
  /** The randomness of the initial weights (drawn first) and of each epoch's mini-batch order. */
  rng: Rng;
  /**
   * Called after every epoch with its mean training loss.
   * @defaultValue none
   */
  onEpoch?: (info: LinearProbeEpoch) => void;
}

/** What {@link LinearProbeOptions.onEpoch} receives. */
export interface LinearProbeEpoch {
  /** 0-based. */
  readonly epoch: number;
  /** The learning rate of this epoch. */
  readonly learningRate: number;
  /** The mean cross-entropy over the epoch's training images, before each step's update. */
  readonly loss: number;
}

/** Top-1 and top-5 accuracy, in percent. */
export interface Accuracy {
  readonly top1: number;
  /** The label among the 5 best classes (every image counts when there are 5 classes or fewer). */
  readonly top5: number;
}

/** A trained linear classifier on frozen features, held on the host. */
export interface LinearProbe {
  /** `[dim, classes]` (the transpose of PyTorch's `linear.weight`). */
  readonly weight: HostTensor;
  /** `[classes]`. */
  readonly bias: HostTensor;
  /** The number of classes. */
  readonly classCount: number;
  /** The mean training loss of the last epoch. */
  readonly finalLoss: number;
  /** `[count, dim] -> [count, classes]` logits `x W + b`, on the host. */
  scores(features: HostTensor): HostTensor;
  /** Top-1 and top-5 accuracy of the classifier on labelled features. */
  evaluate(features: HostTensor, labels: ArrayLike<number>): Accuracy;
}

/**
 * Trains a linear classifier on frozen features, the linear-probe evaluation of DINO and iBOT
 * (`eval_linear.py`): logits `x W + b`, the mean cross-entropy, SGD with momentum and a half-cosine
 * learning-rate decay per epoch, mini-batches in a fresh `rng` order every epoch. The backbone is
 * not involved: extract the features once with {@link extractFeatures} (usually with
 * `normalize: false`, as `eval_linear.py`). The gradient of the loss is written out
 * (`dL/dlogits = (softmax - onehot) / batch`), so no gradient registry is needed; the steps run on
 * the active backend and every tensor is freed before it returns.
 *
 * @returns the classifier, copied to the host.
 *
 * @example
 * ```ts
 * const probe = await trainLinearProbe({ features: train, labels: trainLabels, learningRate: 0.1, epochs: 50, rng: createRng(0) });
 * probe.evaluate(test, testLabels); // { top1, top5 }
 * ```
 */
export async function trainLinearProbe(options: LinearProbeOptions): Promise<LinearProbe> {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: 'trainLinearProbe(options)', expected: 'an options object', actual: options });
  }
  const { count, dim } = checkFeatures('trainLinearProbe(options.features)', options.features);
  const givenClassCount =
    options.classCount === undefined ? undefined : checkInteger('trainLinearProbe(options.classCount)', options.classCount, 1);
  const labels = checkLabels('trainLinearProbe(options.labels)', options.labels, count, givenClassCount);
  const classCount = givenClassCount ?? inferClassCount(labels);
  const learningRate = checkNumber('trainLinearProbe(options.learningRate)', options.learningRate ?? 0.1, 0);
  const epochs = checkInteger('trainLinearProbe(options.epochs)', options.epochs ?? 100, 1);
  const batchSize = Math.min(count, checkInteger('trainLinearProbe(options.batchSize)', options.batchSize ?? 256, 1));
  const momentum = checkNumber('trainLinearProbe(options.momentum)', options.momentum ?? 0.9, 0, 1);
  const weightDecay = checkNumber('trainLinearProbe(options.weightDecay)', options.weightDecay ?? 0, 0);
  const initStd = checkNumber('trainLinearProbe(options.initStd)', options.initStd ?? 0.01, 0);
  const { rng, onEpoch } = options;
  if (rng === null || typeof rng !== 'object' || typeof rng.permutation !== 'function') {
    throw invalidArgument({ argument: 'trainLinearProbe(options.rng)', expected: 'an Rng (createRng(seed) from @selfsup/core)', actual: rng });
  }
  checkFinite('trainLinearProbe(options.features)', options.features.data);

  // weights drawn row-major [dim, classes] before any batch order
  const initialWeight = new Float32Array(dim * classCount);
  for (let i = 0; i < initialWeight.length; i++) initialWeight[i] = initStd === 0 ? 0 : rng.normal(0, initStd);

  const x = tf.tensor2d(options.features.data, [count, dim]);
  const y = tf.tensor1d(labels, 'int32');
  // variables outlive the tidy; their initial values do not
  const [weight, bias, weightVelocity, biasVelocity] = tf.tidy(() => [
    tf.variable(tf.tensor2d(initialWeight, [dim, classCount]), false),
    tf.variable(tf.zeros([classCount]), false),
    tf.variable(tf.zeros([dim, classCount]), false),
    tf.variable(tf.zeros([classCount]), false),
  ]) as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const owned: tf.Tensor[] = [x, y, weight, bias, weightVelocity, biasVelocity];
  const stepsPerEpoch = Math.ceil(count / batchSize);
  // CosineAnnealingLR(T_max = epochs, eta_min = 0), stepped once per epoch: a half cosine over the
  // epochs, each epoch's value held for its steps
  const learningRates = cosineSchedule({ baseValue: learningRate, finalValue: 0, epochs, iterationsPerEpoch: stepsPerEpoch, updateEvery: 'epoch' });
  let finalLoss = Number.NaN;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const epochLearningRate = learningRates.at(epoch * stepsPerEpoch);
      const order = rng.permutation(count);
      const lossSums: tf.Scalar[] = [];
      try {
        for (let start = 0, step = epoch * stepsPerEpoch; start < count; start += batchSize, step++) {
          const indices = order.subarray(start, Math.min(count, start + batchSize));
          const stepLearningRate = learningRates.at(step);
          lossSums.push(
            tf.tidy('trainLinearProbe', () => {
              const batch = indices.length;
              const rows = tf.tensor1d(indices, 'int32');
              const xb = tf.gather(x, rows); // [N, D] -> [B, D]
              const targets = tf.cast(tf.oneHot(tf.gather(y, rows), classCount), 'float32'); // [B, C]
              const logits = tf.add(tf.matMul(xb, weight), bias); // [B, C]
              const logProbabilities = tf.logSoftmax(logits);
              const lossSum = tf.neg(tf.sum(tf.mul(targets, logProbabilities)));
              // d(mean cross-entropy)/d(logits) = (softmax - onehot) / B
              const gradLogits = tf.div(tf.sub(tf.exp(logProbabilities), targets), batch);
              let gradWeight: tf.Tensor = tf.matMul(xb, gradLogits, true, false); // [D, B] x [B, C] -> [D, C]
              let gradBias: tf.Tensor = tf.sum(gradLogits, 0); // [C]
              if (weightDecay > 0) {
                gradWeight = tf.add(gradWeight, tf.mul(weight, weightDecay));
                gradBias = tf.add(gradBias, tf.mul(bias, weightDecay));
              }
              weightVelocity.assign(tf.add(tf.mul(weightVelocity, momentum), gradWeight));
              biasVelocity.assign(tf.add(tf.mul(biasVelocity, momentum), gradBias));
              weight.assign(tf.sub(weight, tf.mul(weightVelocity, stepLearningRate)));
              bias.assign(tf.sub(bias, tf.mul(biasVelocity, stepLearningRate)));
              return lossSum as tf.Scalar;
            }),
          );
        }
        const total = tf.tidy(() => tf.addN(lossSums));
        const loss = (await total.data())[0]! / count;
        total.dispose();
        if (!Number.isFinite(loss)) {
          throw new SslError(
            'NON_FINITE_LOSS',
            `trainLinearProbe: the training loss became ${loss} in epoch ${epoch} at learning rate ${epochLearningRate}. ` +
              'Lower options.learningRate, or check the features for huge values.',
          );
        }
        finalLoss = loss;
        onEpoch?.({ epoch, learningRate: epochLearningRate, loss });
      } finally {
        tf.dispose(lossSums);
      }
    }
    const weightData = (await weight.data()) as Float32Array;
    const biasData = (await bias.data()) as Float32Array;
    return makeProbe({ shape: [dim, classCount], data: weightData }, { shape: [classCount], data: biasData }, finalLoss);
  } finally {
    tf.dispose(owned);
  }
}

function makeProbe(weight: HostTensor, bias: HostTensor, finalLoss: number): LinearProbe {
  const [dim, classCount] = weight.shape as [number, number];
  function scores(features: HostTensor): HostTensor {
    const sizes = checkFeatures('linearProbe.scores(features)', features);
    if (sizes.dim !== dim) {
      throw new SslError(
        'SHAPE_MISMATCH',
        `linearProbe.scores(features): expected rows of ${dim} values like the training features, got [${sizes.count}, ${sizes.dim}]. ` +
          'Extract the features with the same backbone and token option.',
        { details: { argument: 'linearProbe.scores(features)', expected: dim, actual: sizes.dim } },
      );
    }
    const out = new Float32Array(sizes.count * classCount);
    const row = new Float64Array(classCount);
    for (let i = 0; i < sizes.count; i++) {
      for (let c = 0; c < classCount; c++) row[c] = bias.data[c]!;
      for (let d = 0; d < dim; d++) {
        const value = features.data[i * dim + d]!;
        if (value === 0) continue;
        const w = d * classCount;
        for (let c = 0; c < classCount; c++) row[c]! += value * weight.data[w + c]!;
      }
      out.set(row, i * classCount);
    }
    return { shape: [sizes.count, classCount], data: out };
  }
  return {
    weight,
    bias,
    classCount,
    finalLoss,
    scores,
    evaluate(features: HostTensor, labels: ArrayLike<number>): Accuracy {
      const logits = scores(features);
      checkLabels('linearProbe.evaluate(labels)', labels, logits.shape[0]!, classCount);
      return { top1: topKAccuracy(logits, labels, 1), top5: topKAccuracy(logits, labels, 5) };
    },
  };
}
