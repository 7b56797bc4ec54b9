import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, createRng } from '@selfsup/core';
import { sinCosPositionEmbedding } from '@selfsup/heads';
import { stepRng, trainStep } from '@selfsup/train';
import { expectNoLeaks } from '@selfsup/testing';
import { createMaePretraining, maeLearningRateSchedule } from './mae-pretraining.js';
import { createMaeRecipe } from './mae-recipe.js';
import { createMaeDecoder } from '@selfsup/heads';
import { createSwin, createVit, type Vit } from '@selfsup/backbones';
import { maeConfigSchema, MAE_FASHION_MNIST_REFERENCE, type MaeConfigInput } from './mae-config.js';
import { parseConfig } from '../parse-config.js';
import type { ImageBatch } from '../pretraining.js';

// A tiny configuration: 16x16 grayscale, patch 4 (16 patches, 4 kept), dim 16, depth 1, decoder dim 8.
const tiny: MaeConfigInput = {
  epochs: 2,
  batchSize: 4,
  backbone: { imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 1, headCount: 2 },
  decoder: { embedDim: 8, depth: 1, headCount: 2 },
  augmentation: { size: 16 },
  // 0.064 * 4 / 256 = 1e-3 from the first step
  optimizer: { learningRate: 0.064, warmupEpochs: 0 },
};

function batch(seed: number, size = 4): ImageBatch {
  const rng = createRng(seed);
  return { images: Uint8Array.from({ length: size * 16 * 16 }, () => rng.integer(0, 256)), size, height: 16, width: 16, channels: 1 };
}

const context = (iteration: number, seed = 0) => ({ iteration, epoch: Math.floor(iteration / 3), iterationsPerEpoch: 3, rng: stepRng(seed, iteration) });

