import { checkInteger, invalidArgument, type HostTensor, type Rng } from '@selfsup/core';
import { checkFeatures, checkFinite } from './validate.js';

/** Options of {@link kmeans}. */
export interface KmeansOptions {
  /**
   * The most Lloyd iterations (assign, then move each centroid to its points' mean) per run; a
   * run stops earlier when no assignment changes.
   * @defaultValue 100
   */
  iterations?: number;
  /**
   * Runs from different k-means++ seeds; the one of lowest inertia is kept (scikit-learn's `n_init`).
   * @defaultValue 1
   */
  restarts?: number;
}

/** What {@link kmeans} returns. */
export interface KmeansResult {
  /** `[count]` the cluster of each row, in `[0, k)`. */
  readonly assignments: Int32Array;
  /** `[k, dim]` the cluster means. */
  readonly centroids: HostTensor;
  /** The sum of squared distances from each row to its centroid. */
  readonly inertia: number;
  /** Lloyd iterations the kept run took. */
  readonly iterations: number;
}

/**
 * Clusters feature rows into `k` groups with k-means: seeds by k-means++ (the first centroid a
 * uniformly drawn row, each next one a row drawn with probability proportional to its squared
 * distance to the nearest centroid so far), then Lloyd iterations (assign every row to its nearest
 * centroid, the lower index on ties, and move each centroid to the mean of its rows) until the
 * assignments or the centroids stop changing. A cluster left empty is moved to the row farthest from its centroid,
 * as scikit-learn does. Runs on the host in float64; the randomness comes from `rng` only. Use it
 * to score features with {@link nmi} and {@link adjustedRandIndex} against the true classes.
 *
 * @param features - `[count, dim]` rows (e.g. from {@link extractFeatures}).
 * @param k - the number of clusters, in `[1, count]`.
 * @param rng - the randomness of the seeding.
 *
 * @example
 * ```ts
 * const { assignments } = kmeans(features, 10, createRng(0), { restarts: 3 });
 * nmi(labels, assignments); // how well the clusters recover the classes
 * ```
 */
export function kmeans(features: HostTensor, k: number, rng: Rng, options: KmeansOptions = {}): KmeansResult {
  const { count, dim } = checkFeatures('kmeans(features)', features);
  checkInteger('kmeans(k)', k, 1);
  if (k > count) {
    throw invalidArgument({
      argument: 'kmeans(k)',
      expected: `at most the number of rows (${count})`,
      actual: k,
      fix: 'Ask for fewer clusters or pass more rows.',
    });
  }
  if (rng === null || typeof rng !== 'object' || typeof rng.next !== 'function') {
    throw invalidArgument({ argument: 'kmeans(rng)', expected: 'an Rng (createRng(seed) from @selfsup/core)', actual: rng });
  }
  const iterations = checkInteger('kmeans(options.iterations)', options.iterations ?? 100, 1);
  const restarts = checkInteger('kmeans(options.restarts)', options.restarts ?? 1, 1);
  checkFinite('kmeans(features)', features.data);
  const x = Float64Array.from(features.data);

  let best: KmeansResult | undefined;
  for (let run = 0; run < restarts; run++) {
    const result = lloyd(x, count, dim, k, seedPlusPlus(x, count, dim, k, rng), iterations);
    if (best === undefined || result.inertia < best.inertia) best = result;
  }
  return best!;
}

function squaredDistance(x: Float64Array, row: number, centroids: Float64Array, centroid: number, dim: number): number {
  let s = 0;
  const a = row * dim;
  const b = centroid * dim;
  for (let d = 0; d < dim; d++) {
    const diff = x[a + d]! - centroids[b + d]!;
    s += diff * diff;
  }
  return s;
}

