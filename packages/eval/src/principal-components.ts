import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link principalComponents}. */
export interface PrincipalComponentsOptions {
  /** How many components. @defaultValue 3 */
  count?: number;
  /**
   * `[rows]` 0/1 weights: only rows with weight 1 define the mean and the covariance.
   * @defaultValue every row
   */
  rowWeights?: tf.Tensor1D;
}

/** The result of {@link principalComponents}. */
export interface PrincipalComponents {
  /** `[dim]`: the (weighted) mean of the rows. */
  readonly mean: tf.Tensor1D;
  /** `[dim, count]`: unit principal directions, by decreasing variance, columns. */
  readonly directions: tf.Tensor2D;
}

/** Squarings of the covariance before power iteration (the iteration then runs on `C^(2^n)`). */
const SQUARINGS = 2;
/** Power iterations per component, on `C^4`: a gap `lambda2 / lambda1` shrinks as its 200th power. */
const ITERATIONS = 50;

/**
 * The principal directions of the rows of `x` (`[rows, dim]`), on the device with no read back:
 * the covariance `C`, then per component a power iteration on `C^4` started from its largest
 * column, and deflation `C - lambda v v^T`. Each direction's sign is fixed so that its
 * largest-magnitude coordinate is positive, so the same features give the same picture in every
 * run. Directions of a zero covariance (constant features) are zero. Call inside a tidy or dispose
 * the result.
 */
export function principalComponents(x: tf.Tensor2D, options: PrincipalComponentsOptions = {}): PrincipalComponents {
  const count = options.count ?? 3;
  return tf.tidy('principalComponents', () => {
    const [rows, dim] = x.shape;
    const weights = tf.reshape(options.rowWeights ?? tf.ones([rows]), [rows, 1]); // [M, 1]
    const total = tf.maximum(tf.sum(weights), 1);
    const mean = tf.div(tf.sum(tf.mul(x, weights), 0), total) as tf.Tensor1D; // [D]
    const centred = tf.sub(x, mean) as tf.Tensor2D;
    // C = sum_m w_m (x_m - mean)(x_m - mean)^T / (n - 1): [D, M] x [M, D]
    let covariance = tf.div(tf.matMul(tf.mul(centred, weights), centred, true, false), tf.maximum(tf.sub(total, 1), 1)) as tf.Tensor2D;
    const directions: tf.Tensor2D[] = [];
    for (let k = 0; k < Math.min(count, dim); k++) {
      const v = topEigenvector(covariance); // [D, 1]
      const lambda = tf.matMul(tf.matMul(v, covariance, true, false), v); // [1, 1]
      covariance = tf.sub(covariance, tf.mul(lambda, tf.matMul(v, v, false, true)));
      directions.push(v);
    }
    for (let k = directions.length; k < count; k++) directions.push(tf.zeros([dim, 1]));
    return { mean, directions: tf.concat(directions, 1) as tf.Tensor2D };
  });
}

/** The unit eigenvector `[D, 1]` of the largest eigenvalue of a symmetric PSD `[D, D]`, sign fixed. */
function topEigenvector(covariance: tf.Tensor2D): tf.Tensor2D {
  let power = normaliseFrobenius(covariance);
  for (let i = 0; i < SQUARINGS; i++) power = normaliseFrobenius(tf.matMul(power, power));
  // start from the largest column of C^4: it is already close to the top direction
  const columnNorms = tf.sum(tf.square(power), 0); // [D]
  const dim = covariance.shape[0];
  let v = tf.matMul(power, tf.reshape(tf.cast(tf.oneHot(tf.argMax(columnNorms), dim), 'float32'), [dim, 1])) as tf.Tensor2D;
  v = normaliseVector(v);
  for (let i = 0; i < ITERATIONS; i++) v = normaliseVector(tf.matMul(power, v));
  return fixSign(v);
}

function normaliseFrobenius(m: tf.Tensor2D): tf.Tensor2D {
  return tf.div(m, tf.add(tf.sqrt(tf.sum(tf.square(m))), 1e-30)) as tf.Tensor2D;
}

function normaliseVector(v: tf.Tensor2D): tf.Tensor2D {
  return tf.div(v, tf.add(tf.sqrt(tf.sum(tf.square(v))), 1e-30)) as tf.Tensor2D;
}

/** Multiplies `v` (`[D, 1]`) by the sign of its largest-magnitude coordinate (+1 for a zero vector). */
function fixSign(v: tf.Tensor2D): tf.Tensor2D {
  const dim = v.shape[0];
  const flat = tf.reshape(v, [dim]);
  const largest = tf.sum(tf.mul(flat, tf.cast(tf.oneHot(tf.argMax(tf.abs(flat)), dim), 'float32')));
  const sign = tf.where(tf.less(largest, 0), tf.scalar(-1), tf.scalar(1));
  return tf.mul(v, sign) as tf.Tensor2D;
}
