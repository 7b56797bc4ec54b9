// What the generic step and the checkpoints cost, measured side by side in one run:
// 1. `trainStep` against a hand-written minimal step (views, targets, variableGrads, AdamW, EMA;
//    no gradient norm, no finiteness check, no metrics read) on the same masked-pixel ViT recipe and batches;
// 2. saving and loading a checkpoint of a ViT (student, EMA teacher, AdamW moments): seconds and MB/s.
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@selfsup/backend';
import type { StepContext } from '@selfsup/core';
import { loadCheckpoint, saveCheckpoint, stepRng, trainStep } from '../src/node.js';
import { tidyKeeping } from '../src/tensors-in.js';
import { createMaskedPixelRecipe, createTestOptimizer, pixelBatches, type PixelRecipe, type PixelBatch } from '../src/testing/masked-pixel-recipe.js';

interface BenchContext {
  readonly quick: boolean;
  log(line: string): void;
}

function context(iteration: number): StepContext {
  return { iteration, epoch: 0, iterationsPerEpoch: 1000, rng: stepRng(0, iteration) };
}

/** The minimal step: what a hand-written loop would do, without the step's checks and logs. */
function minimalStep(recipe: PixelRecipe, optimizer: ReturnType<typeof createTestOptimizer>, batch: PixelBatch, iteration: number): void {
  const ctx = context(iteration);
  const views = tidyKeeping('views', () => recipe.makeViews(batch, ctx));
  const targets = tidyKeeping('targets', () => recipe.makeTargets(views, ctx));
  const variables = recipe.trainableParameters().map((p) => p.variable);
  const { value, grads } = tf.variableGrads(() => {
    const outputs = recipe.forward(views, ctx);
    return tf.addN(recipe.objectives.map((o) => o.compute(outputs, targets, views, ctx).loss)) as tf.Scalar;
  }, variables);
  const byVariable = new Map(recipe.trainableParameters().map((p) => [p.variable.name, p.name]));
  const gradients = new Map(Object.entries(grads).map(([k, g]) => [byVariable.get(k)!, g]));
  optimizer.step(gradients, iteration);
  tf.tidy(() => recipe.afterStep(views, targets, ctx));
  tf.dispose([value, ...Object.values(grads), views.images, views.mask, targets.pixels, targets.teacherTokens]);
}

export default async function trainBench({ quick, log }: BenchContext): Promise<void> {
  const info = await useBackend('cpu');
  log(`backend: ${info.name}`);

  // 1. step overhead
  const size = { imageSize: 16, embedDim: quick ? 32 : 64, depth: 2, headCount: 4, maskedPatches: 8 };
  const batchSize = quick ? 8 : 16;
  const steps = quick ? 4 : 10;
  const data = pixelBatches({ imageSize: size.imageSize, imageCount: batchSize * 2, batchSize });
  const batches = [...data.batches(0, { startBatch: 0 })];
  const generic = createMaskedPixelRecipe(size);
  const hand = createMaskedPixelRecipe(size);
  const genericOptimizer = createTestOptimizer(generic, 1, 1000);
  const handOptimizer = createTestOptimizer(hand, 1, 1000);
  // warm-up, then alternate the two so that the shared machine's load affects both alike
  await trainStep(generic, batches[0]!, { optimizer: genericOptimizer, context: context(0) });
  minimalStep(hand, handOptimizer, batches[0]!, 0);
  await hand.trainableParameters()[0]!.variable.data();
  let genericMs = 0;
  let handMs = 0;
  for (let i = 1; i <= steps; i++) {
    const batch = batches[i % batches.length]!;
    let start = performance.now();
    await trainStep(generic, batch, { optimizer: genericOptimizer, context: context(i) });
    genericMs += performance.now() - start;
    start = performance.now();
    minimalStep(hand, handOptimizer, batch, i);
    await hand.trainableParameters()[0]!.variable.data(); // the same synchronisation point
    handMs += performance.now() - start;
  }
  log(`step (ViT dim ${size.embedDim} depth ${size.depth}, 16 patches, batch ${batchSize}, ${steps} steps):`);
  log(`  trainStep (norm, one read)         ${(genericMs / steps).toFixed(1)} ms/step`);
  log(`  minimal hand-written step          ${(handMs / steps).toFixed(1)} ms/step`);
  log(`  ratio trainStep / minimal          ${(genericMs / handMs).toFixed(3)}`);
  genericOptimizer.dispose();
  handOptimizer.dispose();
  generic.dispose();
  hand.dispose();

  // 2. checkpoint save and load
  const model = createMaskedPixelRecipe({ imageSize: 32, embedDim: quick ? 96 : 192, depth: quick ? 2 : 12, headCount: 3 });
  const optimizer = createTestOptimizer(model, 1, 1000);
  const dir = mkdtempSync(join(tmpdir(), 'selfsup-train-bench-'));
  try {
    await trainStep(model, pixelBatches({ imageSize: 32, imageCount: 4, batchSize: 4 }).batches(0, { startBatch: 0 })[Symbol.iterator]().next().value!, {
      optimizer,
      context: context(0),
    }); // creates the moments
    let start = performance.now();
    const saved = await saveCheckpoint({ dir, recipe: model, optimizer, step: 1, iterationsPerEpoch: 1000 });
    const saveMs = performance.now() - start;
    start = performance.now();
    await loadCheckpoint(saved.path, { recipe: model, optimizer });
    const loadMs = performance.now() - start;
    const mb = saved.bytes / 1024 / 1024;
    log(`checkpoint (ViT dim ${quick ? 96 : 192} depth ${quick ? 2 : 12}: student + teacher + 2 moments, ${mb.toFixed(1)} MB):`);
    log(`  save ${(saveMs / 1000).toFixed(2)} s (${(mb / (saveMs / 1000)).toFixed(0)} MB/s), load + verify ${(loadMs / 1000).toFixed(2)} s (${(mb / (loadMs / 1000)).toFixed(0)} MB/s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    optimizer.dispose();
    model.dispose();
  }
}