describe('createMaePretraining', () => {
  it("makes one view per image with MAE's random mask and indices, seeded, without leaks", async () => {
    const run = createMaePretraining(tiny, 3);
    const views = run.recipe.makeViews(batch(1), context(0));
    const again = run.recipe.makeViews(batch(1), context(0));
    expect(views.images.shape).toEqual([4, 16, 16, 1]);
    expect(views.keepIndices.shape).toEqual([4, 4]); // floor(16 * (1 - 0.75))
    expect(views.keepIndices.dtype).toBe('int32');
    expect(views.restoreIndices.shape).toEqual([4, 16]);
    expect(views.mask.shape).toEqual([4, 16]);
    const keep = await views.keepIndices.array();
    const restore = await views.restoreIndices.array();
    const mask = await views.mask.array();
    for (let b = 0; b < 4; b++) {
      expect(mask[b]!.reduce((a, m) => a + m, 0)).toBe(12);
      keep[b]!.forEach((patch, rank) => {
        expect(mask[b]![patch]).toBe(0); // kept patches are not masked
        expect(restore[b]![patch]).toBe(rank); // restore inverts the shuffle
      });
    }
    expect(await views.images.array()).toEqual(await again.images.array());
    expect(keep).toEqual(await again.keepIndices.array());
    tf.dispose([views, again] as never);
    await expectNoLeaks(() => run.recipe.makeViews(batch(2), context(1)), 'mae.makeViews');
    run.dispose();
  });

  it('predicts every patch from the kept ones; the loss is finite and falls on a fixed batch; steady tensor count', async () => {
    const run = createMaePretraining(tiny, 3);
    const views = run.recipe.makeViews(batch(1), context(0));
    const prediction = tf.tidy(() => run.recipe.forward(views, context(0)).prediction);
    expect(prediction.shape).toEqual([4, 16, 4 * 4 * 1]);
    tf.dispose([views, prediction] as never);
    const losses: number[] = [];
    let count = 0;
    for (let iteration = 0; iteration < 6; iteration++) {
      // the same batch and step randomness every time: the same views, so the loss must fall
      const result = await trainStep(run.recipe, batch(1), {
        optimizer: run.optimizer,
        gradients: run.gradients,
        context: { ...context(iteration), rng: stepRng(0, 0) },
      });
      expect(Object.keys(result.terms)).toEqual(['mae']);
      losses.push(result.loss);
      if (iteration === 1) count = tf.memory().numTensors;
      if (iteration > 1) expect(tf.memory().numTensors).toBe(count);
    }
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    expect(losses[5]!).toBeLessThan(losses[0]!);
    run.dispose();
  });

  it("fixes the encoder's position embeddings to MAE's sine-cosine table and never trains them", async () => {
    const run = createMaePretraining(tiny, 3);
    const positions = run.recipe.student.parameters().find((p) => p.name === 'pos_embed')!;
    const table = sinCosPositionEmbedding(16, 4, { classToken: true }); // [1 + 16, 16]
    expect(Array.from(await positions.variable.data())).toEqual(Array.from(await table.data()));
    expect(run.recipe.trainableParameters().some((p) => p.name === 'pos_embed')).toBe(false);
    expect(run.recipe.trainableParameters().some((p) => p.name === 'decoder_pos_embed')).toBe(false);
    // MAE's names: the encoder then the decoder, no prefix
    const names = run.recipe.student.parameters().map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['cls_token', 'patch_embed.proj.weight', 'mask_token', 'decoder_embed.weight', 'decoder_pred.bias']));
    await trainStep(run.recipe, batch(1), { optimizer: run.optimizer, gradients: run.gradients, context: context(0) });
    expect(Array.from(await positions.variable.data())).toEqual(Array.from(await table.data()));
    table.dispose();
    run.dispose();
    const learned = createMaePretraining({ ...tiny, backbone: { ...tiny.backbone, positionEmbedding: 'learned' } }, 3);
    expect(learned.recipe.trainableParameters().some((p) => p.name === 'pos_embed')).toBe(true);
    learned.dispose();
  });

  it("follows MAE's learning-rate schedule: linear warm-up by fractional epoch, then a half-cycle cosine", () => {
    // lr 1, warm-up 1 epoch, 3 epochs of 2 iterations: t = 0, 0.5, 1, 1.5, 2, 2.5
    const schedule = maeLearningRateSchedule({ learningRate: 1, warmupEpochs: 1, epochs: 3, iterationsPerEpoch: 2 });
    const values = Array.from({ length: 6 }, (_, i) => schedule.at(i));
    // 0/1, 0.5/1, then (1 + cos(pi * (t - 1) / 2)) / 2 for t = 1, 1.5, 2, 2.5: 1, 0.853553, 0.5, 0.146447
    const expected = [0, 0.5, 1, 0.8535534, 0.5, 0.1464466];
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });

  it("trains with MAE's learning rate: warm-up by fractional epoch (1.5 epochs), then a half-cycle cosine to minLearningRate", () => {
    // lr = 0.064 * 4 / 256 = 1e-3, min 1e-4, 3 epochs of 2 iterations, t = iteration / 2:
    // lr * t / 1.5 for t < 1.5, then min + (lr - min) * (1 + cos(pi * (t - 1.5) / 1.5)) / 2
    const run = createMaePretraining({ ...tiny, epochs: 3, optimizer: { learningRate: 0.064, minLearningRate: 1e-4, warmupEpochs: 1.5 } }, 2);
    const official = (t: number) => (t < 1.5 ? (1e-3 * t) / 1.5 : 1e-4 + (1e-3 - 1e-4) * 0.5 * (1 + Math.cos((Math.PI * (t - 1.5)) / 1.5)));
    for (let iteration = 0; iteration < 6; iteration++) {
      // no gradients: nothing is updated, the step reports its schedules' values
      expect(run.optimizer.step({}, iteration).learningRate).toBeCloseTo(official(iteration / 2), 15);
    }
    run.dispose();
  });

  it('refuses a backbone whose encode takes no keepIndices (a Swin), naming the method and the arch', () => {
    const swin = createSwin({ imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 8, depths: [1], headCounts: [2], windowSize: 4, maskToken: false });
    const decoder = createMaeDecoder({ embedDim: 8, decoderEmbedDim: 8, depth: 1, headCount: 2, imageSize: 16, patchSize: 4, inChannels: 1 });
    const make = () => createMaeRecipe({ backbone: swin as unknown as Vit, decoder, makeViews: () => { throw new Error('not called'); } });
    expect(make).toThrow(/MAE encodes only the kept patches.*keepIndices.*got arch "swin"/);
    expect(make).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(() => createMaePretraining({ ...tiny, backbone: { ...tiny.backbone, arch: 'swin' } as never }, 3)).toThrow(/backbone\.arch/);
    swin.dispose();
    decoder.dispose();
  });

  it('refuses a positionEmbedding that is neither "sin-cos" nor "learned" (not silently learned)', () => {
    const vit = createVit({ imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 8, depth: 1, headCount: 2 });
    const decoder = createMaeDecoder({ embedDim: 8, decoderEmbedDim: 8, depth: 1, headCount: 2, imageSize: 16, patchSize: 4, inChannels: 1 });
    const make = () => createMaeRecipe({ backbone: vit, decoder, positionEmbedding: 'sincos' as never, makeViews: () => { throw new Error('not called'); } });
    expect(make).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(make).toThrow(/createMaeRecipe\(options\.positionEmbedding\): expected "sin-cos".*or "learned", got "?sincos"?/);
    vit.dispose();
    decoder.dispose();
  });

  it('refuses bad configs naming the key, and fills in the MAE defaults', () => {
    const fails = (input: unknown, pattern: RegExp) => {
      try {
        parseConfig(maeConfigSchema, input, 'MAE configuration');
        throw new Error('expected an error');
      } catch (e) {
        expect(e).toBeInstanceOf(SslError);
        expect((e as SslError).code).toBe('INVALID_CONFIG');
        expect((e as Error).message).toMatch(pattern);
      }
    };
    fails({ masking: { ratio: 1 } }, /masking\.ratio: .*got 1/);
    fails({ decoder: { embedDim: 30 } }, /decoder\.embedDim: .*got 30/);
    fails({ teacher: {} }, /unknown key\(s\) "teacher"/);
    expect(() => createMaePretraining({ ...tiny, augmentation: { size: 18 } }, 3)).toThrow(/augmentation\.size: expected a multiple of backbone.patchSize \(4\), got 18/);
    const config = maeConfigSchema.parse({});
    expect(config.masking.ratio).toBe(0.75);
    expect(config.optimizer).toMatchObject({ learningRate: 1.5e-4, betas: [0.9, 0.95], weightDecay: 0.05, clipGradient: 0, warmupEpochs: 40 });
    expect(config.loss.normalizePixels).toBe(true);
    expect(config.decoder).toEqual({ embedDim: 512, depth: 8, headCount: 16, mlpRatio: 4 });
    expect(maeConfigSchema.parse(MAE_FASHION_MNIST_REFERENCE).decoder.embedDim).toBe(64);
  });
});
