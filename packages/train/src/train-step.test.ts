import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { SslError, concatTargets, type Recipe, type StepContext } from '@selfsup/core';
import { expectNoLeaks } from '@selfsup/testing';
import { trainStep, trainStepAccumulated } from './train-step.js';
import { stepRng } from './step-rng.js';
import { createMaskedPixelRecipe, createTestOptimizer, pixelBatches, type PixelBatch } from './testing/masked-pixel-recipe.js';
import { createLinearRecipe, type LinearBatch } from './testing/linear-recipe.js';
import { createSgd } from './testing/sgd.js';
import { snapshotModules as snapshot } from './testing/helpers.js';

function context(iteration: number, iterationsPerEpoch = 4, seed = 0): StepContext {
  return { iteration, epoch: Math.floor(iteration / iterationsPerEpoch), iterationsPerEpoch, rng: stepRng(seed, iteration) };
}

function epochBatches(epochs: number): PixelBatch[] {
  const data = pixelBatches({ seed: 3 });
  const out: PixelBatch[] = [];
  for (let e = 0; e < epochs; e++) out.push(...data.batches(e, { startBatch: 0 }));
  return out;
}

describe('trainStep', () => {
  it('lowers the loss of a real masked-pixel recipe over a few epochs', async () => {
    const recipe = createMaskedPixelRecipe({ seed: 1 });
    const optimizer = createTestOptimizer(recipe, 6, 4);
    const losses: number[] = [];
    for (const [iteration, batch] of epochBatches(6).entries()) {
      const result = await trainStep(recipe, batch, { optimizer, context: context(iteration) });
      losses.push(result.loss);
      // the summed loss is the sum of the terms
      expect(result.loss).toBeCloseTo(result.terms.pixel! + result.terms.distill!, 5);
      expect(result.metrics.momentum).toBeCloseTo(0.9, 6);
    }
    const firstEpoch = losses.slice(0, 4).reduce((a, b) => a + b) / 4;
    const lastEpoch = losses.slice(-4).reduce((a, b) => a + b) / 4;
    expect(lastEpoch).toBeLessThan(0.6 * firstEpoch); // about 0.42 of it with these seeds
    optimizer.dispose();
    recipe.dispose();
  });

  it('keeps a steady tensor count after the first step and leaks nothing', async () => {
    const recipe = createMaskedPixelRecipe({ seed: 2 });
    const optimizer = createTestOptimizer(recipe, 2, 4);
    const batches = epochBatches(2);
    const before = tf.memory().numTensors;
    await trainStep(recipe, batches[0]!, { optimizer, context: context(0), gradients: { clipPerParameter: 3, clipGlobalNorm: 10 } });
    const afterFirst = tf.memory().numTensors;
    // the first step creates the optimizer's two moments per parameter, nothing else
    expect(afterFirst - before).toBe(2 * recipe.trainableParameters().length);
    for (let iteration = 1; iteration < 8; iteration++) {
      await expectNoLeaks(
        () => trainStep(recipe, batches[iteration]!, { optimizer, context: context(iteration), gradients: { clipPerParameter: 3, clipGlobalNorm: 10 } }),
        `step ${iteration}`,
      );
      expect(tf.memory().numTensors).toBe(afterFirst);
    }
    optimizer.dispose();
    recipe.dispose();
  });

  it('refuses a non-finite loss before any update, naming the iteration and the terms', async () => {
    const recipe = createMaskedPixelRecipe({ seed: 3, poisonAtIteration: 2 });
    const optimizer = createTestOptimizer(recipe, 1, 4);
    const batches = epochBatches(1);
    for (let iteration = 0; iteration < 2; iteration++) await trainStep(recipe, batches[iteration]!, { optimizer, context: context(iteration) });
    const weights = await snapshot(recipe);
    const moments = await optimizer.getState();
    const tensors = tf.memory().numTensors;
    const error = await trainStep(recipe, batches[2]!, { optimizer, context: context(2) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SslError);
    expect((error as SslError).code).toBe('NON_FINITE_LOSS');
    expect((error as SslError).message).toMatch(/iteration 2 \(epoch 0\)/);
    expect((error as SslError).message).toMatch(/pixel = Infinity/);
    expect((error as SslError).details.terms).toMatchObject({ pixel: Infinity });
    // student, teacher (afterStep did not run) and optimizer exactly as before; nothing leaked
    expect(await snapshot(recipe)).toEqual(weights);
    expect(await optimizer.getState()).toEqual(moments);
    expect(tf.memory().numTensors).toBe(tensors);
    optimizer.dispose();
    recipe.dispose();
  });

  it('gives no update (not even weight decay) to a parameter the loss does not reach', async () => {
    // without a token mask the ViT never reads masked_embed
    const recipe = createMaskedPixelRecipe({ seed: 4, useMask: false });
    const optimizer = createTestOptimizer(recipe, 1, 4);
    const maskToken = recipe.student.parameters().find((p) => p.name === 'masked_embed')!.variable;
    tf.tidy(() => maskToken.assign(tf.onesLike(maskToken))); // weight decay would shrink it
    const batches = epochBatches(1);
    let updated = 0;
    for (let iteration = 0; iteration < 3; iteration++) {
      updated = (await trainStep(recipe, batches[iteration]!, { optimizer, context: context(iteration) })).updatedParameters;
    }
    expect(updated).toBe(recipe.trainableParameters().length - 1);
    expect(Array.from(await maskToken.data())).toEqual(new Array(maskToken.size).fill(1));
    expect(Object.keys((await optimizer.getState()).parameters)).not.toContain('backbone.masked_embed');
    optimizer.dispose();
    recipe.dispose();
  });

  it('freezes matching parameters until their epoch (cancel_gradients_last_layer)', async () => {
    const recipe = createMaskedPixelRecipe({ seed: 5 });
    const optimizer = createTestOptimizer(recipe, 2, 4);
    const decoderWeight = recipe.trainableParameters().find((p) => p.name === 'decoder.weight')!.variable;
    const freeze = [{ match: (name: string) => name.startsWith('decoder.'), untilEpoch: 1 }];
    const batches = epochBatches(2);
    const initial = Float32Array.from(await decoderWeight.data());
    for (let iteration = 0; iteration < 4; iteration++) {
      const result = await trainStep(recipe, batches[iteration]!, { optimizer, context: context(iteration), gradients: { freeze } });
      expect(result.updatedParameters).toBe(recipe.trainableParameters().length - 2);
    }
    expect(Float32Array.from(await decoderWeight.data())).toEqual(initial);
    expect(Object.keys((await optimizer.getState()).parameters)).not.toContain('decoder.weight');
    await trainStep(recipe, batches[4]!, { optimizer, context: context(4), gradients: { freeze } });
    expect(Float32Array.from(await decoderWeight.data())).not.toEqual(initial);
    optimizer.dispose();
    recipe.dispose();
  });

  it('clips each gradient on its own (clip_gradients) and reports the norm before clipping', async () => {
    // loss = x . w + c u with x = [3, 4], c = 12: gradients w: [3, 4] (norm 5), u: [12] (norm 12);
    // the joint norm is sqrt(25 + 144) = 13
    const recipe = createLinearRecipe([1, 1], 1);
    const optimizer = createSgd(recipe.trainableParameters(), 1);
    const result = await trainStep(recipe, { rows: [[3, 4]], scalars: [12] }, { optimizer, context: context(0), gradients: { clipPerParameter: 1 } });
    expect(result.gradNorm).toBeCloseTo(13, 4);
    // w: coefficient 1 / (5 + 1e-6) -> [0.6, 0.8]; u: 1 / (12 + 1e-6) -> [1]; w = 1 - g
    expect(Array.from(await recipe.w.data())).toEqual([expect.closeTo(0.4, 5), expect.closeTo(0.2, 5)]);
    expect((await recipe.u.data())[0]).toBeCloseTo(0, 5);
    // `unused` is not reached by the loss: no gradient, no update
    expect(optimizer.lastUpdated).toEqual(['w', 'u']);
    expect((await recipe.unused.data())[0]).toBe(7);
    recipe.dispose();
  });

  it('clips all gradients together by their joint norm (clip_grad_norm_)', async () => {
    // joint norm 13 (see above), clip 1.3: every gradient times 1.3 / (13 + 1e-6) = 0.1
    const recipe = createLinearRecipe([1, 1], 1);
    const optimizer = createSgd(recipe.trainableParameters(), 1);
    await trainStep(recipe, { rows: [[3, 4]], scalars: [12] }, { optimizer, context: context(0), gradients: { clipGlobalNorm: 1.3 } });
    expect(Array.from(await recipe.w.data())).toEqual([expect.closeTo(0.7, 5), expect.closeTo(0.6, 5)]);
    expect((await recipe.u.data())[0]).toBeCloseTo(-0.2, 5);
    recipe.dispose();
  });

  it('averages the gradients and losses of micro-batches (accumulation)', async () => {
    // rows [1, 2], [3, 4] | [5, 6], [7, 8]: micro means [2, 3] and [6, 7], overall mean [4, 5];
    // c: 1, 3 | 5, 7 -> mean 4. Losses with w = [1, 1], u = 0: micro 5 and 13, mean 9.
    const rows = [[1, 2], [3, 4], [5, 6], [7, 8]];
    const scalars = [1, 3, 5, 7];
    const whole = createLinearRecipe([1, 1], 0);
    const pieces = createLinearRecipe([1, 1], 0);
    const r1 = await trainStep(whole, { rows, scalars }, { optimizer: createSgd(whole.trainableParameters(), 0.1), context: context(0) });
    const r2 = await trainStepAccumulated(
      pieces,
      [
        { rows: rows.slice(0, 2), scalars: scalars.slice(0, 2) },
        { rows: rows.slice(2), scalars: scalars.slice(2) },
      ],
      { optimizer: createSgd(pieces.trainableParameters(), 0.1), context: context(0) },
    );
    expect(r1.loss).toBeCloseTo(9, 5);
    expect(r2.loss).toBeCloseTo(9, 5);
    expect(r2.microBatches).toBe(2);
    // w = [1, 1] - 0.1 [4, 5] = [0.6, 0.5]; u = 0 - 0.1 * 4
    for (const recipe of [whole, pieces]) {
      expect(Array.from(await recipe.w.data())).toEqual([expect.closeTo(0.6, 5), expect.closeTo(0.5, 5)]);
      expect((await recipe.u.data())[0]).toBeCloseTo(-0.4, 5);
      recipe.dispose();
    }
  });

  it("gives afterStep every micro-batch's targets when the recipe merges them, else the last one's", async () => {
    // targets: the scalars c_i; afterStep moves a "centre" halfway to their mean
    const rows = [[1, 2], [3, 4], [5, 6], [7, 8]];
    const scalars = [1, 3, 5, 7];
    const micro = [
      { rows: rows.slice(0, 2), scalars: scalars.slice(0, 2) },
      { rows: rows.slice(2), scalars: scalars.slice(2) },
    ];
    const withCentre = (merge: boolean) => {
      const linear = createLinearRecipe([1, 1], 0);
      const centre = tf.variable(tf.scalar(0), false);
      const recipe: Recipe<LinearBatch, { x: tf.Tensor2D; c: tf.Tensor1D }, tf.Scalar, { c: tf.Tensor1D; label: string }> = {
        name: linear.name,
        trainableParameters: linear.trainableParameters,
        modules: linear.modules,
        makeViews: linear.makeViews,
        forward: linear.forward,
        makeTargets: (views) => ({ c: tf.clone(views.c), label: 'scalars' }),
        objectives: [{ name: 'linear', compute: (outputs) => ({ loss: outputs }) }],
        afterStep: (_views, targets) => {
          expect(targets.label).toBe('scalars');
          centre.assign(tf.add(tf.mul(centre, 0.5), tf.mul(tf.mean(targets.c), 0.5)));
        },
        ...(merge ? { mergeTargets: concatTargets } : {}),
        dispose: () => {
          linear.dispose();
          centre.dispose();
        },
      };
      return { recipe, centre };
    };
    const whole = withCentre(false);
    const merged = withCentre(true);
    const last = withCentre(false);
    await trainStep(whole.recipe, { rows, scalars }, { optimizer: createSgd(whole.recipe.trainableParameters(), 0.1), context: context(0) });
    await expectNoLeaks(async () => {
      await trainStepAccumulated(merged.recipe, micro, { optimizer: createSgd(merged.recipe.trainableParameters(), 0.1), context: context(0) });
    }, 'accumulated step with mergeTargets');
    await trainStepAccumulated(last.recipe, micro, { optimizer: createSgd(last.recipe.trainableParameters(), 0.1), context: context(0) });
    expect((await whole.centre.data())[0]).toBeCloseTo(2, 6); // mean 4 of the whole batch, halfway from 0
    expect((await merged.centre.data())[0]).toBeCloseTo(2, 6);
    expect((await last.centre.data())[0]).toBeCloseTo(3, 6); // mean 6 of the last micro-batch only
    for (const r of [whole, merged, last]) r.recipe.dispose();
  });

  it('accumulates the real recipe without leaking, with the losses of the whole batch', async () => {
    const whole = createMaskedPixelRecipe({ seed: 6 });
    const pieces = createMaskedPixelRecipe({ seed: 6 });
    const [batch] = epochBatches(1);
    const half = (k: number): PixelBatch => ({ images: batch!.images.slice(k * 2 * 64, (k + 1) * 2 * 64), size: 2 });
    const r1 = await trainStep(whole, batch!, { optimizer: createSgd(whole.trainableParameters(), 0.1), context: context(0) });
    let r2 = r1;
    await expectNoLeaks(async () => {
      r2 = await trainStepAccumulated(pieces, [half(0), half(1)], { optimizer: createSgd(pieces.trainableParameters(), 0.1), context: context(0) });
    });
    // the masks come from the same rng stream in the same order, and each half masks 2 of 4 patches per image
    expect(r2.loss).toBeCloseTo(r1.loss, 5);
    expect(r2.terms.pixel).toBeCloseTo(r1.terms.pixel!, 5);
    const a = await snapshot(whole);
    const b = await snapshot(pieces);
    for (const [key, value] of a) {
      const other = b.get(key)!;
      for (let i = 0; i < value.length; i++) expect(Math.abs(value[i]! - other[i]!)).toBeLessThan(1e-5);
    }
    whole.dispose();
    pieces.dispose();
  });

  it('rejects a non-scalar loss and a loss that reaches no parameter', async () => {
    const recipe = createLinearRecipe([1, 1], 0);
    const optimizer = createSgd(recipe.trainableParameters(), 1);
    const batch = { rows: [[1, 2]], scalars: [1] };
    const notScalar = { ...recipe, objectives: [{ name: 'bad', compute: (o: tf.Scalar) => ({ loss: tf.reshape(o, [1]) as unknown as tf.Scalar }) }] };
    await expect(trainStep(notScalar, batch, { optimizer, context: context(0) })).rejects.toThrow(/objective "bad" loss: expected a scalar/);
    const detached = { ...recipe, objectives: [{ name: 'constant', compute: () => ({ loss: tf.scalar(1) }) }] };
    await expect(trainStep(detached, batch, { optimizer, context: context(0) })).rejects.toThrow(/does not depend on any of its trainableParameters/);
    await expect(trainStep(recipe, batch, { optimizer, context: { ...context(0), iteration: -1 } })).rejects.toThrow(/context.iteration/);
    recipe.dispose();
  });
});
