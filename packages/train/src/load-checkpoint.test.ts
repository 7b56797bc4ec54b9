import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { SslError, writeSafetensors, type StepContext } from '@selfsup/core';
import { loadCheckpoint, readCheckpoint } from './load-checkpoint.js';
import { saveCheckpoint } from './save-checkpoint.js';
import { trainStep, type StepResult } from './train-step.js';
import { stepRng } from './step-rng.js';
import {
  createMaskedPixelRecipe,
  createTestOptimizer,
  pixelBatches,
  type MaskedPixelRecipeOptions,
  type PixelRecipe,
} from './testing/masked-pixel-recipe.js';
import { removeTempDirs, snapshotModules, tempDir } from './testing/helpers.js';

afterAll(removeTempDirs);

const batches = [...pixelBatches({ seed: 2 }).batches(0, { startBatch: 0 })];

function context(iteration: number): StepContext {
  return { iteration, epoch: Math.floor(iteration / 4), iterationsPerEpoch: 4, rng: stepRng(9, iteration) };
}

function setup(options: MaskedPixelRecipeOptions = {}) {
  const recipe = createMaskedPixelRecipe({ seed: 21, ...options });
  return { recipe, optimizer: createTestOptimizer(recipe, 2, 4) };
}

async function steps(run: ReturnType<typeof setup>, from: number, to: number): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for (let i = from; i < to; i++) out.push(await trainStep(run.recipe, batches[i % 4]!, { ...run, context: context(i) }));
  return out;
}

/** A checkpoint of a recipe trained for 3 steps, and the live state it was saved from. */
async function savedRun() {
  const dir = tempDir();
  const run = setup();
  await steps(run, 0, 3);
  const { path } = await saveCheckpoint({ dir, ...run, step: 3, iterationsPerEpoch: 4, seed: 9 });
  return { dir, path, run };
}

function dispose(...runs: { recipe: PixelRecipe; optimizer: { dispose(): void } }[]): void {
  for (const run of runs) {
    run.optimizer.dispose();
    run.recipe.dispose();
  }
}

async function expectRefused(path: string, run: ReturnType<typeof setup>, code: string, pattern: RegExp): Promise<void> {
  const weights = await snapshotModules(run.recipe);
  const moments = await run.optimizer.getState();
  const bytes = readFileSync(path);
  const error = await loadCheckpoint(path, run).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SslError);
  expect((error as SslError).code).toBe(code);
  expect((error as SslError).message).toMatch(pattern);
  // nothing changed: not the model, not the optimizer, not the file
  expect(await snapshotModules(run.recipe)).toEqual(weights);
  expect(await run.optimizer.getState()).toEqual(moments);
  expect(readFileSync(path).equals(bytes)).toBe(true);
}

describe('loadCheckpoint', () => {
  it('restores modules and optimizer so that training continues exactly', async () => {
    const { path, run } = await savedRun();
    const saved = await snapshotModules(run.recipe);
    const continued = await steps(run, 3, 6);
    // another initialisation, then the checkpoint
    const restored = setup({ seed: 99 });
    await steps(restored, 0, 1); // the optimizer has state of its own before loading
    const tensors = tf.memory().numTensors;
    const metadata = await loadCheckpoint(path, restored);
    expect(tf.memory().numTensors).toBe(tensors); // moments replaced, nothing added
    expect(metadata.step).toBe(3);
    expect(await snapshotModules(restored.recipe)).toEqual(saved);
    const again = await steps(restored, 3, 6);
    expect(again.map((r) => r.loss)).toEqual(continued.map((r) => r.loss));
    expect(await snapshotModules(restored.recipe)).toEqual(await snapshotModules(run.recipe));
    expect(await restored.optimizer.getState()).toEqual(await run.optimizer.getState());
    dispose(run, restored);
  });

  it('refuses a truncated checkpoint (CHECKPOINT_CORRUPT)', async () => {
    const { path, run } = await savedRun();
    const truncated = path.replace('step-3', 'step-2');
    const bytes = readFileSync(path);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    await expectRefused(truncated, setup(), 'CHECKPOINT_CORRUPT', /truncated/);
    writeFileSync(truncated, bytes.subarray(0, 5));
    await expectRefused(truncated, setup(), 'CHECKPOINT_CORRUPT', /shorter than the 8-byte header/);
    dispose(run);
  });

  it('refuses a checkpoint whose tensors were damaged (checksum)', async () => {
    const { path, run } = await savedRun();
    const bytes = Buffer.from(readFileSync(path));
    bytes[bytes.length - 3]! ^= 0x40; // one bit of the last tensor
    writeFileSync(path, bytes);
    await expectRefused(path, setup(), 'CHECKPOINT_CORRUPT', /do not match their checksum/);
    dispose(run);
  });

  it('refuses garbage, plain weights and damaged metadata (CHECKPOINT_CORRUPT)', async () => {
    const dir = tempDir();
    const run = setup();
    const garbage = join(dir, 'step-1.safetensors');
    writeFileSync(garbage, Buffer.from('0123456789abcdef'.repeat(8)));
    await expectRefused(garbage, run, 'CHECKPOINT_CORRUPT', /not a valid safetensors file/);
    const plain = join(dir, 'step-2.safetensors');
    writeFileSync(plain, writeSafetensors({ w: { shape: [1], data: new Float32Array([1]) } }));
    await expectRefused(plain, run, 'CHECKPOINT_CORRUPT', /without selfsup training metadata.*loadStateDict/);
    const badMetadata = join(dir, 'step-3.safetensors');
    writeFileSync(badMetadata, writeSafetensors({ w: { shape: [1], data: new Float32Array([1]) } }, { metadata: { selfsup: '{"format":"selfsup.checkpoint.v1","step":-1}' } }));
    await expectRefused(badMetadata, run, 'CHECKPOINT_CORRUPT', /metadata is invalid[\s\S]*step/);
    await expect(readCheckpoint(join(dir, 'missing.safetensors'))).rejects.toThrow(/cannot be read \(ENOENT\)/);
    dispose(run);
  });

  it('refuses a checkpoint of another model, naming the first differing tensor and both shapes', async () => {
    const { path, run } = await savedRun();
    const wider = setup({ embedDim: 16 });
    await expectRefused(path, wider, 'CHECKPOINT_INCOMPATIBLE', /"student\.backbone\.cls_token" has shape \[1, 1, 8\] in the checkpoint but \[1, 1, 16\] in this model/);
    const renamed = setup({ name: 'another-recipe' });
    await expectRefused(path, renamed, 'CHECKPOINT_INCOMPATIBLE', /written by recipe "masked-pixel-test", not "another-recipe"/);
    // a model with a module the checkpoint lacks
    const extra = setup();
    const withExtra = { ...extra, recipe: { ...extra.recipe, modules: () => ({ ...extra.recipe.modules(), center: { parameters: () => [extra.recipe.trainableParameters()[0]!], dispose: () => undefined } }) } };
    await expectRefused(path, withExtra, 'CHECKPOINT_INCOMPATIBLE', /"center\.backbone\.cls_token" \(shape \[1, 1, 8\] in this model\) is not in the checkpoint/);
    dispose(run, wider, renamed, extra);
  });
});
