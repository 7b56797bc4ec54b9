import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { createAdamW, cosineSchedule } from '@selfsup/optim';
import { train, type TrainOptions } from './train.js';
import { readCheckpoint } from './load-checkpoint.js';
import type { MetricsRecord } from './metrics-writer.js';
import {
  createMaskedPixelRecipe,
  createTestOptimizer,
  pixelBatches,
  type MaskedPixelRecipeOptions,
  type PixelBatch,
  type PixelOutputs,
  type PixelTargets,
  type PixelViews,
} from './testing/masked-pixel-recipe.js';
import { removeTempDirs, snapshotModules, tempDir } from './testing/helpers.js';
import type { DivergenceOptions } from './divergence-guard.js';

afterAll(removeTempDirs);

type PixelTrainOptions = TrainOptions<PixelBatch, PixelViews, PixelOutputs, PixelTargets>;

/** A run of `epochs` epochs of 4 batches (or 2 steps of 2 micro-batches), made the same way every time. */
function makeRun(epochs: number, options: { accumulationSteps?: number; recipe?: MaskedPixelRecipeOptions } = {}) {
  const accumulationSteps = options.accumulationSteps ?? 1;
  const data = pixelBatches({ seed: 8 });
  const iterationsPerEpoch = data.batchesPerEpoch / accumulationSteps;
  const recipe = createMaskedPixelRecipe({ seed: 41, ...options.recipe });
  const optimizer = createTestOptimizer(recipe, epochs, iterationsPerEpoch);
  const base: PixelTrainOptions = {
    recipe,
    optimizer,
    batches: data.batches,
    epochs,
    iterationsPerEpoch,
    accumulationSteps,
    seed: 13,
    progress: 'none',
    gradients: { clipPerParameter: 3 },
    config: { note: 'test run', epochs },
  };
  return {
    recipe,
    optimizer,
    base,
    dispose(): void {
      optimizer.dispose();
      recipe.dispose();
    },
  };
}

function readMetrics(path: string): MetricsRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as MetricsRecord);
}

/** An uninterrupted run of `epochs` epochs: its final weights and per-step losses. */
async function reference(epochs: number, accumulationSteps = 1) {
  const run = makeRun(epochs, { accumulationSteps });
  const records: MetricsRecord[] = [];
  const result = await train({ ...run.base, onStep: (r) => void records.push(r) });
  expect(result.status).toBe('completed');
  const weights = await snapshotModules(run.recipe);
  const moments = await run.optimizer.getState();
  run.dispose();
  return { weights, moments, losses: records.map((r) => [r.loss, r.terms]) };
}

