// The data-parallel equivalence run (src/distributed-equivalence.test.ts): a tiny iBOT trained by
// train() for several steps. `node ... mpi <out.json>` under mpirun -np 2: each rank trains on its
// half of every global batch (positions rank, rank + 2, ... as DistributedSampler) with batch B;
// `node ... local <out.json>`: one process, batch 2B, the same images. Rank 0 writes the state and
// what it logged at each step (`logged.loss`, `logged.terms.<name>`, `logged.metrics.<name>`).
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@selfsup/backend';
import { createVit } from '@selfsup/backbones';
import { createIbotHead } from '@selfsup/heads';
import { constantSchedule, createAdamW, createParameterGroups } from '@selfsup/optim';
import { train } from '@selfsup/train/node';
import { createLocalCommunicator, createMpiCommunicator } from '@selfsup/distributed';
import { createDataLoader, createImageDataset, type Batch } from '@selfsup/data';
import { createIbotRecipe } from '../src/ibot/ibot-recipe.js';
import type { IbotViews } from '../src/ibot/ibot-views.js';

const [mode, out] = process.argv.slice(2) as ['mpi' | 'local', string];
await useBackend('cpu');
const communicator = mode === 'mpi' ? createMpiCommunicator() : createLocalCommunicator();
const { rank, worldSize } = communicator;
const GLOBAL_BATCH = 4;
const STEPS = 4;
const IMAGE = 8;
const PATCH = 4;
const TOKENS = (IMAGE / PATCH) ** 2;

/** The data set: image `i` is a deterministic pattern. */
const dataset = createImageDataset({
  images: Uint8Array.from({ length: GLOBAL_BATCH * STEPS * IMAGE * IMAGE }, (_, k) => {
    const [i, p] = [Math.floor(k / (IMAGE * IMAGE)), k % (IMAGE * IMAGE)];
    return Math.round(127.5 + 127.5 * Math.sin(0.37 * i + 0.11 * p * (1 + (i % 3))));
  }),
  labels: Array.from({ length: GLOBAL_BATCH * STEPS }, (_, i) => i % 2),
  height: IMAGE,
  width: IMAGE,
});
// one process reads batches of 2B; each of 2 ranks reads its shard of the same order in batches of B
const loader = createDataLoader({
  dataset,
  batchSize: GLOBAL_BATCH / worldSize,
  seed: 7,
  prefetch: 0,
  ...(mode === 'mpi' ? { shard: { rank, worldSize } } : {}),
});

/** Views that depend on each image alone (not on the batch): the image and its mirror, masks from the index. */
function makeViews(batch: Batch): IbotViews {
  const indices = Array.from(batch.indices);
  return tf.tidy(() => {
    const images = tf.tensor4d(Float32Array.from(batch.images, (v) => v / 127.5 - 1), [indices.length, IMAGE, IMAGE, 1]);
    const global = tf.concat([images, tf.reverse(images, 2)]) as tf.Tensor4D; // crop after crop
    const masks = tf.tensor2d(
      [0, 1].flatMap((crop) => indices.flatMap((i) => Array.from({ length: TOKENS }, (_, t) => ((i * 7 + t * 3 + crop) % 3 === 0 ? 1 : 0)))),
      [2 * indices.length, TOKENS],
    );
    return { global, masks, globalCropCount: 2 };
  });
}

function network(maskToken: boolean, seed: number) {
  return {
    backbone: createVit({ imageSize: IMAGE, patchSize: PATCH, inChannels: 1, embedDim: 8, depth: 1, headCount: 2, maskToken, seed }),
    head: createIbotHead({ inDim: 8, outDim: 16, patchOutDim: 16, layerCount: 2, hiddenDim: 16, bottleneckDim: 8, seed: seed + 1 }),
  };
}

// every rank but 0 starts from other weights: train() must broadcast rank 0's
const seed = 10 + rank * 1000;
const recipe = createIbotRecipe<Batch>({
  student: network(true, seed),
  teacher: network(false, seed + 2),
  makeViews: (batch) => makeViews(batch),
  teacherTemperature: constantSchedule(0.04),
  patchTeacherTemperature: constantSchedule(0.05),
  teacherMomentum: constantSchedule(0.9),
});
const logged: Record<string, number[]> = {};
/** Appends a logged scalar to its series. */
function log(name: string, value: number): void {
  (logged[name] ??= []).push(value);
}
const optimizer = createAdamW({ groups: createParameterGroups(recipe.trainableParameters()), learningRate: 0.01, weightDecay: 0.04 });

await train({
  recipe,
  optimizer,
  communicator,
  epochs: 1,
  iterationsPerEpoch: STEPS,
  progress: 'none',
  handleSignals: false,
  gradients: { clipPerParameter: 3 },
  batches: (epoch, { startBatch }) => loader.epoch(epoch, { startBatch }),
  batchSize: (batch) => batch.size,
  onStep: (record) => {
    log('logged.loss', record.loss);
    for (const [name, value] of Object.entries(record.terms)) log(`logged.terms.${name}`, value);
    for (const [name, value] of Object.entries(record.metrics)) log(`logged.metrics.${name}`, value);
  },
});

const state: Record<string, number[]> = {};
for (const [moduleName, module] of Object.entries(recipe.modules())) {
  for (const parameter of module.parameters()) state[`${moduleName}.${parameter.name}`] = Array.from(await parameter.variable.data());
}
if (rank === 0) writeFileSync(out, JSON.stringify({ ...state, ...logged }));
console.log(`RESULT ${JSON.stringify({ rank, worldSize, parameters: Object.keys(state).length })}`);
await communicator.dispose();
