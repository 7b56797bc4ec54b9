import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, type Recipe } from '@selfsup/core';
import { stepRng, trainStep } from '@selfsup/train';
import type { ImageBatch } from './pretraining.js';
import { createIbotPretraining, type IbotPretraining } from './ibot/ibot-pretraining.js';
import { createDinoPretraining } from './dino/dino-pretraining.js';
import { ibotMethod } from './ibot/ibot-method.js';
import { ibotConfigSchema } from './ibot/ibot-config.js';

// A tiny Swin: 28x28 grayscale, patch 2 (a 14x14 grid), window 7, two stages (7x7 after merging).
const swin = { arch: 'swin', imageSize: 28, patchSize: 2, embedDim: 8, depths: [1, 1], headCounts: [2, 2], windowSize: 7 } as const;
const head = { outDim: 16, hiddenDim: 16, bottleneckDim: 8 };
const augmentation = { globalSize: 28, localSize: 12, localCrops: 2 };

function batch(seed: number, size = 2): ImageBatch {
  const rng = createRng(seed);
  return { images: Uint8Array.from({ length: size * 28 * 28 }, () => rng.integer(0, 256)), size, height: 28, width: 28, channels: 1 };
}

async function twoSteps<V, O, T>(run: { readonly recipe: Recipe<ImageBatch, V, O, T> } & Pick<IbotPretraining, 'optimizer' | 'gradients'>): Promise<number[]> {
  const losses: number[] = [];
  for (let iteration = 0; iteration < 2; iteration++) {
    const result = await trainStep(run.recipe, batch(iteration), {
      optimizer: run.optimizer,
      gradients: run.gradients,
      context: { iteration, epoch: 0, iterationsPerEpoch: 2, rng: stepRng(0, iteration) },
    });
    losses.push(result.loss);
  }
  return losses;
}

describe('pretraining with a Swin Transformer (backbone.arch: swin)', () => {
  it("iBOT samples its masks at the Swin's last-stage grid and trains; the teacher does not average relative_position_index", async () => {
    const run = createIbotPretraining({ epochs: 1, batchSize: 2, backbone: swin, head, augmentation, masking: { ratio: 0.3, variance: 0.1 } }, 2);
    const { student, teacher } = run.backbones();
    expect([student.arch, teacher!.arch]).toEqual(['swin', 'swin']);
    const views = run.recipe.makeViews(batch(9), { iteration: 0, epoch: 0, iterationsPerEpoch: 2, rng: stepRng(0, 0) });
    expect(views.masks.shape).toEqual([2 * 2, 7 * 7]); // swin.maskGrid(28, 28), not (28 / 2)^2
    tf.dispose(views as never);
    const losses = await twoSteps(run);
    expect(losses.every(Number.isFinite)).toBe(true);
    const index = teacher!.parameters().find((p) => p.name.endsWith('.relative_position_index'))!;
    expect(index.buffer).toBe('computed');
    run.dispose();
  });

  it('DINO trains with it', async () => {
    const run = createDinoPretraining({ epochs: 1, batchSize: 2, backbone: swin, head, augmentation }, 2);
    expect((await twoSteps(run)).every(Number.isFinite)).toBe(true);
    run.dispose();
  });

  it("checks the Swin's rules: crop sides multiples of the patch, each stage's width a multiple of its heads", () => {
    const config = ibotConfigSchema.parse({ backbone: { ...swin, imageSize: 27, headCounts: [3, 2] }, augmentation: { ...augmentation, globalSize: 27 } });
    expect(ibotMethod.check!(config).map((p) => p.key)).toEqual(['backbone.imageSize', 'backbone.headCounts.0', 'augmentation.globalSize']);
    expect(ibotMethod.check!(ibotConfigSchema.parse({ backbone: swin, augmentation }))).toEqual([]);
  });
});
