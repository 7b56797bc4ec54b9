import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, combineModules, createRng, exportStateDict, loadStateDict } from '@selfsup/core';
import { createVit } from '@selfsup/backbones';
import { createIbotHead } from '@selfsup/heads';
import { stepRng, trainStep } from '@selfsup/train';
import { expectNoLeaks } from '@selfsup/testing';
import { createBeitPretraining } from './beit-pretraining.js';
import { createBeitTokenizer } from './beit-tokenizer.js';
import { beitConfigSchema, BEIT_FASHION_MNIST_REFERENCE, type BeitConfigInput } from './beit-config.js';
import { createDvaeTokenizer } from './dvae-tokenizer.js';
import { createKmeansTokenizer } from './kmeans-tokenizer.js';
import { parseConfig } from '../parse-config.js';
import type { ImageBatch } from '../pretraining.js';

// A tiny configuration: 16x16 grayscale, patch 4 (16 patches, 6 masked in blocks of 2+), dim 16,
// depth 1, a k-means vocabulary of 8; 0.064 * 4 / 256 = 1e-3 from the first step.
const tiny: BeitConfigInput = {
  epochs: 2,
  batchSize: 4,
  backbone: { imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 1, headCount: 2 },
  augmentation: { size: 16 },
  masking: { ratio: 0.4, minPatchesPerBlock: 2 },
  tokenizer: { kind: 'kmeans', vocabularySize: 8, iterations: 5 },
  optimizer: { learningRate: 0.064, warmupEpochs: 0 },
};

function bytes(seed: number, count: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length: count * 16 * 16 }, () => rng.integer(0, 256));
}
const batch = (seed: number, size = 4): ImageBatch => ({ images: bytes(seed, size), size, height: 16, width: 16, channels: 1 });
const dataset = { images: bytes(99, 20), count: 20, height: 16, width: 16, channels: 1 };
const context = (iteration: number, seed = 0) => ({ iteration, epoch: Math.floor(iteration / 3), iterationsPerEpoch: 3, rng: stepRng(seed, iteration) });

