import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/core';
import { expectClose } from '@selfsup/testing';
import { useBackend } from './use-backend.js';

beforeAll(async () => {
  await useBackend('wasm', { threads: 2 });
});

afterAll(async () => {
  await useBackend('cpu');
});

/** Runs `fn` on cpu, then on wasm (2 threads), and returns both results. */
async function onBoth(fn: () => Float32Array | Int32Array): Promise<{ cpu: number[]; wasm: number[] }> {
  await useBackend('cpu');
  const cpu = Array.from(fn());
  await useBackend('wasm', { threads: 2 });
  const wasm = Array.from(fn());
  return { cpu, wasm };
}

describe('installWasmKernelFixes (via useBackend)', () => {
  it('makes float32 one-hot rows of ones and zeros, and honours onValue/offValue', () => {
    const rows = tf.tidy(() => Array.from(tf.oneHot(tf.tensor1d([2, 0, 5], 'int32'), 3, 1, 0, 'float32').dataSync()));
    // index 5 is out of range: an all-off row
    expect(rows).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 0]);
    const custom = tf.tidy(() => Array.from(tf.oneHot(tf.tensor1d([1], 'int32'), 3, 0.5, -0.25, 'float32').dataSync()));
    expect(custom).toEqual([-0.25, 0.5, -0.25]);
    const ints = tf.tidy(() => Array.from(tf.oneHot(tf.tensor1d([1, 0], 'int32'), 2).dataSync()));
    expect(ints).toEqual([0, 1, 1, 0]);
  });

  it('gathers with batchDims = 1 like cpu (a permutation of 16 rows per batch item)', async () => {
    const permutation = Array.from(createRng(4).permutation(16));
    const gather = (): Float32Array =>
      tf.tidy(() => {
        const x = tf.tensor3d(Float32Array.from({ length: 2 * 16 * 5 }, (_, i) => Math.sin(i)), [2, 16, 5]);
        const keep = tf.tensor2d([permutation, [...permutation].reverse()], [2, 16], 'int32');
        return tf.gather(x, keep, 1, 1).dataSync() as Float32Array;
      });
    const { cpu, wasm } = await onBoth(gather);
    expect(wasm).toEqual(cpu);
  });

  it('gathers [[0, 2], [1, 3]] from each batch item of [2, 4, 3] by hand', () => {
    const picked = tf.tidy(() => {
      const x = tf.reshape(tf.range(0, 24), [2, 4, 3]); // item 0 rows 0..3 start at 0, 3, 6, 9; item 1 at 12, 15, 18, 21
      return Array.from(tf.gather(x, tf.tensor2d([[0, 2], [1, 3]], [2, 2], 'int32'), 1, 1).dataSync());
    });
    expect(picked).toEqual([0, 1, 2, 6, 7, 8, 15, 16, 17, 21, 22, 23]);
  });

  it('sums segments: rows 0 and 2 into segment 1, row 1 into segment 0, segment 2 empty', () => {
    const sums = tf.tidy(() =>
      Array.from(
        tf
          .unsortedSegmentSum(
            tf.tensor2d([
              [1, 2],
              [3, 4],
              [5, 6],
            ]),
            tf.tensor1d([1, 0, 1], 'int32'),
            3,
          )
          .dataSync(),
      ),
    );
    // segment 0 = [3, 4]; segment 1 = [1 + 5, 2 + 6]; segment 2 = [0, 0]
    expect(sums).toEqual([3, 4, 6, 8, 0, 0]);
  });

  it('differentiates gather (with and without batchDims) like cpu', async () => {
    const gradients = (): Float32Array =>
      tf.tidy(() => {
        const x = tf.tensor3d(Float32Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.cos(i)), [2, 4, 3]);
        const weights = tf.tensor3d(Float32Array.from({ length: 2 * 3 * 3 }, (_, i) => i + 1), [2, 3, 3]);
        const loss = (input: tf.Tensor): tf.Scalar => {
          const batched = tf.gather(input, tf.tensor2d([[3, 0, 3], [1, 2, 1]], [2, 3], 'int32'), 1, 1); // [2, 3, 3]
          const plain = tf.gather(input, tf.tensor1d([1, 1], 'int32'), 2); // [2, 4, 2]
          return tf.add(tf.sum(tf.mul(batched, weights)), tf.sum(plain)) as tf.Scalar;
        };
        return tf.grad(loss)(x).dataSync() as Float32Array;
      });
    const { cpu, wasm } = await onBoth(gradients);
    expectClose(wasm, cpu, { rtol: 1e-6, atol: 1e-6 }, 'gather gradient');
  });

  it('leaves no tensor or wasm buffer behind', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tf.ones([2, 4, 3]);
    const ids = tf.tensor2d([[0, 1], [2, 3]], [2, 2], 'int32');
    const segments = tf.tensor1d([0, 1], 'int32');
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    tf.gather(x, ids, 1, 1).dispose();
    tf.oneHot(segments, 4, 1, 0, 'float32').dispose();
    tf.unsortedSegmentSum(x, segments, 3).dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
    tf.dispose([x, ids, segments]);
  });
});
