import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SslError, readSafetensors, type StepContext } from '@selfsup/core';
import { saveCheckpoint } from './save-checkpoint.js';
import { readCheckpoint } from './load-checkpoint.js';
import { trainStep } from './train-step.js';
import { stepRng } from './step-rng.js';
import { createMaskedPixelRecipe, createTestOptimizer, pixelBatches } from './testing/masked-pixel-recipe.js';
import { removeTempDirs, snapshotModules, tempDir } from './testing/helpers.js';

afterAll(removeTempDirs);

async function trainedRecipe(steps: number) {
  const recipe = createMaskedPixelRecipe({ seed: 11 });
  const optimizer = createTestOptimizer(recipe, 2, 4);
  const batches = [...pixelBatches().batches(0, { startBatch: 0 })];
  for (let iteration = 0; iteration < steps; iteration++) {
    const context: StepContext = { iteration, epoch: 0, iterationsPerEpoch: 4, rng: stepRng(5, iteration) };
    await trainStep(recipe, batches[iteration % batches.length]!, { optimizer, context });
  }
  return { recipe, optimizer };
}

describe('saveCheckpoint', () => {
  it('writes modules and optimizer moments in PyTorch layout with complete metadata', async () => {
    const dir = tempDir();
    const { recipe, optimizer } = await trainedRecipe(2);
    const saved = await saveCheckpoint({ dir, recipe, optimizer, step: 6, iterationsPerEpoch: 4, seed: 5, config: { lr: 0.03, tags: ['a'] } });
    expect(saved.path).toBe(join(dir, 'step-6.safetensors'));
    const raw = readFileSync(saved.path);
    const file = readSafetensors(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
    // a Linear weight is [in, out] here and [out, in] in PyTorch, its moments too
    expect(file.tensors.get('student.decoder.weight')!.shape).toEqual([16, 8]);
    expect(file.tensors.get('optimizer.decoder.weight.exp_avg')!.shape).toEqual([16, 8]);
    expect(file.tensors.get('optimizer.decoder.weight.exp_avg_sq')!.shape).toEqual([16, 8]);
    expect(file.tensors.get('teacher.backbone.pos_embed')!.shape).toEqual([1, 5, 8]);

    const { metadata, tensors } = await readCheckpoint(saved.path);
    expect(metadata).toMatchObject({ recipe: 'masked-pixel-test', step: 6, epoch: 1, iterationsPerEpoch: 4, accumulationSteps: 1, seed: 5 });
    expect(metadata.config).toEqual({ lr: 0.03, tags: ['a'] });
    // the randomness of the next iteration, 6
    expect(metadata.rng).toEqual(stepRng(5, 6).getState());
    // two steps so far, for every trainable parameter
    expect(Object.keys(metadata.optimizer.steps).sort()).toEqual(recipe.trainableParameters().map((p) => p.name).sort());
    expect(Object.values(metadata.optimizer.steps).every((s) => s === 2)).toBe(true);
    // the fingerprint lists every module tensor with its PyTorch shape
    expect(metadata.modules).toContainEqual(['student.decoder.weight', [16, 8]]);
    expect(metadata.modules.length).toBe(recipe.modules().student!.parameters().length + recipe.modules().teacher!.parameters().length);
    // saved values are the live ones (the transposed decoder weight included, via the round trip of exportStateDict)
    const live = await snapshotModules(recipe);
    for (const [key, value] of live) expect(tensors.get(key)!.data).toEqual(value);

    const latest = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'));
    expect(latest).toMatchObject({ format: 'selfsup.latest.v1', file: 'step-6.safetensors', step: 6, epoch: 1 });
    optimizer.dispose();
    recipe.dispose();
  });

  it('keeps the newest `keep` checkpoints', async () => {
    const dir = tempDir();
    const { recipe, optimizer } = await trainedRecipe(1);
    for (const step of [1, 2, 3, 4]) await saveCheckpoint({ dir, recipe, optimizer, step, iterationsPerEpoch: 4, keep: 2 });
    expect(readdirSync(dir).sort()).toEqual(['latest.json', 'step-3.safetensors', 'step-4.safetensors']);
    optimizer.dispose();
    recipe.dispose();
  });

  it('leaves the previous checkpoint and latest.json untouched when a save fails', async () => {
    const dir = tempDir();
    const { recipe, optimizer } = await trainedRecipe(1);
    await saveCheckpoint({ dir, recipe, optimizer, step: 1, iterationsPerEpoch: 4, keep: 1 });
    const before = readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))] as const);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const error = await saveCheckpoint({ dir, recipe, optimizer, step: 2, iterationsPerEpoch: 4, keep: 1, config: cyclic }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SslError);
    expect((error as SslError).message).toMatch(/options\.config/);
    // a save into a folder that cannot be created (a file is in the way) fails the same way
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, 'not a folder');
    await expect(saveCheckpoint({ dir: join(blocked, 'sub'), recipe, optimizer, step: 2, iterationsPerEpoch: 4 })).rejects.toThrow();
    const after = readdirSync(dir).filter((name) => name !== 'blocked');
    expect(after.sort()).toEqual(before.map(([name]) => name).sort());
    for (const [name, bytes] of before) expect(readFileSync(join(dir, name)).equals(bytes)).toBe(true);
    expect(existsSync(join(dir, 'step-2.safetensors'))).toBe(false);
    optimizer.dispose();
    recipe.dispose();
  });

  it('rejects a module name that cannot prefix tensor names', async () => {
    const { recipe, optimizer } = await trainedRecipe(1);
    const dotted = { ...recipe, modules: () => ({ 'student.v2': recipe.modules().student! }) };
    await expect(saveCheckpoint({ dir: tempDir(), recipe: dotted, optimizer, step: 1, iterationsPerEpoch: 4 })).rejects.toThrow(/"student.v2"/);
    optimizer.dispose();
    recipe.dispose();
  });
});
