import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, createRng } from '@selfsup/core';
import { createLinearHead } from '@selfsup/heads';
import { expectNoLeaks } from '@selfsup/testing';
import { backboneConfigSchema } from './ibot-config.js';
import { createDinoRecipe } from './dino-recipe.js';
import { createIbotRecipe } from './ibot-recipe.js';
import { createMaeRecipe } from './mae-recipe.js';
import { createBeitRecipe } from './beit-recipe.js';
import { createDinov2StyleRecipe } from './dinov2-recipe.js';
import { createDvaeTokenizer } from './dvae-tokenizer.js';
import { createFrozenTeacherTokenizer } from './frozen-teacher-tokenizer.js';
import { createKmeansTokenizer } from './kmeans-tokenizer.js';
import { createBackbone, createScheduledAdamW, imagesFromBatch, lastLayerGradients, mergeModules, patchGrid, stackCrops } from './pretraining-parts.js';

const settings = { learningRate: 1e-3, minLearningRate: 1e-6, warmupEpochs: 1, weightDecay: 0.04, weightDecayEnd: 0.4, betas: [0.9, 0.999] as const, eps: 1e-8 };

describe('pretraining parts', () => {
  it('imagesFromBatch scales bytes to [0, 1] in NHWC, without leaks', async () => {
    const batch = { images: Uint8Array.from([0, 51, 255, 102]), size: 1, height: 2, width: 2, channels: 1 };
    const images = imagesFromBatch(batch);
    expect(images.shape).toEqual([1, 2, 2, 1]);
    Array.from(images.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0, 0.2, 1, 0.4][i]!, 6));
    images.dispose();
    await expectNoLeaks(() => imagesFromBatch(batch), 'imagesFromBatch');
  });

  it('stackCrops stacks each kind crop after crop and leaves the inputs alone', async () => {
    const crop = (value: number) => tf.fill([2, 1, 1, 1], value) as tf.Tensor4D;
    const views = { global: [crop(1), crop(2)], local: [crop(3)] };
    const stacked = stackCrops(views);
    expect(Array.from(stacked.global.dataSync())).toEqual([1, 1, 2, 2]);
    expect(Array.from(stacked.local!.dataSync())).toEqual([3, 3]);
    expect(stackCrops({ global: views.global, local: [] }).local).toBeUndefined();
    expect(views.global[0]!.isDisposed).toBe(false);
    await expectNoLeaks(() => stackCrops(views), 'stackCrops');
    tf.dispose([stacked.global, stacked.local!, ...views.global, ...views.local]);
  });

  it('createScheduledAdamW: the linear scaling rule, warm-up then cosine, cosine weight decay, groups', () => {
    const head = createLinearHead({ inDim: 2, outDim: 2 });
    const optimizer = createScheduledAdamW(head.parameters(), settings, { batchSize: 512, epochs: 2, iterationsPerEpoch: 2 });
    const info = [0, 1, 2, 3].map((i) => optimizer.step(new Map(), i));
    // base 1e-3 * 512 / 256 = 2e-3; warm-up linspace(0, 2e-3, 2); cosine over 2: 2e-3, (2e-3 + 1e-6) / 2
    [0, 2e-3, 2e-3, (2e-3 + 1e-6) / 2].forEach((v, i) => expect(info[i]!.learningRate).toBeCloseTo(v, 12));
    // 0.4 + 0.5 * (0.04 - 0.4) * (1 + cos(pi * i / 4)): 0.04, 0.092721, 0.22, 0.347279
    [0.04, 0.0927208, 0.22, 0.3472792].forEach((v, i) => expect(info[i]!.weightDecay).toBeCloseTo(v, 6));
    expect(optimizer.groups.map((g) => [g.name, g.parameters.map((p) => p.name)])).toEqual([
      ['decay', ['head.weight']],
      ['no_decay', ['head.bias']],
    ]);
    optimizer.dispose();
    const custom = createScheduledAdamW(head.parameters(), settings, { batchSize: 256, epochs: 1, iterationsPerEpoch: 1 }, { weightDecayExclude: () => true });
    expect(custom.groups.find((g) => g.name === 'decay')?.parameters ?? []).toEqual([]);
    custom.dispose();
    head.dispose();
  });

  it('lastLayerGradients clips per parameter and freezes the last layer', () => {
    const gradients = lastLayerGradients({ clipGradient: 3, freezeLastLayerEpochs: 1 });
    expect(gradients.clipPerParameter).toBe(3);
    expect(gradients.freeze![0]!.match('head.last_layer.weight_v')).toBe(true);
    expect(gradients.freeze![0]!.match('head.mlp.0.weight')).toBe(false);
    expect(gradients.freeze![0]!.untilEpoch).toBe(1);
    expect(lastLayerGradients({ clipGradient: 0, freezeLastLayerEpochs: 0 }).clipPerParameter).toBeUndefined();
  });

  it('mergeModules lists every part under its own name and refuses a name twice', () => {
    const a = createLinearHead({ inDim: 2, outDim: 2, prefix: 'a' });
    const b = createLinearHead({ inDim: 2, outDim: 2, prefix: 'b' });
    const merged = mergeModules(a, b);
    expect(merged.parameters().map((p) => p.name)).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
    expect(() => mergeModules(a, createLinearHead({ inDim: 2, outDim: 2, prefix: 'a', rng: createRng(1) }))).toThrow(/"a.weight" appears in two modules/);
    merged.dispose();
    expect(() => a.project(tf.zeros([1, 2]))).toThrow(/disposed/);
  });

  it('createBackbone builds the configured ViT; patchGrid refuses sizes the patch does not divide', () => {
    const vit = createBackbone(backboneConfigSchema.parse({ imageSize: 16, embedDim: 16, depth: 1, headCount: 2 }), { seed: 0, maskToken: false, dropPathRate: 0 });
    expect([vit.embedDim, vit.patchSize, vit.inChannels, vit.config.depth, vit.config.maskToken]).toEqual([16, 4, 1, 1, false]);
    vit.dispose();
    expect(patchGrid(28, 4, 'augmentation.size')).toBe(7);
    expect(() => patchGrid(30, 4, 'augmentation.size')).toThrow(SslError);
    expect(() => patchGrid(30, 4, 'augmentation.size')).toThrow(/augmentation\.size: expected a multiple of backbone\.patchSize \(4\), got 30/);
  });

  it('every recipe and tokenizer factory refuses null or missing options with INVALID_ARGUMENT, not a TypeError', () => {
    const factories: [string, (options: never) => unknown][] = [
      ['createDinoRecipe', createDinoRecipe],
      ['createIbotRecipe', createIbotRecipe],
      ['createMaeRecipe', createMaeRecipe],
      ['createBeitRecipe', createBeitRecipe],
      ['createDinov2StyleRecipe', (options) => createDinov2StyleRecipe({} as never, options)],
      ['createDvaeTokenizer', createDvaeTokenizer],
      ['createFrozenTeacherTokenizer', createFrozenTeacherTokenizer],
      ['createKmeansTokenizer', createKmeansTokenizer],
    ];
    for (const [name, create] of factories) {
      for (const options of [null, undefined]) {
        expect(() => create(options as never), `${name}(${String(options)})`).toThrow(
          expect.objectContaining({ name: 'SslError', code: 'INVALID_ARGUMENT', message: expect.stringContaining(`${name}(options): expected an options object`) }),
        );
      }
    }
  });
});
