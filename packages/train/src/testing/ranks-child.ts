// One rank of a data-parallel run of the masked-pixel recipe, for train-on-ranks.test.ts:
//   mpirun -np N node --conditions=@selfsup/source --import tsx ranks-child.ts '<json RanksChildOptions>'
// Each rank trains on its part of every global batch (positions rank, rank + N, ... as
// DistributedSampler), records the masks its makeViews drew and its own (local) loss terms, and
// writes them as `<resultsDir>/rank-<rank>.json` (a RanksChildResult; a file, since mpirun
// interleaves long output lines of the ranks). Rank 0 writes the checkpoints and the metrics file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '@selfsup/backend';
import type { Objective } from '@selfsup/core';
import { createMpiCommunicator } from '@selfsup/distributed';
import { train } from '../train.js';
import { createMaskedPixelRecipe, createTestOptimizer, IMAGE_SIZE, pixelBatches, type PixelBatch, type PixelOutputs, type PixelTargets, type PixelViews } from './masked-pixel-recipe.js';
import { snapshotModules } from './helpers.js';

export interface RanksChildOptions {
  /** The run folder (checkpoints every 2 steps, all kept). */
  readonly dir: string;
  readonly metricsFile: string;
  /** Resume from this checkpoint. */
  readonly resumeFrom?: string;
  /** Where each rank writes `rank-<rank>.json`. */
  readonly resultsDir: string;
}

export interface RanksChildResult {
  readonly rank: number;
  readonly worldSize: number;
  /** By iteration: the masks this rank's makeViews drew, `[localBatch * patches]` of 0/1. */
  readonly masks: Record<number, number[]>;
  /** By iteration: this rank's own value of each loss term (before any averaging). */
  readonly localTerms: Record<number, Record<string, number>>;
  /** By iteration: the loss `onStep` received. */
  readonly loggedLoss: Record<number, number>;
  /** Every module tensor at the end, by name. */
  readonly weights: Record<string, number[]>;
}

const GLOBAL_BATCH = 4;
const options = JSON.parse(process.argv[2] ?? '{}') as RanksChildOptions;
await useBackend((process.env.SELFSUP_TEST_BACKEND ?? 'cpu') as BackendName);
const communicator = createMpiCommunicator();
const { rank, worldSize } = communicator;

/** This rank's part of a global batch: images rank, rank + N, ... (a DistributedSampler shard). */
function rankPart(batch: PixelBatch): PixelBatch {
  const pixels = IMAGE_SIZE * IMAGE_SIZE;
  const picked: number[] = [];
  for (let k = rank; k < batch.size; k += worldSize) picked.push(k);
  const images = new Float32Array(picked.length * pixels);
  picked.forEach((k, i) => images.set(batch.images.subarray(k * pixels, (k + 1) * pixels), i * pixels));
  return { images, size: picked.length };
}

const data = pixelBatches({ seed: 8, imageCount: 16, batchSize: GLOBAL_BATCH });
const recipe = createMaskedPixelRecipe({ seed: 41 });
const optimizer = createTestOptimizer(recipe, 1, data.batchesPerEpoch);
// Values are kept as tensors during training and read once it ends, with await data(): a synchronous
// read (dataSync) throws on webgpu in Node, and this child runs on SELFSUP_TEST_BACKEND.
const keptMasks: Record<number, tf.Tensor> = {};
const keptTerms: Record<number, Record<string, tf.Tensor>> = {};
const loggedLoss: Record<number, number> = {};

/** The objective, with the value it computes on this rank recorded by iteration. */
function recorded(objective: Objective<PixelViews, PixelOutputs, PixelTargets>): Objective<PixelViews, PixelOutputs, PixelTargets> {
  return {
    ...objective,
    compute(outputs, targets, views, context) {
      const out = objective.compute(outputs, targets, views, context);
      (keptTerms[context.iteration] ??= {})[objective.name] = tf.keep(out.loss.clone());
      return out;
    },
  };
}

const result = await train({
  recipe: {
    ...recipe,
    makeViews(batch: PixelBatch, context) {
      const views = recipe.makeViews(batch, context);
      keptMasks[context.iteration] = tf.keep(views.mask.clone());
      return views;
    },
    objectives: recipe.objectives.map(recorded),
  },
  optimizer,
  communicator,
  batches: (epoch, position) => [...data.batches(epoch, position)].map(rankPart),
  epochs: 1,
  iterationsPerEpoch: data.batchesPerEpoch,
  seed: 13,
  checkpoint: { dir: options.dir, everySteps: 2, keep: 10 },
  ...(options.resumeFrom ? { resume: options.resumeFrom } : {}),
  metricsFile: options.metricsFile,
  progress: 'none',
  handleSignals: false,
  divergence: false,
  onStep: (record) => void (loggedLoss[record.iteration] = record.loss),
});
const weights = Object.fromEntries([...(await snapshotModules(recipe))].map(([name, values]) => [name, Array.from(values)]));
const masks = await readKept(keptMasks, async (mask) => Array.from(await mask.data()));
const localTerms = await readKept(keptTerms, async (terms) => readKept(terms, async (loss) => (await loss.data())[0]!));
const out: RanksChildResult = { rank, worldSize, masks, localTerms, loggedLoss, weights };
writeFileSync(join(options.resultsDir, `rank-${rank}.json`), JSON.stringify(out));
if (result.status !== 'completed') throw new Error(`train ended ${result.status}`);
optimizer.dispose();
recipe.dispose();
tf.disposeVariables();
await communicator.dispose();

/** Reads every kept value of a record (and disposes the tensors), keeping its keys. */
async function readKept<T, R>(kept: Record<string | number, T>, read: (value: T) => Promise<R>): Promise<Record<string, R>> {
  const entries = await Promise.all(Object.entries(kept).map(async ([key, value]) => [key, await read(value)] as const));
  tf.dispose(Object.values(kept).filter((value): value is T & tf.Tensor => value instanceof tf.Tensor));
  return Object.fromEntries(entries);
}
