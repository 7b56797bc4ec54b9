import { SslError, invalidArgument, type HostTensor } from '@selfsup/core';

/** The sizes of a `[count, dim]` feature matrix. */
export interface FeatureSizes {
  readonly count: number;
  readonly dim: number;
}

/** Checks that `features` is a `[count, dim]` host tensor of float32 values and returns its sizes. */
export function checkFeatures(argument: string, features: HostTensor): FeatureSizes {
  if (features === null || typeof features !== 'object' || !(features.data instanceof Float32Array)) {
    throw invalidArgument({
      argument,
      expected: 'a host tensor { shape: [count, dim], data: Float32Array }',
      actual: features,
      fix: 'Pass the result of extractFeatures, or hostTensor([count, dim], values) from @selfsup/core.',
    });
  }
  const { shape, data } = features;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `${argument}: expected shape [count, dim] with count, dim >= 1, got [${String(shape)}]. Reshape the features to one row per image.`,
      { details: { argument, expected: '[count, dim]', actual: shape } },
    );
  }
  const [count, dim] = shape as [number, number];
  if (data.length !== count * dim) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `${argument}: shape [${count}, ${dim}] holds ${count * dim} values, but data has ${data.length}.`,
      { details: { argument, expected: count * dim, actual: data.length } },
    );
  }
  return { count, dim };
}

/**
 * Checks that `labels` holds `count` non-negative integers (below `classCount` when given) and
 * returns them as an `Int32Array` (the same array when it is one).
 */
export function checkLabels(argument: string, labels: ArrayLike<number>, count: number, classCount?: number): Int32Array {
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw invalidArgument({ argument, expected: `an array of ${count} class indices`, actual: labels });
  }
  if (labels.length !== count) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `${argument}: expected ${count} labels (one per feature row), got ${labels.length}. Pass the labels of the same images, in the same order.`,
      { details: { argument, expected: count, actual: labels.length } },
    );
  }
  const out = labels instanceof Int32Array ? labels : new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = labels[i]!;
    const inRange = Number.isInteger(label) && label >= 0 && (classCount === undefined || label < classCount);
    if (!inRange) {
      throw invalidArgument({
        argument: `${argument}[${i}]`,
        expected: classCount === undefined ? 'a non-negative integer class index' : `an integer class index in [0, ${classCount})`,
        actual: label,
        fix: classCount === undefined ? 'Map class names to 0, 1, 2, ...' : 'Raise classCount, or map the classes to 0 .. classCount - 1.',
      });
    }
    out[i] = label;
  }
  return out;
}

/** One more than the largest label of any of `labelSets` (at least 1). */
export function inferClassCount(...labelSets: readonly Int32Array[]): number {
  let max = 0;
  for (const labels of labelSets) for (const label of labels) if (label > max) max = label;
  return max + 1;
}

/** Throws unless every value of `data` is finite (features before a k-NN vote or a probe). */
export function checkFinite(argument: string, data: Float32Array | Float64Array): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw invalidArgument({
        argument: `${argument}[${i}]`,
        expected: 'a finite number',
        actual: data[i],
        fix: 'Look for NaN or infinite features: a diverged backbone, or images with NaN pixels.',
      });
    }
  }
}
