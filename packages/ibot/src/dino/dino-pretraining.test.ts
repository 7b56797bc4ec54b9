import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, createRng } from '@selfsup/core';
import { stepRng, trainStep, trainStepAccumulated } from '@selfsup/train';
import { expectNoLeaks } from '@selfsup/testing';
import { sinkhornKnopp } from '@selfsup/losses';
import { createDinoPretraining } from './dino-pretraining.js';
import { dinoConfigSchema, DINO_FASHION_MNIST_REFERENCE, type DinoConfigInput } from './dino-config.js';
import { parseConfig } from '../parse-config.js';
import type { ImageBatch } from '../pretraining.js';

// A tiny configuration: 16x16 grayscale, patch 4, dim 16, depth 1.
const tiny: DinoConfigInput = {
  epochs: 2,
  batchSize: 4,
  backbone: { imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 1, headCount: 2 },
  head: { outDim: 32, hiddenDim: 24, bottleneckDim: 8 },
  augmentation: { globalSize: 16, localSize: 8, localCrops: 2 },
  optimizer: { warmupEpochs: 1 },
};

function batch(seed: number, size = 4): ImageBatch {
  const rng = createRng(seed);
  return { images: Uint8Array.from({ length: size * 16 * 16 }, () => rng.integer(0, 256)), size, height: 16, width: 16, channels: 1 };
}

const context = (iteration: number, iterationsPerEpoch = 3) => ({
  iteration,
  epoch: Math.floor(iteration / iterationsPerEpoch),
  iterationsPerEpoch,
  rng: stepRng(0, iteration),
});

/** Trains `steps` steps and returns the losses; asserts a steady tensor count once every parameter has its AdamW moments. */
async function trainSteps(run: ReturnType<typeof createDinoPretraining>, steps: number): Promise<{ losses: number[]; terms: Record<string, number>[] }> {
  const losses: number[] = [];
  const terms: Record<string, number>[] = [];
  let count = 0;
  for (let iteration = 0; iteration < steps; iteration++) {
    const result = await trainStep(run.recipe, batch(iteration), { optimizer: run.optimizer, gradients: run.gradients, context: context(iteration) });
    losses.push(result.loss);
    terms.push({ ...result.terms, ...result.metrics });
    // the last layer is frozen in epoch 0 (iterations 0-2) and gets its moments at iteration 3
    if (iteration === 3) count = tf.memory().numTensors;
    if (iteration > 3) expect(tf.memory().numTensors).toBe(count);
  }
  return { losses, terms };
}

