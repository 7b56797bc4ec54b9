import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, createRng } from '@selfsup/core';
import { stepRng, trainStep } from '@selfsup/train';
import { expectNoLeaks } from '@selfsup/testing';
import { sinkhornKnopp } from '@selfsup/losses';
import { createDinov2StylePretraining } from './dinov2-pretraining.js';
import { dinov2ConfigSchema, DINOV2_FASHION_MNIST_REFERENCE, type Dinov2ConfigInput } from './dinov2-config.js';
import { parseConfig } from '../parse-config.js';
import type { ImageBatch } from '../pretraining.js';

// A tiny configuration: 16x16 grayscale, patch 4, dim 16, depth 1; every image masked at 0.3 +- 0.1.
const tiny: Dinov2ConfigInput = {
  epochs: 2,
  batchSize: 4,
  backbone: { imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 1, headCount: 2 },
  head: { outDim: 32, patchOutDim: 24, hiddenDim: 24, bottleneckDim: 8 },
  augmentation: { globalSize: 16, localSize: 8, localCrops: 2 },
  masking: { ratio: 0.3, variance: 0.1 },
  optimizer: { warmupEpochs: 1 },
};

function batch(seed: number, size = 4): ImageBatch {
  const rng = createRng(seed);
  return { images: Uint8Array.from({ length: size * 16 * 16 }, () => rng.integer(0, 256)), size, height: 16, width: 16, channels: 1 };
}

const context = (iteration: number) => ({ iteration, epoch: Math.floor(iteration / 3), iterationsPerEpoch: 3, rng: stepRng(0, iteration) });

describe('createDinov2StylePretraining', () => {
  it('balances the teacher over the prototypes with Sinkhorn-Knopp: [CLS] over the batch, patches over the masked ones', async () => {
    const run = createDinov2StylePretraining(tiny, 3);
    expect(run.method).toBe('dinov2');
    expect(run.recipe.name).toBe('dinov2');
    const views = run.recipe.makeViews(batch(1), context(0));
    const targets = run.recipe.makeTargets(views, context(0));
    expect(targets.classTargets.shape).toEqual([8, 32]);
    expect(targets.patchTargets.shape).toEqual([8, 16, 24]); // separate patch head: 24 prototypes
    // [CLS]: Sinkhorn-Knopp of the teacher's 8 rows together, at the epoch-0 temperature 0.04
    const classExpected = sinkhornKnopp(targets.teacherClass, { temperature: 0.04, iterations: 3 });
    expect((await tf.max(tf.abs(tf.sub(classExpected, targets.classTargets))).data())[0]).toBeLessThan(1e-6);
    // patches: Sinkhorn-Knopp of the masked rows among themselves (patch temperature 0.04 at epoch 0);
    // the unmasked rows get zero targets
    const masks = await views.masks.data();
    const maskedRows = [...masks.keys()].filter((i) => masks[i]! > 0);
    expect(maskedRows.length).toBeGreaterThan(0);
    const flatTeacher = tf.reshape(targets.teacherPatch, [8 * 16, 24]);
    const flatTargets = tf.reshape(targets.patchTargets, [8 * 16, 24]);
    const rowIndices = tf.tensor1d(maskedRows, 'int32');
    const patchExpected = sinkhornKnopp(tf.gather(flatTeacher, rowIndices) as tf.Tensor2D, { temperature: 0.04, iterations: 3 });
    expect((await tf.max(tf.abs(tf.sub(patchExpected, tf.gather(flatTargets, rowIndices)))).data())[0]).toBeLessThan(1e-6);
    const rowSums = await tf.sum(targets.patchTargets, 2).data();
    rowSums.forEach((sum, i) => expect(sum).toBeCloseTo(masks[i]!, 5));
    tf.dispose([classExpected, flatTeacher, flatTargets, rowIndices, patchExpected]);
    await expectNoLeaks(() => run.recipe.makeTargets(views, context(0)), 'dinov2.makeTargets');
    tf.dispose([views, targets] as never);
    run.dispose();
  });

  it('trains with the iBOT and KoLeo objectives: finite, changing losses, steady tensor count, centres left alone', async () => {
    const run = createDinov2StylePretraining(tiny, 3);
    const teacherBefore = (await run.recipe.teacher.parameters()[4]!.variable.data()).slice();
    const losses: number[] = [];
    let count = 0;
    for (let iteration = 0; iteration < 6; iteration++) {
      const result = await trainStep(run.recipe, batch(iteration), { optimizer: run.optimizer, gradients: run.gradients, context: context(iteration) });
      expect(Object.keys(result.terms)).toEqual(['ibot', 'koleo']);
      expect(result.loss).toBeCloseTo(result.terms.ibot! + result.terms.koleo!, 4);
      losses.push(result.loss);
      if (iteration === 3) count = tf.memory().numTensors;
      if (iteration > 3) expect(tf.memory().numTensors).toBe(count);
    }
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    expect(new Set(losses).size).toBeGreaterThan(1);
    expect(await run.recipe.teacher.parameters()[4]!.variable.data()).not.toEqual(teacherBefore);
    expect(Math.max(...(await tf.abs(run.recipe.center.value).data()))).toBe(0);
    expect(Math.max(...(await tf.abs(run.recipe.patchCenter.value).data()))).toBe(0);
    // no centre to update, so nothing to merge under gradient accumulation
    expect(run.recipe.mergeTargets).toBeUndefined();
    run.dispose();
  });

  it("with centering 'center' and no KoLeo it is iBOT: the same targets and one objective", async () => {
    const run = createDinov2StylePretraining({ ...tiny, dinov2: { centering: 'center', koleoWeight: 0 } }, 3);
    expect(run.recipe.objectives.map((o) => o.name)).toEqual(['ibot']);
    expect(run.recipe.mergeTargets).toBeDefined(); // the running centres see every micro-batch
    const views = run.recipe.makeViews(batch(1), context(0));
    const targets = run.recipe.makeTargets(views, context(0));
    // zero centres, temperature 0.04: plain softmax
    const expected = tf.softmax(tf.div(targets.teacherClass, 0.04));
    expect((await tf.max(tf.abs(tf.sub(expected, targets.classTargets))).data())[0]).toBeLessThan(1e-6);
    tf.dispose([views, targets, expected] as never);
    run.dispose();
  });

  it('refuses bad configs naming the key, and fills in the DINOv2 defaults', () => {
    const fails = (input: unknown, pattern: RegExp) => {
      try {
        parseConfig(dinov2ConfigSchema, input, 'DINOv2-style configuration');
        throw new Error('expected an error');
      } catch (e) {
        expect(e).toBeInstanceOf(SslError);
        expect((e as Error).message).toMatch(pattern);
      }
    };
    fails({ dinov2: { koleo: 0.1 } }, /dinov2: unknown key\(s\) "koleo"/);
    fails({ dinov2: { centering: 'softmax' } }, /dinov2\.centering: .*got "softmax"/);
    fails({ dinov2: { sinkhornIterations: 1.5 } }, /dinov2\.sinkhornIterations: .*got 1\.5/);
    const config = dinov2ConfigSchema.parse({});
    expect(config.dinov2).toEqual({ koleoWeight: 0.1, centering: 'sinkhorn-knopp', sinkhornIterations: 3 });
    expect(config.head.sharedHead).toBe(false);
    expect(dinov2ConfigSchema.parse(DINOV2_FASHION_MNIST_REFERENCE).head.sharedHead).toBe(false);
  });
});
