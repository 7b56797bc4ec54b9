import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { SslError, type StepContext } from '@selfsup/core';
import { applyCheckpoint } from './apply-checkpoint.js';
import { captureCheckpoint } from './capture-checkpoint.js';
import { decodeCheckpoint } from './checkpoint-format.js';
import { trainStep } from './train-step.js';
import { stepRng } from './step-rng.js';
import { createMaskedPixelRecipe, createTestOptimizer, pixelBatches, type MaskedPixelRecipeOptions } from './testing/masked-pixel-recipe.js';
import { snapshotModules } from './testing/helpers.js';

// captureCheckpoint and applyCheckpoint are the file-free halves of saveCheckpoint and loadCheckpoint
// (whose own tests cover the format in depth): bytes out of a live recipe, bytes into another.

const batches = [...pixelBatches({ seed: 3 }).batches(0, { startBatch: 0 })];

function context(iteration: number): StepContext {
  return { iteration, epoch: Math.floor(iteration / 4), iterationsPerEpoch: 4, rng: stepRng(5, iteration) };
}

function setup(options: MaskedPixelRecipeOptions = {}) {
  const recipe = createMaskedPixelRecipe({ seed: 31, ...options });
  return { recipe, optimizer: createTestOptimizer(recipe, 2, 4) };
}

async function trained(steps: number, options: MaskedPixelRecipeOptions = {}) {
  const run = setup(options);
  for (let i = 0; i < steps; i++) await trainStep(run.recipe, batches[i % 4]!, { ...run, context: context(i) });
  return run;
}

function dispose(...runs: ReturnType<typeof setup>[]): void {
  for (const run of runs) {
    run.optimizer.dispose();
    run.recipe.dispose();
  }
}

describe('captureCheckpoint and applyCheckpoint', () => {
  it('carry modules, moments, step and config from one live recipe to another, with no file', async () => {
    const source = await trained(2);
    const { bytes, metadata } = await captureCheckpoint({ ...source, step: 2, iterationsPerEpoch: 4, seed: 5, config: { method: 'test' } });
    expect(metadata.step).toBe(2);
    const decoded = decodeCheckpoint(bytes, 'captured');
    expect(decoded.metadata.config).toEqual({ method: 'test' });

    const target = await trained(1, { seed: 77 }); // its optimizer holds moments of its own
    const tensors = tf.memory().numTensors;
    const applied = applyCheckpoint(decoded, target);
    expect(tf.memory().numTensors).toBe(tensors); // moments replaced, nothing added
    expect(applied.step).toBe(2);
    expect(await snapshotModules(target.recipe)).toEqual(await snapshotModules(source.recipe));
    expect(await target.optimizer.getState()).toEqual(await source.optimizer.getState());
    dispose(source, target);
  });

  it('refuses a checkpoint of another model and changes nothing', async () => {
    const source = await trained(1);
    const { bytes } = await captureCheckpoint({ ...source, step: 1, iterationsPerEpoch: 4 });
    const other = setup({ seed: 8, embedDim: 12 });
    const before = await snapshotModules(other.recipe);
    const error = (() => {
      try {
        applyCheckpoint(decodeCheckpoint(bytes, 'dropped.safetensors'), other);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SslError);
    expect((error as SslError).code).toBe('CHECKPOINT_INCOMPATIBLE');
    expect((error as SslError).message).toMatch(/dropped\.safetensors|the checkpoint/);
    expect(await snapshotModules(other.recipe)).toEqual(before);
    dispose(source, other);
  });

  it('names the argument when options are missing', async () => {
    await expect(captureCheckpoint(undefined as never)).rejects.toThrow(/captureCheckpoint\(options\)/);
    const source = await trained(0);
    const { bytes } = await captureCheckpoint({ ...source, step: 0, iterationsPerEpoch: 1 });
    expect(() => applyCheckpoint(decodeCheckpoint(bytes), {} as never)).toThrow(/applyCheckpoint\(options\)/);
    dispose(source);
  });
});
