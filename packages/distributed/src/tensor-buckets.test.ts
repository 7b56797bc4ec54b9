import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { planBuckets, readBucket, splitBucket } from './tensor-buckets.js';
import { allReduceTensors } from './all-reduce-tensors.js';
import { createLocalCommunicator } from './local-communicator.js';

describe('gradient buckets', () => {
  it('groups tensors in order into buckets of at most bucketBytes (a larger tensor alone)', () => {
    const tensors = [tf.zeros([2]), tf.zeros([2]), tf.zeros([10]), tf.zeros([1])];
    const buckets = planBuckets(tensors, 16);
    expect(buckets.map((b) => b.map((t) => t.size))).toEqual([[2, 2], [10], [1]]);
    tf.dispose(tensors);
  });

  it('flattens a bucket into one buffer and splits it back into the same shapes and values', async () => {
    const tensors = [tf.tensor2d([[1, 2], [3, 4]]), tf.scalar(5), tf.tensor1d([6, 7])];
    const flat = await readBucket(tensors);
    expect(Array.from(flat)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const back = splitBucket(flat, tensors);
    expect(back.map((t) => t.shape)).toEqual([[2, 2], [], [2]]);
    expect(await Promise.all(back.map(async (t) => Array.from(await t.data())))).toEqual([[1, 2, 3, 4], [5], [6, 7]]);
    tf.dispose([...tensors, ...back]);
  });

  it('allReduceTensors on one rank returns new tensors with the same values, leaking none', async () => {
    const gradients = new Map<string, tf.Tensor>([['w', tf.tensor1d([1, -2])], ['b', tf.scalar(3)]]);
    const before = tf.memory().numTensors;
    const reduced = await allReduceTensors(createLocalCommunicator(), gradients, { bucketBytes: 4 });
    expect(tf.memory().numTensors).toBe(before + 2);
    expect([...reduced.keys()]).toEqual(['w', 'b']);
    expect(Array.from(await reduced.get('w')!.data())).toEqual([1, -2]);
    expect(reduced.get('w')).not.toBe(gradients.get('w'));
    tf.dispose([...reduced.values(), ...gradients.values()]);
  });
});