describe('createBeitPretraining', () => {
  it("makes one view (normalised for the student, [0, 1] for the tokenizer) and BEiT's block masks, seeded, without leaks", async () => {
    const run = createBeitPretraining(tiny, 3, { tokenizer: await createBeitTokenizer(tiny, { images: dataset }) });
    const views = run.recipe.makeViews(batch(1), context(0));
    const again = run.recipe.makeViews(batch(1), context(0));
    expect(views.images.shape).toEqual([4, 16, 16, 1]);
    expect(views.pixels.shape).toEqual([4, 16, 16, 1]);
    expect(views.masks.shape).toEqual([4, 16]);
    expect((await tf.min(views.pixels).data())[0]).toBeGreaterThanOrEqual(0);
    expect((await tf.max(views.pixels).data())[0]).toBeLessThanOrEqual(1);
    const normalised = tf.div(tf.sub(views.pixels, 0.286), 0.353);
    expect((await tf.max(tf.abs(tf.sub(normalised, views.images))).data())[0]).toBeLessThan(1e-5);
    // floor(0.4 * 16) = 6 patches at most per image, in blocks
    for (const row of await views.masks.array()) {
      const masked = row.reduce((a, m) => a + m, 0);
      expect(masked).toBeGreaterThan(0);
      expect(masked).toBeLessThanOrEqual(6);
    }
    expect(await views.masks.array()).toEqual(await again.masks.array());
    expect(await views.images.array()).toEqual(await again.images.array());
    tf.dispose([views, again, normalised] as never);
    await expectNoLeaks(() => run.recipe.makeViews(batch(2), context(1)), 'beit.makeViews');
    run.dispose();
  });

  it("targets are the tokenizer's ids of the view's pixels", async () => {
    const tokenizer = await createBeitTokenizer(tiny, { images: dataset });
    const run = createBeitPretraining(tiny, 3, { tokenizer });
    const views = run.recipe.makeViews(batch(1), context(0));
    const targets = run.recipe.makeTargets(views, context(0));
    const expected = tokenizer.tokenize(views.pixels);
    expect(targets.tokens.shape).toEqual([4, 16]);
    expect(await targets.tokens.array()).toEqual(await expected.array());
    await expectNoLeaks(() => run.recipe.makeTargets(views, context(0)), 'beit.makeTargets');
    tf.dispose([views, targets, expected] as never);
    expect(Object.keys(run.recipe.modules())).toEqual(['student', 'tokenizer']);
    run.dispose();
  });

  it('trains: the masked-token loss is finite and falls on a fixed batch; accuracy in [0, 1]; steady tensor count', async () => {
    const run = createBeitPretraining(tiny, 3, { tokenizer: await createBeitTokenizer(tiny, { images: dataset }) });
    const names = run.recipe.student.parameters().map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['cls_token', 'masked_embed', 'blocks.0.gamma_1', 'lm_head.weight', 'lm_head.bias']));
    const losses: number[] = [];
    let count = 0;
    for (let iteration = 0; iteration < 6; iteration++) {
      const result = await trainStep(run.recipe, batch(1), {
        optimizer: run.optimizer,
        gradients: run.gradients,
        context: { ...context(iteration), rng: stepRng(0, 0) }, // the same views every step
      });
      expect(Object.keys(result.terms)).toEqual(['beit']);
      expect(result.metrics.tokenAccuracy).toBeGreaterThanOrEqual(0);
      expect(result.metrics.tokenAccuracy).toBeLessThanOrEqual(1);
      losses.push(result.loss);
      if (iteration === 1) count = tf.memory().numTensors;
      if (iteration > 1) expect(tf.memory().numTensors).toBe(count);
    }
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    expect(losses[5]!).toBeLessThan(losses[0]!);
    // the tokenizer is never trained
    expect(run.recipe.trainableParameters().some((p) => p.name === 'codebook')).toBe(false);
    run.dispose();
  });

  it('refuses a missing tokenizer, one of another vocabulary or patch size, and bad configs', async () => {
    expect(() => createBeitPretraining(tiny, 3, {} as never)).toThrow(/options\.tokenizer/);
    const other = createKmeansTokenizer({ centroids: { shape: [5, 16], data: new Float32Array(80) }, patchSize: 4 });
    expect(() => createBeitPretraining(tiny, 3, { tokenizer: other })).toThrow(/configuration says 8 ids but the kmeans tokenizer given has 5/);
    other.dispose();
    const coarse = createKmeansTokenizer({ centroids: { shape: [8, 64], data: new Float32Array(512) }, patchSize: 8 });
    const before = tf.memory().numTensors;
    expect(() => createBeitPretraining(tiny, 3, { tokenizer: coarse })).toThrow(/one id per 8-pixel patch but the backbone's patches are 4 pixels/);
    expect(tf.memory().numTensors).toBe(before); // the networks built before the check were disposed
    coarse.dispose();
    const fails = (input: unknown, pattern: RegExp) => {
      try {
        parseConfig(beitConfigSchema, input, 'BEiT configuration');
        throw new Error('expected an error');
      } catch (e) {
        expect(e).toBeInstanceOf(SslError);
        expect((e as Error).message).toMatch(pattern);
      }
    };
    fails({ tokenizer: { kind: 'vqgan' } }, /tokenizer\.kind: .*got "vqgan"/);
    fails({ tokenizer: { kind: 'kmeans', weights: 'x' } }, /tokenizer: unknown key\(s\) "weights"/);
    fails({ masking: { ratio: 2 } }, /masking\.ratio: .*got 2/);
    fails({ tokenizer: { kind: 'dvae', hiddenDim: 30 } }, /tokenizer\.hiddenDim: .*got 30/);
  });

  it("fills in BEiT's defaults, and the reference preset parses", () => {
    const config = beitConfigSchema.parse({});
    expect(config.tokenizer).toMatchObject({ kind: 'dvae', vocabularySize: 8192, hiddenDim: 256, groupCount: 4, blocksPerGroup: 2, inChannels: 3 });
    expect(config.masking).toMatchObject({ maskedPatchCount: 75, minPatchesPerBlock: 16 });
    expect(config.backbone.layerScaleInit).toBe(0.1);
    expect(config.optimizer).toMatchObject({ betas: [0.9, 0.999], weightDecay: 0.05, clipGradient: 3, warmupEpochs: 10, minLearningRate: 1e-5 });
    expect(beitConfigSchema.parse(BEIT_FASHION_MNIST_REFERENCE).tokenizer).toMatchObject({ kind: 'kmeans', vocabularySize: 256 });
  });
});

