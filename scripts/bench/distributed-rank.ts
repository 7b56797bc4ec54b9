// One rank of `npm run bench distributed` (scripts/bench/distributed.bench.ts): a small iBOT
// trained by train() for a few steps on the global batch split over the ranks; rank 0 prints
// `RESULT {...}` with the images per second after the warm-up steps and the time spent in
// all-reduce per step. `node distributed-rank.ts <local|mpi> <threads> <globalBatch> <steps> <backend>`.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { createVit } from '@selfsup/backbones';
import { createIbotHead } from '@selfsup/heads';
import { constantSchedule, createAdamW, createParameterGroups } from '@selfsup/optim';
import { train } from '@selfsup/train/node';
import { createLocalCommunicator, createMpiCommunicator, type Communicator } from '@selfsup/distributed';
import { createDataLoader, createImageDataset, type Batch } from '@selfsup/data';
import { createIbotRecipe } from '@selfsup/ibot';

const [mode, threadsText, batchText, stepsText, backendName] = process.argv.slice(2) as [string, string, string, string, string];
const [threads, globalBatch, steps] = [Number(threadsText), Number(batchText), Number(stepsText)];
const WARMUP = 2;
const IMAGE = 32;
const PATCH = 4;
const TOKENS = (IMAGE / PATCH) ** 2;

const backend = await useBackend(backendName as BackendName, { threads });
const inner = mode === 'mpi' ? createMpiCommunicator() : createLocalCommunicator();
let allReduceMs = 0;
let allGatherMs = 0;
/** The communicator, with the time spent in allReduce (gradients, centres) and allGather (the logged scalars) added up; it delegates every call. */
const communicator: Communicator = {
  rank: inner.rank,
  worldSize: inner.worldSize,
  kind: inner.kind,
  async allReduce(buffer, op) {
    const start = performance.now();
    await inner.allReduce(buffer, op);
    allReduceMs += performance.now() - start;
  },
  broadcast: (buffer, root) => inner.broadcast(buffer, root),
  async allGather(buffer) {
    const start = performance.now();
    const gathered = await inner.allGather(buffer);
    allGatherMs += performance.now() - start;
    return gathered;
  },
  barrier: () => inner.barrier(),
  dispose: () => inner.dispose(),
};
const { rank, worldSize } = communicator;

const count = globalBatch * steps;
const dataset = createImageDataset({
  images: Uint8Array.from({ length: count * IMAGE * IMAGE * 3 }, (_, k) => (k * 2654435761) >>> 24),
  labels: Array.from({ length: count }, (_, i) => i % 10),
  height: IMAGE,
  width: IMAGE,
  channels: 3,
});
const loader = createDataLoader({ dataset, batchSize: globalBatch / worldSize, seed: 0, ...(worldSize > 1 ? { shard: { rank, worldSize } } : {}) });

function network(maskToken: boolean, seed: number) {
  return {
    backbone: createVit({ imageSize: IMAGE, patchSize: PATCH, inChannels: 3, embedDim: 96, depth: 3, headCount: 3, maskToken, seed }),
    head: createIbotHead({ inDim: 96, outDim: 512, patchOutDim: 512, layerCount: 3, hiddenDim: 256, bottleneckDim: 64, seed: seed + 1 }),
  };
}
const recipe = createIbotRecipe<Batch>({
  student: network(true, 1),
  teacher: network(false, 3),
  makeViews: (batch) =>
    tf.tidy(() => {
      const images = tf.div(tf.tensor4d(batch.images, [batch.size, IMAGE, IMAGE, 3], 'float32'), 255) as tf.Tensor4D;
      const global = tf.concat([images, tf.reverse(images, 2)]) as tf.Tensor4D;
      const masks = tf.tensor2d(
        Array.from({ length: 2 * batch.size * TOKENS }, (_, k) => (k % 3 === 0 ? 1 : 0)),
        [2 * batch.size, TOKENS],
      );
      return { global, masks, globalCropCount: 2 };
    }),
  teacherTemperature: constantSchedule(0.04),
  patchTeacherTemperature: constantSchedule(0.05),
  teacherMomentum: constantSchedule(0.996),
});
const optimizer = createAdamW({ groups: createParameterGroups(recipe.trainableParameters()), learningRate: 1e-4, weightDecay: 0.04 });

let measuredFrom = 0;
let reduceAtWarmup = 0;
let gatherAtWarmup = 0;
await train({
  recipe,
  optimizer,
  communicator,
  epochs: 1,
  iterationsPerEpoch: steps,
  progress: 'none',
  handleSignals: false,
  batches: (epoch, { startBatch }) => loader.epoch(epoch, { startBatch }),
  batchSize: (batch) => batch.size,
  onStep(record) {
    if (record.iteration + 1 === WARMUP) {
      measuredFrom = performance.now();
      reduceAtWarmup = allReduceMs;
      gatherAtWarmup = allGatherMs;
    }
  },
});
const seconds = (performance.now() - measuredFrom) / 1000;
const measured = steps - WARMUP;
if (rank === 0) {
  console.log(
    `RESULT ${JSON.stringify({
      worldSize,
      threads: backend.threads,
      backend: backend.name,
      imagesPerSecond: (measured * globalBatch) / seconds,
      allReduceMsPerStep: (allReduceMs - reduceAtWarmup) / measured,
      allGatherMsPerStep: (allGatherMs - gatherAtWarmup) / measured,
      stepMs: (seconds * 1000) / measured,
    })}`,
  );
}
recipe.dispose();
await communicator.dispose();
