// The k-NN monitor on the ranks of an mpirun job (src/knn-on-ranks.test.ts): every rank builds the
// same ViT and images, evaluates once with its communicator (each rank extracts its block, gathered
// to all) and once alone (every image in this process), and prints both accuracies and whether
// the gathered features are the single-process ones.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@selfsup/backend';
import { createVit } from '@selfsup/backbones';
import { createMpiCommunicator } from '@selfsup/distributed';
import { createKnnMonitor, extractFeatures, extractFeaturesOnRanks, type ImageBytes } from '../src/index.js';

await useBackend('cpu');
const communicator = createMpiCommunicator();
const { rank, worldSize } = communicator;
const SIZE = 8;

/** `count` images of SIZE x SIZE whose pattern depends on the class `i % 3`, and their labels. */
function images(count: number, offset: number): { bytes: ImageBytes; labels: number[] } {
  const labels = Array.from({ length: count }, (_, i) => (i + offset) % 3);
  const pixels = Uint8Array.from({ length: count * SIZE * SIZE }, (_, k) => {
    const [i, p] = [Math.floor(k / (SIZE * SIZE)), k % (SIZE * SIZE)];
    return Math.round(127.5 + 100 * Math.sin(p * (1 + labels[i]!) * 0.3) + 27 * Math.cos(1.7 * (i + offset) + p));
  });
  return { bytes: { images: pixels, height: SIZE, width: SIZE, channels: 1 }, labels };
}

// odd counts: the last rank's block is short (13 = 7 + 6, 7 = 4 + 3)
const train = images(13, 0);
const test = images(7, 100);
const vit = createVit({ imageSize: SIZE, patchSize: 4, inChannels: 1, embedDim: 8, depth: 1, headCount: 2, seed: 3 });
const common = { trainImages: train.bytes, trainLabels: train.labels, testImages: test.bytes, testLabels: test.labels, k: 3, batchSize: 4 };
const gathered = await createKnnMonitor({ ...common, ranks: communicator }).evaluate(vit, 0);
const alone = await createKnnMonitor(common).evaluate(vit, 0);
const mine = await extractFeaturesOnRanks(vit, train.bytes, communicator, { batchSize: 4 });
const whole = await extractFeatures(vit, train.bytes, { batchSize: 4 });
const featureDifference = Math.max(...whole.data.map((value, i) => Math.abs(value - mine.data[i]!)));
console.log(
  `RESULT ${JSON.stringify({ rank, worldSize, gathered, alone, shape: mine.shape, wholeShape: whole.shape, featureDifference, tensors: tf.memory().numTensors })}`,
);
await communicator.dispose();
