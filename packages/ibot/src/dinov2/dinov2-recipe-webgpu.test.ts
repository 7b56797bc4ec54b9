// The DINOv2-style targets on webgpu when the token mask is a tensor computed on the GPU (an op's
// output, never uploaded from the host): Sinkhorn-Knopp over the masked patches must not read the
// mask synchronously (dataSync throws `OffscreenCanvas is not defined` on webgpu in Node.js and
// stalls the GPU in browsers), and gives what Sinkhorn-Knopp of the gathered masked rows gives.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { sinkhornKnopp } from '@selfsup/losses';
import { startWebgpu } from '@selfsup/testing';
import { stepRng } from '@selfsup/train';
import { createDinov2StylePretraining, type Dinov2ConfigInput, type ImageBatch } from '../index.js';

const tiny: Dinov2ConfigInput = {
  epochs: 2,
  batchSize: 4,
  backbone: { imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 1, headCount: 2 },
  head: { outDim: 32, patchOutDim: 24, hiddenDim: 24, bottleneckDim: 8 },
  augmentation: { globalSize: 16, localSize: 8, localCrops: 2 },
  masking: { ratio: 0.3, variance: 0.1 },
  optimizer: { warmupEpochs: 1 },
};

const initial = tf.getBackend();
const webgpu = await startWebgpu();

afterAll(async () => {
  await useBackend(initial === 'selfsup-native' ? 'native' : (initial as BackendName));
});

function batch(seed: number): ImageBatch {
  const rng = createRng(seed);
  return { images: Uint8Array.from({ length: 4 * 16 * 16 }, () => rng.integer(0, 256)), size: 4, height: 16, width: 16, channels: 1 };
}

describe.skipIf(!webgpu.available)(`DINOv2-style targets on webgpu (${webgpu.reason})`, () => {
  it('balance the masked patches of a mask computed on the GPU, without reading it synchronously', async () => {
    await useBackend('webgpu');
    const run = createDinov2StylePretraining(tiny, 3);
    const context = { iteration: 0, epoch: 0, iterationsPerEpoch: 3, rng: stepRng(0, 0) };
    const views = run.recipe.makeViews(batch(1), context);
    // the same mask, as the output of a GPU kernel: its values exist only in GPU memory
    const gpuMasks = tf.mul(views.masks, tf.onesLike(views.masks)) as tf.Tensor2D;
    const targets = run.recipe.makeTargets({ ...views, masks: gpuMasks }, context);
    const [rows, patches, prototypes] = targets.patchTargets.shape;
    const masks = await gpuMasks.data();
    const maskedRows = [...masks.keys()].filter((i) => masks[i]! > 0);
    expect(maskedRows.length).toBeGreaterThan(0);
    expect(maskedRows.length).toBeLessThan(rows * patches);
    // Sinkhorn-Knopp of the masked rows among themselves (patch temperature 0.04 at epoch 0)
    const rowIndices = tf.tensor1d(maskedRows, 'int32');
    const flatTeacher = tf.reshape(targets.teacherPatch, [rows * patches, prototypes]);
    const flatTargets = tf.reshape(targets.patchTargets, [rows * patches, prototypes]);
    const expected = sinkhornKnopp(tf.gather(flatTeacher, rowIndices) as tf.Tensor2D, { temperature: 0.04, iterations: 3 });
    const difference = tf.max(tf.abs(tf.sub(expected, tf.gather(flatTargets, rowIndices))));
    expect((await difference.data())[0]).toBeLessThan(1e-6);
    // each masked row sums to 1, each unmasked row is 0
    const sums = tf.sum(targets.patchTargets, 2);
    (await sums.data()).forEach((sum, i) => expect(sum, `row ${i}`).toBeCloseTo(masks[i]!, 5));
    tf.dispose([gpuMasks, rowIndices, flatTeacher, flatTargets, expected, difference, sums, views, targets] as never);
    run.dispose();
  });

  it('give zero patch targets, and no NaN, when no patch is masked', async () => {
    await useBackend('webgpu');
    const run = createDinov2StylePretraining(tiny, 3);
    const context = { iteration: 0, epoch: 0, iterationsPerEpoch: 3, rng: stepRng(0, 0) };
    const views = run.recipe.makeViews(batch(2), context);
    const noMasks = tf.mul(views.masks, 0) as tf.Tensor2D;
    const targets = run.recipe.makeTargets({ ...views, masks: noMasks }, context);
    expect(Array.from(await targets.patchTargets.data()).every((v) => v === 0)).toBe(true);
    tf.dispose([noMasks, views, targets] as never);
    run.dispose();
  });
});