describe('createDinoPretraining', () => {
  it('makes unmasked global and local crops stacked crop after crop, seeded, without leaks', async () => {
    const run = createDinoPretraining(tiny, 3);
    const a = run.recipe.makeViews(batch(1), context(0));
    const b = run.recipe.makeViews(batch(1), context(0));
    expect(a.global.shape).toEqual([2 * 4, 16, 16, 1]);
    expect(a.local!.shape).toEqual([2 * 4, 8, 8, 1]);
    expect(a.globalCropCount).toBe(2);
    expect('masks' in a).toBe(false);
    expect(await a.global.array()).toEqual(await b.global.array());
    tf.dispose([a, b] as never);
    await expectNoLeaks(() => run.recipe.makeViews(batch(2), context(0)), 'dino.makeViews');
    run.dispose();
  });

  it('makes targets that are distributions over the prototypes, centred by the running centre', async () => {
    const run = createDinoPretraining(tiny, 3);
    const views = run.recipe.makeViews(batch(1), context(0));
    const targets = run.recipe.makeTargets(views, context(0));
    expect(targets.classTargets.shape).toEqual([8, 32]);
    expect(targets.teacherClass.shape).toEqual([8, 32]);
    const sums = await tf.sum(targets.classTargets, 1).data();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    // with a zero centre and T = 0.04: targets = softmax(teacherClass / 0.04)
    const expected = tf.softmax(tf.div(targets.teacherClass, 0.04));
    expect((await tf.max(tf.abs(tf.sub(expected, targets.classTargets))).data())[0]).toBeLessThan(1e-6);
    await expectNoLeaks(() => run.recipe.makeTargets(views, context(0)), 'dino.makeTargets');
    tf.dispose([views, targets, expected] as never);
    run.dispose();
  });

  it('trains: finite losses that change, a changing student and teacher, a steady tensor count', async () => {
    const run = createDinoPretraining(tiny, 3);
    const studentBefore = (await run.recipe.student.parameters()[4]!.variable.data()).slice();
    const teacherBefore = (await run.recipe.teacher.parameters()[4]!.variable.data()).slice();
    const { losses, terms } = await trainSteps(run, 6);
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    expect(new Set(losses).size).toBeGreaterThan(1);
    expect(Object.keys(terms[0]!)).toEqual(expect.arrayContaining(['dino', 'momentum', 'teacherTemperature']));
    expect(await run.recipe.student.parameters()[4]!.variable.data()).not.toEqual(studentBefore);
    expect(await run.recipe.teacher.parameters()[4]!.variable.data()).not.toEqual(teacherBefore);
    // the centre followed the teacher's outputs
    expect(Math.max(...(await tf.abs(run.recipe.center.value).data()))).toBeGreaterThan(0);
    run.dispose();
  });

  it('with gradient accumulation, updates the centre from every micro-batch (none with Sinkhorn-Knopp)', async () => {
    const run = createDinoPretraining(tiny, 3);
    const recipe = run.recipe;
    const seen: tf.Tensor2D[] = [];
    const recording = {
      ...recipe,
      makeTargets: (views: Parameters<typeof recipe.makeTargets>[0], c: Parameters<typeof recipe.makeTargets>[1]) => {
        const targets = recipe.makeTargets(views, c);
        seen.push(tf.keep(tf.clone(targets.teacherClass))); // kept past the step's tidy
        return targets;
      },
    };
    await trainStepAccumulated(recording, [batch(1), batch(2)], { optimizer: run.optimizer, gradients: run.gradients, context: context(0) });
    // the centre starts at 0: after one update it is (1 - 0.9) x the mean over both micro-batches
    const expected = tf.mul(tf.mean(tf.concat(seen, 0), 0), 0.1);
    expect((await tf.max(tf.abs(tf.sub(expected, recipe.center.value))).data())[0]).toBeLessThan(1e-6);
    tf.dispose([...seen, expected]);
    run.dispose();
    const sinkhorn = createDinoPretraining({ ...tiny, loss: { centering: 'sinkhorn-knopp' } }, 3);
    expect(sinkhorn.recipe.mergeTargets).toBeUndefined();
    sinkhorn.dispose();
  });

  it("adds DINOv2's Sinkhorn-Knopp centring and KoLeo term as options", async () => {
    const run = createDinoPretraining({ ...tiny, loss: { centering: 'sinkhorn-knopp', koleoWeight: 0.1 } }, 3);
    const views = run.recipe.makeViews(batch(1), context(0));
    const targets = run.recipe.makeTargets(views, context(0));
    // Sinkhorn-Knopp (3 iterations) of the teacher's logits at the epoch-0 temperature 0.04, not the centre
    const expected = sinkhornKnopp(targets.teacherClass, { temperature: 0.04, iterations: 3 });
    expect((await tf.max(tf.abs(tf.sub(expected, targets.classTargets))).data())[0]).toBeLessThan(1e-6);
    tf.dispose([views, targets, expected] as never);
    const { losses, terms } = await trainSteps(run, 5);
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    expect(terms[0]!.koleo).toBeDefined();
    expect(losses[0]).toBeCloseTo(terms[0]!.dino! + terms[0]!.koleo!, 4);
    // the centre is not updated with Sinkhorn-Knopp
    expect(Math.max(...(await tf.abs(run.recipe.center.value).data()))).toBe(0);
    run.dispose();
  });

  it('refuses bad configs before building anything, naming the key', () => {
    const fails = (input: unknown, pattern: RegExp) => {
      try {
        parseConfig(dinoConfigSchema, input, 'DINO configuration');
        throw new Error('expected an error');
      } catch (e) {
        expect(e).toBeInstanceOf(SslError);
        expect((e as SslError).code).toBe('INVALID_CONFIG');
        expect((e as Error).message).toMatch(pattern);
      }
    };
    fails({ head: { sharedHead: true } }, /head: unknown key\(s\) "sharedHead"/);
    fails({ masking: {} }, /unknown key\(s\) "masking"/);
    fails({ loss: { centering: 'mean' } }, /loss\.centering: .*got "mean"/);
    fails({ loss: { koleoWeight: -1 } }, /loss\.koleoWeight: .*got -1/);
    expect(() => createDinoPretraining({ ...tiny, augmentation: { localSize: 10 } }, 3)).toThrow(/localSize: expected a multiple of backbone.patchSize \(4\), got 10/);
    // without local crops, their size is not used: no rule for it (as the command line's rules)
    const globalOnly = createDinoPretraining({ ...tiny, augmentation: { globalSize: 16, localSize: 10, localCrops: 0 } }, 3);
    globalOnly.dispose();
    expect(() => createDinoPretraining(tiny, 0)).toThrow(/iterationsPerEpoch/);
  });

  it("fills in DINO's defaults, and the reference preset parses", () => {
    const config = dinoConfigSchema.parse({});
    expect(config.head.outDim).toBe(65536);
    expect(config.loss.teacherTemperature).toBe(0.07);
    expect(config.loss.warmupTeacherTemperatureEpochs).toBe(30);
    expect(config.augmentation.localCrops).toBe(8);
    expect(config.augmentation.globalScale).toEqual([0.4, 1]);
    expect(config.optimizer.clipGradient).toBe(3);
    expect(dinoConfigSchema.parse(DINO_FASHION_MNIST_REFERENCE).head.outDim).toBe(1024);
  });
});
