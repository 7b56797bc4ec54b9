import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend, type BackendName } from '@selfsup/backend';
import { expectClose, settleDeferredChecks } from './matchers.js';
import { startWebgpu } from './webgpu-comparison.js';

const initial = tf.getBackend();
const webgpu = await startWebgpu();

afterAll(async () => {
  await useBackend(initial === 'selfsup-native' ? 'native' : (initial as BackendName));
});

describe.skipIf(!webgpu.available)(`expectClose on webgpu (${webgpu.reason})`, () => {
  it('compares a GPU tensor once its values arrive, and settleDeferredChecks reports a mismatch', async () => {
    await useBackend('webgpu');
    // 1 + 1 = 2 and 2 + 1 = 3, computed on the GPU so no host copy exists yet.
    const sum = tf.add(tf.tensor1d([1, 2]), 1);
    expect(() => expectClose(sum, [2, 4], { rtol: 0, atol: 0 }, 'sum')).not.toThrow();
    await expect(settleDeferredChecks()).rejects.toThrow('sum: 1/2 values differ beyond atol 0 + rtol 0; worst at flat index 1: got 3, expected 4');
    expectClose(sum, [2, 3], { rtol: 0, atol: 0 }, 'sum');
    await expect(settleDeferredChecks()).resolves.toBeUndefined();
    sum.dispose();
  });

  it("snapshots a variable's value when called, not when its values arrive", async () => {
    await useBackend('webgpu');
    const v = tf.variable(tf.add(tf.tensor1d([1, 2]), 0));
    expectClose(v, [1, 2], { rtol: 0, atol: 0 }, 'before assign');
    v.assign(tf.add(tf.tensor1d([5, 6]), 0));
    expectClose(v, [5, 6], { rtol: 0, atol: 0 }, 'after assign');
    await settleDeferredChecks();
    v.dispose();
  });
});
