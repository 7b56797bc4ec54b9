import { describe, expect, it } from 'vitest';
import { createRng } from '@selfsup/core';
import { stepRng, trainStep } from '@selfsup/train';
import { describeProblem } from './config-problem.js';
import { inputOf, type MethodContext } from './method-definition.js';
import { METHODS } from './methods.js';
import type { ImageBatch } from './pretraining.js';

const backbone = { imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 1, headCount: 2 };
const head = { outDim: 32, hiddenDim: 24, bottleneckDim: 8 };

/** A tiny configuration of every built-in method (16x16 grayscale, ViT dim 16, depth 1): a new method adds one. */
const TINY: Record<string, Record<string, unknown>> = {
  ibot: { batchSize: 4, backbone, head, augmentation: { globalSize: 16, localSize: 8, localCrops: 2 }, masking: { ratio: 0.3, variance: 0.1 } },
  dino: { batchSize: 4, backbone, head, augmentation: { globalSize: 16, localSize: 8, localCrops: 2 } },
  dinov2: { batchSize: 4, backbone, head, augmentation: { globalSize: 16, localSize: 8, localCrops: 2 }, masking: { ratio: 0.3, variance: 0.1 } },
  mae: { batchSize: 4, backbone, decoder: { embedDim: 16, depth: 1, headCount: 2 }, augmentation: { size: 16 } },
  beit: { batchSize: 4, backbone, masking: { ratio: 0.4, minPatchesPerBlock: 2 }, augmentation: { size: 16 }, tokenizer: { kind: 'kmeans', vocabularySize: 16, iterations: 2, maxPatches: 256 } },
};

function bytes(count: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length: count * 16 * 16 }, () => rng.integer(0, 256));
}

/** A context with 16 random 16x16 training images and no files. */
const context: MethodContext = {
  iterationsPerEpoch: 2,
  trainImages: () => Promise.resolve({ images: bytes(16, 1), count: 16, height: 16, width: 16, channels: 1 }),
  readFile: (path) => {
    throw new Error(`no file ${path} in this test`);
  },
};

describe('METHODS', () => {
  it('lists the built-in methods under unique command-line names', () => {
    expect(METHODS.map((m) => m.name)).toEqual(['ibot', 'dino', 'dinov2', 'mae', 'beit']);
    for (const method of METHODS) {
      expect(method.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(method.title.length).toBeGreaterThan(0);
      expect(method.summary.length).toBeGreaterThan(0);
    }
  });

  it.each(METHODS.map((m) => [m.name, m] as const))('%s: every key has a default, the presets are valid and give the Fashion-MNIST input', (_name, method) => {
    expect(method.schema.safeParse({}).success).toBe(true);
    for (const reserved of ['method', 'data', 'run']) expect(Object.keys(method.schema.shape)).not.toContain(reserved);
    const preset = method.schema.parse(method.presets?.['fashion-mnist-reference']);
    expect((method.check?.(preset) ?? []).map(describeProblem)).toEqual([]);
    expect(inputOf(method, preset)).toEqual({ channels: 1, imageSize: 28, mean: [0.286], std: [0.353] });
  });

  it.each(METHODS.map((m) => [m.name, m] as const))('%s: creates a pretraining named after it that trains a step', async (name, method) => {
    expect(TINY[name], `a tiny configuration of ${name} in this test`).toBeDefined();
    const config = method.schema.parse(TINY[name]);
    expect(method.check?.(config) ?? []).toEqual([]);
    const run = await method.create(config, context);
    expect(run.method).toBe(name);
    const batch: ImageBatch = { images: bytes(4, 2), size: 4, height: 16, width: 16, channels: 1 };
    const result = await trainStep(run.recipe, batch, {
      optimizer: run.optimizer,
      gradients: run.gradients,
      context: { iteration: 0, epoch: 0, iterationsPerEpoch: 2, rng: stepRng(0, 0) },
    });
    expect(Number.isFinite(result.loss)).toBe(true);
    for (const part of method.lossParts ?? []) expect(Object.keys(result.metrics)).toContain(part);
    const { student } = run.backbones();
    expect(student.embedDim).toBe(16);
    run.dispose();
  });
});