describe('createBeitTokenizer', () => {
  it('fits a k-means codebook on bytes or a tensor, from the seed', async () => {
    const a = await createBeitTokenizer(tiny, { images: dataset });
    const tensor = tf.div(tf.tensor4d(dataset.images, [20, 16, 16, 1], 'float32'), 255) as tf.Tensor4D;
    const b = await createBeitTokenizer(tiny, { images: tensor });
    expect(a.name).toBe('kmeans');
    expect(a.vocabularySize).toBe(8);
    // 20 images x 16 patches = 320 < maxPatches: both fit on every patch with the same rng
    const codebook = (t: typeof a) => (t.parameters()[0]!.variable as tf.Tensor).array();
    expect(await codebook(a)).toEqual(await codebook(b));
    tensor.dispose();
    a.dispose();
    b.dispose();
    await expect(createBeitTokenizer(tiny)).rejects.toThrow(/a "kmeans" tokenizer needs the training images/);
  });

  it('restoring: an empty codebook of the fitted shape, without images, that a checkpoint fills', async () => {
    const fitted = await createBeitTokenizer(tiny, { images: dataset });
    const restored = await createBeitTokenizer(tiny, { restoring: true });
    const codebook = (t: typeof fitted) => t.parameters()[0]!.variable as tf.Tensor;
    expect(codebook(restored).shape).toEqual(codebook(fitted).shape);
    expect(await codebook(restored).data()).toEqual(new Float32Array(8 * 16));
    loadStateDict(restored, await exportStateDict(fitted));
    expect(await codebook(restored).array()).toEqual(await codebook(fitted).array());
    fitted.dispose();
    restored.dispose();
  });

  it("refuses training images whose sides the patch does not divide, or with fewer patches than visual tokens, naming the config's key", async () => {
    const odd = { images: new Uint8Array(20 * 18 * 18), count: 20, height: 18, width: 18, channels: 1 };
    await expect(createBeitTokenizer(tiny, { images: odd })).rejects.toThrow(/backbone\.patchSize: expected a divisor of the training images' 18x18 pixels.*got 4/);
    const few = { images: dataset.images.subarray(0, 256), count: 1, height: 16, width: 16, channels: 1 };
    await expect(createBeitTokenizer({ ...tiny, tokenizer: { kind: 'kmeans', vocabularySize: 17, iterations: 5 } }, { images: few })).rejects.toThrow(
      /tokenizer\.vocabularySize: expected at most the 16 patches of the 1 training images \(4x4 each\).*got 17/,
    );
  });

  it("loads DALL-E's encoder and a frozen teacher from state dicts, and says what is missing", async () => {
    const dvaeConfig: BeitConfigInput = { ...tiny, tokenizer: { kind: 'dvae', vocabularySize: 5, hiddenDim: 4, groupCount: 2, blocksPerGroup: 1, inChannels: 1 } };
    await expect(createBeitTokenizer(dvaeConfig)).rejects.toThrow(/"dvae" tokenizer needs DALL-E's encoder weights/);
    const source = createDvaeTokenizer({ patchSize: 4, vocabularySize: 5, hiddenDim: 4, groupCount: 2, blocksPerGroup: 1, inChannels: 1, seed: 3 });
    const dvae = await createBeitTokenizer(dvaeConfig, { stateDict: await exportStateDict(source) });
    const images = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const [x, y] = [source.tokenize(images), dvae.tokenize(images)];
    expect(await y.array()).toEqual(await x.array());
    tf.dispose([x, y]);
    source.dispose();
    dvae.dispose();

    const teacherConfig: BeitConfigInput = {
      ...tiny,
      tokenizer: {
        kind: 'teacher',
        backbone: { imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 1, headCount: 2 },
        head: { outDim: 12, patchOutDim: 10, hiddenDim: 16, bottleneckDim: 8, sharedHead: false },
      },
    };
    const network = combineModules({
      backbone: createVit({ imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 1, headCount: 2, maskToken: false, seed: 4 }),
      head: createIbotHead({ inDim: 16, outDim: 12, patchOutDim: 10, hiddenDim: 16, bottleneckDim: 8, sharedHead: false, seed: 5 }),
    });
    const teacher = await createBeitTokenizer(teacherConfig, { stateDict: await exportStateDict(network, 'teacher.') });
    expect(teacher.vocabularySize).toBe(10);
    const expected = tf.tidy(() => tf.argMax(network.parts.head.project(network.parts.backbone.encode(tf.div(tf.sub(images, 0.286), 0.353) as tf.Tensor4D)).patchLogits, 2));
    const ids = teacher.tokenize(images);
    expect(await ids.array()).toEqual(await expected.array());
    tf.dispose([expected, ids, images]);
    teacher.dispose();
    const before = tf.memory().numTensors;
    await expect(createBeitTokenizer(teacherConfig, { stateDict: await exportStateDict(network, 'module.') })).rejects.toThrow(/teacher's weights do not fit/);
    expect(tf.memory().numTensors).toBe(before);
    await expect(
      createBeitTokenizer({ ...teacherConfig, tokenizer: { ...teacherConfig.tokenizer, backbone: { patchSize: 2 } } as never }, { stateDict: new Map() }),
    ).rejects.toThrow(/tokenizer\.backbone\.patchSize: expected backbone\.patchSize \(4\), got 2/);
    network.dispose();
  });
});
