import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, createRng } from '@selfsup/core';
import { stepRng, trainStep, trainStepAccumulated } from '@selfsup/train';
import { createIbotPretraining } from './ibot-pretraining.js';
import type { ImageBatch } from '../pretraining.js';
import { ibotConfigSchema, type IbotConfigInput } from './ibot-config.js';
import { parseConfig } from '../parse-config.js';

// A tiny configuration: 16x16 grayscale, patch 4, dim 16, depth 1.
const tiny: IbotConfigInput = {
  epochs: 2,
  batchSize: 4,
  backbone: { imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 1, headCount: 2 },
  head: { outDim: 32, hiddenDim: 24, bottleneckDim: 8 },
  augmentation: { globalSize: 16, localSize: 8, localCrops: 2 },
  masking: { ratio: 0.3, variance: 0.1 },
  optimizer: { warmupEpochs: 1 },
};

function batch(seed: number, size = 4): ImageBatch {
  const rng = createRng(seed);
  return { images: Uint8Array.from({ length: size * 16 * 16 }, () => rng.integer(0, 256)), size, height: 16, width: 16, channels: 1 };
}

describe('createIbotPretraining', () => {
  it('builds views with crops stacked crop after crop and block masks on the global crops, seeded', async () => {
    const run = createIbotPretraining(tiny, 3);
    const context = { iteration: 0, epoch: 0, iterationsPerEpoch: 3, rng: stepRng(1, 0) };
    const a = run.recipe.makeViews(batch(1), context);
    const b = run.recipe.makeViews(batch(1), { ...context, rng: stepRng(1, 0) });
    expect(a.global.shape).toEqual([2 * 4, 16, 16, 1]);
    expect(a.local!.shape).toEqual([2 * 4, 8, 8, 1]);
    expect(a.masks.shape).toEqual([2 * 4, 16]);
    expect(await a.global.array()).toEqual(await b.global.array());
    expect(await a.masks.array()).toEqual(await b.masks.array());
    const masked = (await tf.sum(a.masks).data())[0]!;
    expect(masked).toBeGreaterThan(0); // ratio 0.3 +- 0.1 of 16 patches per crop
    tf.dispose([a, b] as never);
    run.dispose();
  });

  it('trains: a few steps change the student, keep a steady tensor count and a finite loss', async () => {
    const run = createIbotPretraining(tiny, 3);
    const before = (await run.recipe.student.parameters()[4]!.variable.data()).slice();
    let count = 0;
    // 3 iterations per epoch: the last layer is frozen in epoch 0 and gets its AdamW moments at its
    // first update (iteration 3), as PyTorch's lazy optimizer state; from then on the count is steady.
    for (let iteration = 0; iteration < 5; iteration++) {
      const result = await trainStep(run.recipe, batch(iteration), {
        optimizer: run.optimizer,
        gradients: run.gradients,
        context: { iteration, epoch: Math.floor(iteration / 3), iterationsPerEpoch: 3, rng: stepRng(0, iteration) },
      });
      expect(Number.isFinite(result.loss)).toBe(true);
      expect(Object.keys(result.metrics)).toEqual(expect.arrayContaining(['cls', 'patch', 'momentum', 'teacherTemperature']));
      if (iteration === 1 || iteration === 3) count = tf.memory().numTensors;
      if (iteration === 2 || iteration === 4) expect(tf.memory().numTensors).toBe(count);
    }
    const after = await run.recipe.student.parameters()[4]!.variable.data();
    expect(after).not.toEqual(before);
    run.dispose();
  });

  it('with gradient accumulation, updates the centres from every micro-batch, as from the whole batch', async () => {
    const run = createIbotPretraining(tiny, 3);
    const recipe = run.recipe;
    // record each micro-batch's teacher outputs; the recipe's own mergeTargets and afterStep run
    const seen: { cls: tf.Tensor2D; patch: tf.Tensor3D }[] = [];
    const recording = {
      ...recipe,
      makeTargets: (views: Parameters<typeof recipe.makeTargets>[0], context: Parameters<typeof recipe.makeTargets>[1]) => {
        const targets = recipe.makeTargets(views, context);
        seen.push({ cls: tf.keep(tf.clone(targets.teacherClass)), patch: tf.keep(tf.clone(targets.teacherPatch)) }); // kept past the step's tidy
        return targets;
      },
    };
    // a non-zero starting centre, so the momentum shows
    recipe.center.value.assign(tf.fill([32], 0.25) as tf.Tensor1D);
    const center0 = (await recipe.center.value.data()).slice();
    const patchCenter0 = (await recipe.patchCenter.value.data()).slice();
    await trainStepAccumulated(recording, [batch(1), batch(2), batch(3)], {
      optimizer: run.optimizer,
      gradients: run.gradients,
      context: { iteration: 0, epoch: 0, iterationsPerEpoch: 3, rng: stepRng(0, 0) },
    });
    expect(seen).toHaveLength(3);
    // official update_center over the whole batch: m c + (1 - m) mean(teacher outputs), patch outputs averaged over tokens first
    const cls = await tf.mean(tf.concat(seen.map((s) => s.cls), 0), 0).data();
    const patch = await tf.mean(tf.mean(tf.concat(seen.map((s) => s.patch), 0), 1), 0).data();
    const center = await recipe.center.value.data();
    const patchCenter = await recipe.patchCenter.value.data();
    for (let k = 0; k < 32; k++) {
      expect(center[k]).toBeCloseTo(0.9 * center0[k]! + 0.1 * cls[k]!, 6);
      expect(patchCenter[k]).toBeCloseTo(0.9 * patchCenter0[k]! + 0.1 * patch[k]!, 6);
    }
    // the last micro-batch alone gives another centre: the test can tell the two apart
    const lastOnly = await tf.mean(seen[2]!.cls, 0).data();
    expect(Math.max(...Array.from(cls, (v, k) => Math.abs(v - lastOnly[k]!)))).toBeGreaterThan(1e-3);
    tf.dispose(seen.flatMap((s) => [s.cls, s.patch]));
    run.dispose();
  });

  it('refuses a config with a typo, a wrong type or an impossible value before building anything, naming the key', () => {
    const fails = (input: unknown, pattern: RegExp) => {
      try {
        parseConfig(ibotConfigSchema, input, 'iBOT configuration');
        throw new Error('expected an error');
      } catch (e) {
        expect(e).toBeInstanceOf(SslError);
        expect((e as SslError).code).toBe('INVALID_CONFIG');
        expect((e as Error).message).toMatch(pattern);
      }
    };
    fails({ optimizer: { learningrate: 1e-3 } }, /optimizer: unknown key\(s\) "learningrate"/);
    fails({ batchSize: '128' }, /batchSize: .*expected number.*got "128"/i);
    fails({ masking: { ratio: 1.5 } }, /masking\.ratio: .*got 1\.5/);
    fails({ epochs: 0 }, /epochs: .*got 0/);
    expect(() => createIbotPretraining({ ...tiny, augmentation: { globalSize: 18 } }, 3)).toThrow(/globalSize: expected a multiple of backbone.patchSize \(4\), got 18/);
  });

  it('fills in the paper defaults', () => {
    const config = ibotConfigSchema.parse({});
    expect(config.loss.studentTemperature).toBe(0.1);
    expect(config.teacher.momentum).toBe(0.996);
    expect(config.optimizer.clipGradient).toBe(3);
    expect(config.head.outDim).toBe(8192);
  });
});
