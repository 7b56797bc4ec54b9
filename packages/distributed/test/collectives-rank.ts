// One rank of the 2-rank collectives test (src/mpi-communicator.test.ts runs it under mpirun -np 2):
// every collective of the communicator on known per-rank values, printed as one RESULT line.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { allReduceTensors, createMpiCommunicator, synchronizeVariables } from '../src/index.js';

await tf.setBackend('cpu');
const communicator = createMpiCommunicator();
const { rank, worldSize } = communicator;

const sum = new Float32Array([rank + 1, 2 * (rank + 1)]);
await communicator.allReduce(sum, 'sum');
const mean = new Float32Array([rank + 1, 2 * (rank + 1)]);
await communicator.allReduce(mean, 'mean');
const broadcast = new Float32Array([rank * 10 + 1, rank * 10 + 2]);
await communicator.broadcast(broadcast, 1);
const gathered = await communicator.allGather(new Float32Array([rank, rank + 0.5]));

// the barrier: rank 1 arrives 600 ms late; rank 0 waits for it with its event loop free
let ticks = 0;
const timer = setInterval(() => ticks++, 20);
if (rank === 1) await new Promise((resolve) => setTimeout(resolve, 600));
const barrierStart = performance.now();
await communicator.barrier();
const barrierMs = performance.now() - barrierStart;
clearInterval(timer);

// gradients in buckets: 3 tensors, buckets of at most 16 bytes (4 floats) -> 3 collectives
const gradients = new Map<string, tf.Tensor>([
  ['a', tf.fill([2, 2], rank + 1)],
  ['b', tf.tensor1d([rank, -rank, 1])],
  ['c', tf.scalar(rank * 4)],
]);
const reduced = await allReduceTensors(communicator, gradients, { op: 'mean', bucketBytes: 16 });
const reducedValues = Object.fromEntries(await Promise.all([...reduced].map(async ([name, t]) => [name, { shape: t.shape, values: Array.from(await t.data()) }])));

// the same initial weights everywhere: rank 0's values broadcast into every rank's variables
const weights = [tf.variable(tf.fill([3], rank + 7)), tf.variable(tf.fill([2, 2], -rank))];
await synchronizeVariables(communicator, weights, 'broadcast');
const weightValues = await Promise.all(weights.map(async (w) => Array.from(await w.data())));

await communicator.dispose();
console.log(
  `RESULT ${JSON.stringify({
    rank,
    worldSize,
    sum: Array.from(sum),
    mean: Array.from(mean),
    broadcast: Array.from(broadcast),
    gathered: Array.from(gathered),
    barrierMs,
    ticks,
    reduced: reducedValues,
    weights: weightValues,
  })}`,
);
