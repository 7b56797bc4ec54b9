import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readRunMetrics } from './run-metrics.js';
import { METHODS } from '@selfsup/ibot';
import { checkMethodDefinition, getMethod, methodNames, registerMethod } from './method-registry.js';
import { run, temporaryFolder, writeConfig } from './testing/cli-harness.js';

const backbone = { imageSize: 28, patchSize: 7, embedDim: 16, depth: 1, headCount: 2 };
const run1 = { backend: 'cpu', plot: false, progress: 'none', knnBeforeTraining: false };

/** A tiny configuration of every built-in method (ViT dim 16, depth 1). */
const TINY: Record<string, Record<string, unknown>> = {
  ibot: { backbone, head: { outDim: 32, hiddenDim: 32, bottleneckDim: 16 }, augmentation: { localCrops: 2, localSize: 14 } },
  dino: { backbone, head: { outDim: 32, hiddenDim: 32, bottleneckDim: 16 }, augmentation: { localCrops: 2, localSize: 14 } },
  dinov2: { backbone, head: { outDim: 32, hiddenDim: 32, bottleneckDim: 16 }, augmentation: { localCrops: 2, localSize: 14 } },
  mae: { backbone, decoder: { embedDim: 16, depth: 1, headCount: 2 } },
  beit: { backbone, masking: { ratio: 0.4, minPatchesPerBlock: 2 }, tokenizer: { kind: 'kmeans', vocabularySize: 16, iterations: 2, maxPatches: 512 } },
};

describe('the method registry', () => {
  it('registers iBOT, DINO, DINOv2-style, MAE and BEiT-style', () => {
    expect(methodNames()).toEqual(expect.arrayContaining(['ibot', 'dino', 'dinov2', 'mae', 'beit']));
    expect(getMethod('mae').featureToken).toBe('meanPatch');
    expect(() => getMethod('simclr')).toThrow(/method: expected one of "ibot", .*got "simclr"/);
  });

  it('reads the built-in methods from the plain list METHODS of @selfsup/ibot, in its order', () => {
    expect(methodNames().slice(0, METHODS.length)).toEqual(METHODS.map((m) => m.name));
    for (const method of METHODS) {
      expect(getMethod(method.name)).toBe(method);
      expect(() => checkMethodDefinition(method)).not.toThrow();
    }
  });

  it('refuses to register a method with a bad name or a key of its own sections', () => {
    const schema = z.strictObject({ epochs: z.number().default(1) });
    const create = () => {
      throw new Error('not built in this test');
    };
    expect(() => registerMethod({ name: 'My Method', title: 'x', summary: 'x', schema, create })).toThrow(/registerMethod\(definition\.name\): expected lower-case letters, digits and "-", got "My Method"/);
    const withRun = z.strictObject({ run: z.number().default(1) });
    expect(() => registerMethod({ name: 'mine', title: 'x', summary: 'x', schema: withRun, create })).toThrow(/registerMethod\(mine\): its schema has a key "run"/);
    expect(methodNames()).not.toContain('mine');
  });

  // k-NN (1,500 images through the backbone) only for MAE, the one evaluated on mean patch tokens
  it.each(methodNames().filter((name) => name in TINY))('pretrains %s for one step from a config file', async (name) => {
    const knn = name === 'mae';
    const folder = temporaryFolder(`method-${name}`);
    const outDir = join(folder, 'run');
    const path = writeConfig(folder, `${name}.yaml`, {
      method: name,
      epochs: 1,
      batchSize: 8,
      ...TINY[name],
      data: { heldOut: knn ? 'test' : 'none' },
      run: { ...run1, outDir, maxStepsPerEpoch: 1, knnOf: ['student'] },
    });
    const result = await run(['pretrain', '--config', path], folder);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/^done: step 1\/1/);
    const metrics = readRunMetrics(join(outDir, 'metrics.jsonl'));
    expect(metrics.steps).toHaveLength(1);
    expect(Number.isFinite(metrics.steps[0]!.loss)).toBe(true);
    expect(metrics.knn.map((r) => r.which)).toEqual(knn ? ['student'] : []);
  });

  it("BEiT-style's k-means codebook comes from the checkpoint on resume and export: the same losses, and no data needed", async () => {
    const folder = temporaryFolder('beit-restore');
    // a small image folder (2 classes x 8 gray 28x28 images), removed before the export
    const images = join(folder, 'images');
    for (const [c, name] of ['a', 'b'].entries()) {
      mkdirSync(join(images, 'train', name), { recursive: true });
      for (let i = 0; i < 8; i++) {
        const png = new PNG({ width: 28, height: 28 });
        for (let j = 0; j < png.data.length; j++) png.data[j] = j % 4 === 3 ? 255 : (c * 97 + i * 13 + j * 7) % 256;
        writeFileSync(join(images, 'train', name, `${i}.png`), PNG.sync.write(png));
      }
    }
    const outDir = join(folder, 'run');
    const config = {
      method: 'beit',
      epochs: 2,
      batchSize: 8,
      seed: 2,
      ...TINY.beit,
      data: { dataset: 'image-folder', folder: images, heldOut: 'none' },
      run: { ...run1, outDir, checkpointEverySteps: 2 },
    };
    const path = writeConfig(folder, 'beit.yaml', config);
    expect((await run(['pretrain', '--config', path], folder)).code).toBe(0);
    const whole = readRunMetrics(join(outDir, 'metrics.jsonl')).steps;
    expect(whole.map((s) => s.iteration)).toEqual([0, 1, 2, 3]);
    const fork = join(folder, 'fork');
    const resumed = await run(['pretrain', '--config', path, '--resume-from', join(outDir, 'checkpoints', 'step-2.safetensors'), '--out', fork], folder);
    expect(resumed.code, resumed.err).toBe(0);
    expect(readRunMetrics(join(fork, 'metrics.jsonl')).steps.map((s) => s.loss)).toEqual(whole.slice(2).map((s) => s.loss));
    rmSync(images, { recursive: true });
    // a run without held-out images: eval refuses before it reads any image (the folder is gone)
    const evaluation = await run(['eval', 'knn', '--checkpoint', outDir], folder);
    expect(evaluation.code).toBe(2);
    expect(evaluation.err).toMatch(/its run has data\.heldOut: none, so there are no held-out images to evaluate on\. Add --split test/);
    mkdirSync(join(images, 'train'), { recursive: true });
    const testSplit = await run(['eval', 'knn', '--checkpoint', outDir, '--split', 'test'], folder);
    expect(testSplit.code).toBe(2);
    expect(testSplit.err).toMatch(/^error \(INVALID_ARGUMENT\): --split test: the run's images have no test split \(no folder .*images\/test\)\. Leave out --split/);
    const exported = join(folder, 'backbone.safetensors');
    const result = await run(['export', '--checkpoint', join(outDir, 'checkpoints', 'step-4.safetensors'), '--out', exported], folder);
    expect(result.code, result.err).toBe(0);
    expect(existsSync(exported)).toBe(true);
  });
});
