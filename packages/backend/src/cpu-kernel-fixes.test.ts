import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/core';
import { useBackend, type BackendName } from './use-backend.js';
import { cpuSegmentSumIsOnePass } from './cpu-kernel-fixes.js';

beforeAll(async () => {
  await useBackend('cpu');
});

afterAll(async () => {
  await useBackend((process.env.SELFSUP_TEST_BACKEND ?? 'cpu') as BackendName);
});

/** `out[ids[r], j] += x[r, j]` in float64, rows in order, ids outside [0, segments) dropped. */
function segmentSumByHand(x: Float32Array, inner: number, ids: readonly number[], segments: number): number[] {
  const out = new Float64Array(segments * inner);
  ids.forEach((id, row) => {
    if (id < 0 || id >= segments) return;
    for (let j = 0; j < inner; j++) out[id * inner + j]! += x[row * inner + j]!;
  });
  return Array.from(Float32Array.from(out));
}

describe('installCpuKernelFixes (via useBackend("cpu"))', () => {
  it('registers the one-pass UnsortedSegmentSum as the cpu kernel', () => {
    expect(cpuSegmentSumIsOnePass()).toBe(true);
  });

  it('sums rows into segments as the definition, dropping out-of-range ids, for float32 and int32', () => {
    const rng = createRng(7);
    const x = Float32Array.from({ length: 50 * 6 }, () => rng.normal());
    const ids = Array.from({ length: 50 }, () => rng.integer(-2, 12)); // some ids < 0 or >= 10
    const sums = tf.tidy(() => Array.from(tf.unsortedSegmentSum(tf.tensor3d(x, [50, 2, 3]), tf.tensor1d(ids, 'int32'), 10).dataSync()));
    expect(sums).toEqual(segmentSumByHand(x, 6, ids, 10));
    const ints = tf.tidy(() => {
      const result = tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([2, 0, 2, 5], 'int32'), 3);
      return { dtype: result.dtype, values: Array.from(result.dataSync()) };
    });
    expect(ints).toEqual({ dtype: 'int32', values: [2, 0, 4] });
  });

  it("gives gather's gradient: every picked row's upstream gradient added back to its source row", () => {
    const picks = [3, 0, 3, 1, 3];
    const grad = tf.tidy(() => {
      const f = (params: tf.Tensor) => tf.sum(tf.mul(tf.gather(params, tf.tensor1d(picks, 'int32')), tf.reshape(tf.range(1, 11), [5, 2])));
      return Array.from(tf.grad(f)(tf.zeros([4, 2])).dataSync());
    });
    // weights per picked row: [1, 2], [3, 4], [5, 6], [7, 8], [9, 10]; row 3 gets picks 0, 2 and 4
    expect(grad).toEqual([3, 4, 7, 8, 0, 0, 1 + 5 + 9, 2 + 6 + 10]);
  });
});