/** k-means++ seeding: `[k, dim]` initial centroids, copies of rows. */
function seedPlusPlus(x: Float64Array, count: number, dim: number, k: number, rng: Rng): Float64Array {
  const centroids = new Float64Array(k * dim);
  const nearest = new Float64Array(count).fill(Infinity);
  let chosen = rng.integer(0, count);
  for (let c = 0; c < k; c++) {
    centroids.set(x.subarray(chosen * dim, (chosen + 1) * dim), c * dim);
    if (c === k - 1) break;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const d = squaredDistance(x, i, centroids, c, dim);
      if (d < nearest[i]!) nearest[i] = d;
      total += nearest[i]!;
    }
    if (total === 0) {
      // every row sits on a centroid already: any row will do
      chosen = rng.integer(0, count);
      continue;
    }
    const target = rng.next() * total;
    let cumulative = 0;
    chosen = -1;
    for (let i = 0; i < count; i++) {
      if (nearest[i]! === 0) continue;
      cumulative += nearest[i]!;
      if (cumulative > target) {
        chosen = i;
        break;
      }
    }
    if (chosen < 0) {
      // rounding left target at the very end: take the last row with a positive distance
      for (let i = count - 1; i >= 0 && chosen < 0; i--) if (nearest[i]! > 0) chosen = i;
    }
  }
  return centroids;
}

function lloyd(x: Float64Array, count: number, dim: number, k: number, centroids: Float64Array, iterations: number): KmeansResult {
  const assignments = new Int32Array(count).fill(-1);
  const distances = new Float64Array(count);
  const sizes = new Float64Array(k);
  const previous = new Float64Array(k * dim);
  let iteration = 0;
  for (; iteration < iterations; iteration++) {
    let changed = assign(x, count, dim, k, centroids, assignments, distances);
    previous.set(centroids);
    // move each centroid to its rows' mean
    centroids.fill(0);
    sizes.fill(0);
    for (let i = 0; i < count; i++) {
      const c = assignments[i]!;
      sizes[c]!++;
      for (let d = 0; d < dim; d++) centroids[c * dim + d]! += x[i * dim + d]!;
    }
    // an empty cluster takes the row farthest from its centroid (from a cluster of 2+ rows)
    for (let c = 0; c < k; c++) {
      if (sizes[c]! > 0) continue;
      let far = -1;
      for (let i = 0; i < count; i++) {
        if (sizes[assignments[i]!]! > 1 && (far < 0 || distances[i]! > distances[far]!)) far = i;
      }
      if (far < 0) continue; // impossible when k <= count (some cluster holds 2+ rows)
      const from = assignments[far]!;
      for (let d = 0; d < dim; d++) {
        centroids[from * dim + d]! -= x[far * dim + d]!;
        centroids[c * dim + d] = x[far * dim + d]!;
      }
      sizes[from]!--;
      sizes[c] = 1;
      assignments[far] = c;
      distances[far] = 0;
      changed = true;
    }
    for (let c = 0; c < k; c++) {
      if (sizes[c]! > 0) for (let d = 0; d < dim; d++) centroids[c * dim + d]! /= sizes[c]!;
    }
    // converged: no row changed cluster, or no centroid moved (duplicate rows traded between clusters)
    if (!changed || centroids.every((v, i) => v === previous[i])) break;
  }
  // final assignment to the final centroids, and its inertia
  assign(x, count, dim, k, centroids, assignments, distances);
  let inertia = 0;
  for (let i = 0; i < count; i++) inertia += distances[i]!;
  return {
    assignments,
    centroids: { shape: [k, dim], data: Float32Array.from(centroids) },
    inertia,
    iterations: Math.min(iteration + 1, iterations),
  };
}

/** Assigns each row to its nearest centroid (lower index on ties); true if any assignment changed. */
function assign(
  x: Float64Array,
  count: number,
  dim: number,
  k: number,
  centroids: Float64Array,
  assignments: Int32Array,
  distances: Float64Array,
): boolean {
  let changed = false;
  for (let i = 0; i < count; i++) {
    let best = 0;
    let bestDistance = squaredDistance(x, i, centroids, 0, dim);
    for (let c = 1; c < k; c++) {
      const d = squaredDistance(x, i, centroids, c, dim);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    if (assignments[i] !== best) changed = true;
    assignments[i] = best;
    distances[i] = bestDistance;
  }
  return changed;
}
