// `npm run demo`: encode a bundled batch of real Fashion-MNIST
// images with a ViT and print the feature shapes and timing.
//
//   npm run demo                 # auto backend (the fastest installed)
//   npm run demo -- --backend cpu --batch 32
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { createVit } from '@selfsup/backbones';
import { imagesToTensor, loadBundledFashionMnist, selectImages } from '@selfsup/data/node';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    batch: { type: 'string', default: '64' },
    preset: { type: 'string', default: 'tiny' },
  },
});
const batch = Number(values.batch);

const info = await useBackend(values.backend as BackendName);
console.log(`backend: ${info.name} (${info.threads} thread(s); ${info.reason})`);

const test = await loadBundledFashionMnist('test');
const subset = selectImages(test, Array.from({ length: Math.min(batch, test.count) }, (_, i) => i));
console.log(`images: ${subset.count} Fashion-MNIST test images, ${subset.height}x${subset.width}x${subset.channels}`);

const vit = createVit({ preset: values.preset as 'tiny', imageSize: 28, patchSize: 4, inChannels: subset.channels });
console.log(`model: ViT-${values.preset}, dim ${vit.embedDim}, depth ${vit.config.depth}, ${vit.config.headCount} heads, patch 4 -> ${vit.gridSize.join('x')} patches`);

const images = imagesToTensor(subset);
for (let run = 1; run <= 2; run++) {
  const start = performance.now();
  const { classToken, patchTokens } = vit.encode(images);
  await classToken.data();
  const ms = performance.now() - start;
  console.log(
    `encode #${run}${run === 1 ? ' (warm-up)' : ''}: classToken [${classToken.shape.join(', ')}], patchTokens [${patchTokens.shape.join(', ')}] ` +
      `in ${ms.toFixed(0)} ms (${((subset.count / ms) * 1000).toFixed(0)} images/s)`,
  );
  tf.dispose([classToken, patchTokens]);
}
images.dispose();
vit.dispose();
