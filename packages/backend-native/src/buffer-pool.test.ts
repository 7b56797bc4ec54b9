import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.js';
import { NATIVE_BACKEND_NAME } from './index.js';
import { nativeReady } from '../test/parity.js';

describe('BufferPool', () => {
  it('reuses a buffer once the last data id referring to it is released', () => {
    const pool = new BufferPool(1 << 20);
    const a = pool.allocate(100);
    pool.retain(a);
    pool.retain(a.subarray(10, 20)); // a view made by a cpu kernel counts as a second owner
    pool.release(a);
    expect(pool.allocate(100)).not.toBe(a);
    pool.release(a.subarray(10, 20));
    expect(pool.freeByteCount).toBe(400);
    expect(pool.allocate(100)).toBe(a);
    expect(pool.freeByteCount).toBe(0);
  });

  it('never reuses a buffer that escaped (was read out) or that it did not make', () => {
    const pool = new BufferPool(1 << 20);
    const a = pool.allocate(8);
    pool.retain(a);
    pool.escape(a);
    pool.release(a);
    expect(pool.freeByteCount).toBe(0);
    const foreign = new Float32Array(8);
    pool.retain(foreign);
    pool.release(foreign);
    expect(pool.allocate(8)).not.toBe(foreign);
  });

  it('keeps at most its capacity in free buffers, and takes back unowned temporaries', () => {
    const pool = new BufferPool(1000, 0); // every free buffer idle at once: the oldest makes room
    const [a, b] = [pool.allocate(200), pool.allocate(200)]; // 800 bytes each
    for (const x of [a, b]) {
      pool.retain(x);
      pool.release(x);
    }
    expect(pool.freeByteCount).toBe(800); // b evicted a: both do not fit
    expect(pool.allocate(200)).toBe(b);
    pool.recycle(b);
    const temporary = pool.allocate(50);
    pool.recycle(temporary);
    expect(pool.freeByteCount).toBe(1000);
    pool.clear();
    expect(pool.freeByteCount).toBe(0);
  });

  it('with a peak factor, gives a step outgrowing its base capacity all its buffers back, drops buffers idle for staleAfter allocations, and stays within factor x the peak in use', () => {
    const step = (pool: BufferPool, length: number, count = 5) => {
      // a step holding `count` buffers at once, then freeing them
      const buffers = Array.from({ length: count }, () => pool.allocate(length));
      for (const x of buffers) pool.retain(x);
      for (const x of buffers) pool.release(x);
    };
    const capped = new BufferPool(1200, 8192);
    const growing = new BufferPool(1200, 12, 2);
    for (const pool of [capped, growing]) for (let i = 0; i < 3; i++) step(pool, 100);
    expect(capped.stats.misses).toBe(5 + 2 + 2); // 3 of 5 fit: every later step allocates 2 afresh
    expect(capped.freeByteCount).toBe(1200);
    expect(growing.stats.misses).toBe(5); // only the first step allocates
    expect(growing.stats).toMatchObject({ freeBytes: 2000, peakLiveBytes: 2000, capacityBytes: 4000 });
    // a new phase with another length: after 12 allocations without them, the old buffers go
    step(growing, 30);
    expect(growing.freeByteCount).toBe(2000 + 600);
    for (let i = 0; i < 2; i++) step(growing, 30);
    expect(growing.freeByteCount).toBe(600);
    // buffers of a new length each, one at a time: never more than 2 x the peak (2000 bytes) kept
    for (let i = 0; i < 8; i++) step(growing, 150 + i, 1);
    expect(growing.freeByteCount).toBeLessThanOrEqual(4000);
  });

  it('evicts the buffers freed longest ago when a new phase of work frees other lengths', () => {
    const pool = new BufferPool(1600, 0); // room for 4 buffers of 100 floats; idle as soon as freed
    const free = (x: Float32Array) => {
      pool.retain(x);
      pool.release(x);
    };
    // phase 1 (the training step) fills the pool with one length
    const training = [0, 1, 2, 3].map(() => pool.allocate(100));
    training.forEach(free);
    expect(pool.freeByteCount).toBe(1600);
    // phase 2 (an evaluation) uses 40-float buffers: each freed one evicts the oldest free ones, and is reused
    const first = pool.allocate(40); // a new length: a new buffer
    free(first); // 160 bytes: evicts training[0]
    expect(pool.freeByteCount).toBe(1200 + 160);
    expect(pool.allocate(40)).toBe(first);
    free(first);
    const second = pool.allocate(40);
    expect(second).toBe(first);
    const third = pool.allocate(40);
    free(second);
    free(third); // 1200 + 320 fits
    expect(pool.freeByteCount).toBe(1200 + 320);
    // the newest 100-float buffer is still there (stacks pop the most recently freed), the oldest went first
    expect(pool.allocate(100)).toBe(training[3]);
    expect(pool.allocate(100)).toBe(training[2]);
    expect(pool.allocate(100)).toBe(training[1]);
    expect(pool.allocate(100)).not.toBe(training[0]);
    // a buffer larger than the whole pool is never kept, and evicts nothing
    const before = pool.freeByteCount;
    free(pool.allocate(1000));
    expect(pool.freeByteCount).toBe(before);
  });

  it('evicts only buffers no allocation took for staleAfter allocations; otherwise refuses the new one', () => {
    const pool = new BufferPool(1600, 3);
    const free = (x: Float32Array) => {
      pool.retain(x);
      pool.release(x);
    };
    const training = [0, 1, 2, 3].map(() => pool.allocate(100)); // clock 4
    training.forEach(free); // each freed at clock 4
    const first = pool.allocate(40); // clock 5: training[0] idle for 1 allocation only
    free(first);
    expect(pool.freeByteCount).toBe(1600); // refused, as in the steady state of a training loop
    expect(pool.allocate(40)).not.toBe(first); // clock 6
    const third = pool.allocate(40); // clock 7: training[*] idle for 3 allocations
    free(third); // evicts training[0] (the oldest) only
    expect(pool.freeByteCount).toBe(1200 + 160);
    expect(pool.allocate(40)).toBe(third);
    expect(pool.allocate(100)).toBe(training[3]);
  });
});

describe.skipIf(!nativeReady)('the native backend with its buffer pool', () => {
  it('recycles kernel outputs, but never an array a tensor handed out, nor one a view still uses', async () => {
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND_NAME);
    try {
      const backend = tf.backend() as unknown as { data: { get(id: object): { values: Float32Array } } };
      const x = tf.tensor1d([1, 2, 3, 4]);
      // Recycled: an output nobody read.
      const first = tf.exp(x);
      const firstValues = backend.data.get(first.dataId).values;
      first.dispose();
      const second = tf.exp(x);
      expect(backend.data.get(second.dataId).values).toBe(firstValues);
      // Escaped: dataSync() returns the backend's own array; it must keep its values.
      const read = second.dataSync();
      const snapshot = Array.from(read);
      second.dispose();
      const third = tf.neg(x);
      expect(backend.data.get(third.dataId).values).not.toBe(read);
      expect(Array.from(read)).toEqual(snapshot);
      // A contiguous slice is a view into its input's buffer: the buffer stays owned by the view.
      const fourth = tf.sqrt(tf.reshape(x, [2, 2]));
      const row = tf.slice(fourth, [1, 0], [1, 2]);
      const rowBefore = Array.from(backend.data.get(row.dataId).values);
      fourth.dispose();
      const fifth = tf.square(x);
      expect(Array.from(backend.data.get(row.dataId).values)).toEqual(rowBefore);
      tf.dispose([x, third, row, fifth]);
    } finally {
      await tf.setBackend(previous);
    }
  });
});