describe('train', () => {
  it('trains to the end with checkpoints, metrics, a steady tensor count and no signal handlers left', async () => {
    const dir = tempDir();
    const metricsFile = join(dir, 'metrics.jsonl');
    const run = makeRun(3);
    const records: MetricsRecord[] = [];
    const listeners = process.listenerCount('SIGINT');
    const tensors = tf.memory().numTensors;
    const result = await train({ ...run.base, checkpoint: { dir, everySteps: 5, keep: 2 }, metricsFile, onStep: (r) => void records.push(r) });
    expect(process.listenerCount('SIGINT')).toBe(listeners);
    // all that remains of the run are the optimizer's two moments per parameter
    expect(tf.memory().numTensors - tensors).toBe(2 * run.recipe.trainableParameters().length);
    expect(result).toMatchObject({ status: 'completed', step: 12, epoch: 3, checkpoint: join(dir, 'step-12.safetensors') });
    // saved at 5 and 10 and at the end; two kept
    expect(readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort()).toEqual(['step-10.safetensors', 'step-12.safetensors']);
    expect(records.map((r) => r.iteration)).toEqual([...Array(12).keys()]);
    // the same tensors after every step, checkpoints included
    expect(new Set(records.map((r) => r.numTensors)).size).toBe(1);
    const first = records.slice(0, 4).reduce((s, r) => s + r.loss, 0);
    const last = records.slice(-4).reduce((s, r) => s + r.loss, 0);
    expect(last).toBeLessThan(0.6 * first);
    // one JSON line per step with the step's numbers
    const lines = readMetrics(metricsFile);
    expect(lines.map((l) => l.loss)).toEqual(records.map((r) => r.loss));
    const line = lines[5]!;
    expect(line).toMatchObject({ iteration: 5, epoch: 1, momentum: expect.closeTo(0.9, 6) });
    expect(Object.keys(line.terms)).toEqual(['pixel', 'distill']);
    for (const key of ['learningRate', 'weightDecay', 'gradNorm', 'imagesPerSecond', 'stepMs', 'dataMs', 'rssMb', 'heapMb', 'numTensors'] as const) {
      expect(Number.isFinite(line[key])).toBe(true);
    }
    const { metadata } = await readCheckpoint(join(dir, 'step-12.safetensors'));
    expect(metadata).toMatchObject({ step: 12, epoch: 3, seed: 13, config: { note: 'test run', epochs: 3 } });
    run.dispose();
  });

  it('continues an interrupted run exactly as if it had never stopped', async () => {
    const expected = await reference(3);
    const dir = tempDir();
    const metricsFile = join(dir, 'metrics.jsonl');
    // stop after step 5 (in epoch 1), as Ctrl-C would
    const stopped = makeRun(3);
    const controller = new AbortController();
    const first = await train({
      ...stopped.base,
      checkpoint: { dir, everySteps: 100 },
      metricsFile,
      signal: controller.signal,
      onStep: (r) => (r.iteration === 4 ? controller.abort() : undefined),
    });
    expect(first).toMatchObject({ status: 'interrupted', step: 5, epoch: 1, checkpoint: join(dir, 'step-5.safetensors') });
    stopped.dispose();
    // a new process would build everything afresh, then resume
    const resumed = makeRun(3);
    const second = await train({ ...resumed.base, checkpoint: { dir, everySteps: 100 }, metricsFile, resume: true });
    expect(second).toMatchObject({ status: 'completed', step: 12, resumedFrom: join(dir, 'step-5.safetensors') });
    expect(await snapshotModules(resumed.recipe)).toEqual(expected.weights);
    expect(await resumed.optimizer.getState()).toEqual(expected.moments);
    expect(readMetrics(metricsFile).map((r) => [r.loss, r.terms])).toEqual(expected.losses);
    resumed.dispose();
  });

  it('resumes exactly with gradient accumulation, mid-epoch', async () => {
    // 4 batches per epoch, 2 per step: 2 steps per epoch; stop after step 3 (epoch 1, batch 2)
    const expected = await reference(3, 2);
    const dir = tempDir();
    const stopped = makeRun(3, { accumulationSteps: 2 });
    const controller = new AbortController();
    await train({ ...stopped.base, checkpoint: { dir }, signal: controller.signal, onStep: (r) => (r.iteration === 2 ? controller.abort() : undefined) });
    stopped.dispose();
    const resumed = makeRun(3, { accumulationSteps: 2 });
    const records: MetricsRecord[] = [];
    const result = await train({ ...resumed.base, checkpoint: { dir }, resume: true, onStep: (r) => void records.push(r) });
    expect(result).toMatchObject({ status: 'completed', step: 6, resumedFrom: join(dir, 'step-3.safetensors') });
    expect(records.map((r) => [r.loss, r.terms])).toEqual(expected.losses.slice(3));
    expect(records.every((r) => r.microBatches === 2)).toBe(true);
    expect(await snapshotModules(resumed.recipe)).toEqual(expected.weights);
    resumed.dispose();
  });

  it('stops on a non-finite loss and leaves the last good checkpoint', async () => {
    const dir = tempDir();
    const run = makeRun(3, { recipe: { poisonAtIteration: 5 } });
    const error = await train({ ...run.base, checkpoint: { dir, everySteps: 2 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SslError);
    expect((error as SslError).code).toBe('NON_FINITE_LOSS');
    expect((error as SslError).message).toMatch(/iteration 5 \(epoch 1\)[\s\S]*pixel = Infinity[\s\S]*The last good checkpoint is .*step-4\.safetensors/);
    expect(JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')).file).toBe('step-4.safetensors');
    expect(existsSync(join(dir, 'step-6.safetensors'))).toBe(false);
    // the checkpoint is whole, and it holds the weights the failed step did not change
    const { metadata, tensors } = await readCheckpoint(join(dir, 'step-4.safetensors'));
    expect(metadata.step).toBe(4);
    const live = await snapshotModules(run.recipe);
    // step 4 (iteration 4) ran after the checkpoint, so the live weights are one step ahead of it
    expect(tensors.get('student.decoder.weight')!.data).not.toEqual(live.get('student.decoder.weight'));
    expect(process.listenerCount('SIGTERM')).toBe(0);
    run.dispose();
  });

  describe('with a learning rate far too high', () => {
    /** A run whose learning rate warms up to `learningRate` over 3 of its 4 epochs, checkpointed every step. */
    function runAway(learningRate: number, divergence?: DivergenceOptions, everySteps = 1) {
      const data = pixelBatches({ seed: 8 });
      const recipe = createMaskedPixelRecipe({ seed: 41 });
      const optimizer = createAdamW({
        parameters: recipe.trainableParameters(),
        learningRate: cosineSchedule({ baseValue: learningRate, finalValue: learningRate, epochs: 4, iterationsPerEpoch: 4, warmupEpochs: 3 }),
        weightDecay: 0.04,
      });
      const dir = tempDir();
      const records: MetricsRecord[] = [];
      const done = train({
        recipe,
        optimizer,
        batches: data.batches,
        epochs: 4,
        iterationsPerEpoch: 4,
        seed: 13,
        progress: 'none',
        checkpoint: { dir, everySteps },
        ...(divergence ? { divergence } : {}),
        onStep: (r) => void records.push(r),
      }).catch((e: unknown) => e);
      return { dir, records, done, dispose: () => (optimizer.dispose(), recipe.dispose()) };
    }

    it('stops before a diverged checkpoint: the last good one is finite and resumes with a sane learning rate', async () => {
      const run = runAway(1e4);
      const error = (await run.done) as SslError;
      expect(error).toBeInstanceOf(SslError);
      expect(error.code).toBe('DIVERGED');
      const latest = JSON.parse(readFileSync(join(run.dir, 'latest.json'), 'utf8')) as { file: string; step: number };
      const good = join(run.dir, latest.file);
      // the loss of iteration i measures the weights of step i (the state after i steps): it jumped,
      // so they were not saved; the checkpoint before them is the latest
      const iteration = error.details.iteration as number;
      expect(iteration).toBe(latest.step + 1);
      expect(readdirSync(run.dir).filter((f) => f.endsWith('.safetensors')).every((f) => Number(/\d+/.exec(f)![0]) <= latest.step)).toBe(true);
      expect(run.records.map((r) => r.iteration)).toEqual([...Array(iteration).keys()]);
      expect(error.message).toMatch(new RegExp(`^train: the run diverged at iteration ${iteration} \\(epoch \\d\\): its loss, [\\d.e+]+ is [\\d.e+]+ times the median`));
      expect(error.message).toContain(`The last good checkpoint is ${good}: lower the learning rate (or lengthen its warm-up)`);
      expect(error.message).toContain(`resume from ${good} (the latest checkpoint of ${run.dir}: resume: true`);
      expect(error.details).toMatchObject({ iteration, lastCheckpoint: good });
      run.dispose();
      // every number of it is finite, and the weights are sane
      const { tensors } = await readCheckpoint(good);
      for (const [name, tensor] of tensors) {
        expect(tensor.data.every(Number.isFinite), name).toBe(true);
        if (name.startsWith('student.')) expect(tensor.data.every((v) => Math.abs(v) < 100), name).toBe(true);
      }
      // resumed with a sane learning rate, the run trains to its end and its loss falls
      const sane = makeRun(4);
      const resumed: MetricsRecord[] = [];
      const result = await train({ ...sane.base, seed: 13, gradients: {}, checkpoint: { dir: run.dir, everySteps: 1 }, resume: true, onStep: (r) => void resumed.push(r) });
      expect(result).toMatchObject({ status: 'completed', step: 16, resumedFrom: good });
      expect(resumed.every((r) => Number.isFinite(r.loss) && r.loss < 1)).toBe(true);
      expect(resumed.at(-1)!.loss).toBeLessThan(0.5 * resumed[0]!.loss);
      sane.dispose();
    });

    it('refuses to save weights beyond divergence.maxAbsWeight even while the loss looks fine', async () => {
      const run = runAway(1e8, { lossJumpFactor: 1e30 });
      const error = (await run.done) as SslError;
      expect(error.code).toBe('DIVERGED');
      const latest = JSON.parse(readFileSync(join(run.dir, 'latest.json'), 'utf8')) as { file: string; step: number };
      const step = latest.step + 1;
      expect(error.message).toMatch(
        new RegExp(`^train: the run diverged by step ${step} \\(epoch \\d\\): parameter "[\\w.]+" holds a weight of magnitude [\\d.e+]+ \\(more than divergence\\.maxAbsWeight 1000000\\), so step ${step} was not saved\\.`),
      );
      expect(error.details.value).toBeGreaterThan(1e6);
      expect(existsSync(join(run.dir, `step-${step}.safetensors`))).toBe(false);
      run.dispose();
    });

    it('checks the last checkpoint of a run too', async () => {
      // no checkpoint before the end: the last one is refused on the loss of the last step
      const run = runAway(100, { maxAbsWeight: 1e30 }, 100);
      const error = (await run.done) as SslError;
      expect(error.code).toBe('DIVERGED');
      expect(error.message).toMatch(/^train: the run diverged by step 16: the loss of iteration 15, [\d.e+]+ is [\d.e+]+ times the median [\d.]+ of the run's losses/);
      expect(error.message).toContain('No checkpoint was written yet: lower the learning rate (or lengthen its warm-up) and start again.');
      expect(readdirSync(run.dir).filter((f) => f !== '.selfsup.lock')).toEqual([]);
      run.dispose();
    });
  });

  it('refuses options that must be functions when they are not, before the first step', async () => {
    const run = makeRun(1);
    let steps = 0;
    for (const [key, value] of [['batchSize', 64], ['onStep', 'log']] as const) {
      const error = await train({ ...run.base, [key]: value as never, onStep: key === 'onStep' ? (value as never) : () => void steps++ }).catch((e: unknown) => e);
      expect((error as SslError).code, key).toBe('INVALID_ARGUMENT');
      expect((error as SslError).message).toMatch(new RegExp(`train\\(options\\.${key}\\): expected a function.*got`));
    }
    expect(steps).toBe(0);
    run.dispose();
  });

  it('refuses to resume with fewer epochs than the checkpoint already trained, and resumes a finished run as finished', async () => {
    const dir = tempDir();
    const run = makeRun(2);
    await train({ ...run.base, checkpoint: { dir, everySteps: 2 } });
    run.dispose();
    const files = readdirSync(dir).sort();
    const shorter = makeRun(1);
    const error = await train({ ...shorter.base, checkpoint: { dir }, resume: true }).catch((e: unknown) => e);
    expect((error as SslError).code).toBe('INVALID_ARGUMENT');
    expect((error as SslError).message).toMatch(/train\(options\.epochs\): expected at least 2: .*step-8\.safetensors is at step 8 \(4 steps an epoch\), past the end of 1 epoch\(s\).*got 1.*--epochs 2/s);
    expect(readdirSync(dir).sort()).toEqual(files);
    shorter.dispose();
    const same = makeRun(2);
    expect(await train({ ...same.base, checkpoint: { dir }, resume: true })).toMatchObject({ status: 'completed', step: 8 });
    same.dispose();
  });

  it('never overwrites a run: refuses a fresh start in a used folder, a damaged or foreign checkpoint', async () => {
    const dir = tempDir();
    const run = makeRun(1);
    await train({ ...run.base, checkpoint: { dir, everySteps: 2 } });
    run.dispose();
    const snapshot = () => readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name)).toString('base64')]);
    const files = snapshot();
    // a new run into the same folder
    const fresh = makeRun(1);
    await expect(train({ ...fresh.base, checkpoint: { dir } })).rejects.toThrow(/holds .*step-4\.safetensors[\s\S]*resume: true/);
    // another model
    const wider = makeRun(1, { recipe: { embedDim: 16 } });
    const foreign = await train({ ...wider.base, checkpoint: { dir }, resume: true }).catch((e: unknown) => e);
    expect((foreign as SslError).code).toBe('CHECKPOINT_INCOMPATIBLE');
    expect((foreign as SslError).message).toMatch(/\[1, 1, 8\] in the checkpoint but \[1, 1, 16\] in this model/);
    // other run settings
    await expect(train({ ...fresh.base, iterationsPerEpoch: 2, checkpoint: { dir }, resume: true })).rejects.toThrow(
      /iterationsPerEpoch 4 in the checkpoint, 2 now/,
    );
    expect(snapshot()).toEqual(files);
    // a damaged latest checkpoint: refused, with the others named
    const latest = join(dir, 'step-4.safetensors');
    const bytes = readFileSync(latest);
    writeFileSync(latest, bytes.subarray(0, bytes.length - 100));
    const damaged = await train({ ...fresh.base, checkpoint: { dir }, resume: true }).catch((e: unknown) => e);
    expect((damaged as SslError).code).toBe('CHECKPOINT_CORRUPT');
    expect((damaged as SslError).message).toMatch(/step-4\.safetensors[\s\S]*truncated[\s\S]*Other checkpoints: .*step-2\.safetensors/);
    expect(readFileSync(join(dir, 'step-2.safetensors')).toString('base64')).toBe(files.find(([n]) => n === 'step-2.safetensors')![1]);
    // and the model it was refused for is untouched
    const untouched = makeRun(1);
    expect(await snapshotModules(fresh.recipe)).toEqual(await snapshotModules(untouched.recipe));
    for (const r of [fresh, wider, untouched]) r.dispose();
  });

  it('reports batches that run out before the epoch ends', async () => {
    const run = makeRun(1);
    const short = pixelBatches({ seed: 8, imageCount: 12 }); // 3 batches for 4 iterations
    const dir = tempDir();
    await expect(train({ ...run.base, batches: short.batches, checkpoint: { dir, everySteps: 3 } })).rejects.toThrow(/expected 4 batches .*got "3 batches"/);
    // the checkpoint of step 3 waited for the next step's loss; a failure that is no divergence still writes it
    expect(JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')).file).toBe('step-3.safetensors');
    run.dispose();
  });
});
