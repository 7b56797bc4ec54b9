// Builds the bundled Fashion-MNIST subset (packages/data/assets/fashion-mnist-subset) from the
// full dataset: a class-balanced, seeded selection from each official split, written as gzipped
// IDX files beside the dataset's LICENSE and a README stating where they come from.
//
//   node --conditions=@selfsup/source --import tsx packages/data/scripts/make-subset.ts [source-folder]
//
// The source folder defaults to Debian's /usr/share/datasets/fashion-mnist
// (`apt-get install dataset-fashion-mnist`). The output is deterministic: the same source and
// settings give the same bytes.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '@selfsup/core';
import { idxFileNames, readIdx, writeIdx, type IdxSplit } from '../src/node.js';

const SEED = 2017;
const PER_CLASS: Record<IdxSplit, number> = { train: 100, test: 50 };
const CLASSES = 10;

const source = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const output = fileURLToPath(new URL('../assets/fashion-mnist-subset/', import.meta.url));
mkdirSync(output, { recursive: true });

const provenance: string[] = [];
for (const split of ['train', 'test'] as const) {
  const names = idxFileNames(split);
  const imagesPath = join(source, `${names.images}.gz`);
  const labelsPath = join(source, `${names.labels}.gz`);
  const images = readIdx(new Uint8Array(readFileSync(imagesPath)), imagesPath);
  const labels = readIdx(new Uint8Array(readFileSync(labelsPath)), labelsPath);
  const [count, height, width] = images.shape as [number, number, number];
  const imageSize = height * width;

  // per class: a seeded permutation of that class's indices, its first PER_CLASS entries
  const rng = createRng(SEED + (split === 'train' ? 0 : 1));
  const selected: number[] = [];
  for (let c = 0; c < CLASSES; c++) {
    const members: number[] = [];
    for (let i = 0; i < count; i++) if (labels.data[i] === c) members.push(i);
    const order = rng.permutation(members.length);
    for (let k = 0; k < PER_CLASS[split]; k++) selected.push(members[order[k]!]!);
  }
  selected.sort((a, b) => a - b); // keep the official order, classes interleaved

  const subsetImages = new Uint8Array(selected.length * imageSize);
  const subsetLabels = new Uint8Array(selected.length);
  selected.forEach((index, i) => {
    subsetImages.set((images.data as Uint8Array).subarray(index * imageSize, (index + 1) * imageSize), i * imageSize);
    subsetLabels[i] = labels.data[index]!;
  });
  const imagesBytes = writeIdx({ dtype: 'uint8', shape: [selected.length, height, width], data: subsetImages }, { gzip: true });
  const labelsBytes = writeIdx({ dtype: 'uint8', shape: [selected.length], data: subsetLabels }, { gzip: true });
  writeFileSync(join(output, `${names.images}.gz`), imagesBytes);
  writeFileSync(join(output, `${names.labels}.gz`), labelsBytes);
  const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  provenance.push(
    `- \`${names.images}.gz\`, \`${names.labels}.gz\`: ${selected.length} images (${PER_CLASS[split]} per class) of the official ${split} split ` +
      `(${count} images), seed ${SEED + (split === 'train' ? 0 : 1)}. Source content SHA-256: images ${sha(readIdxContent(imagesPath))}, labels ${sha(readIdxContent(labelsPath))}.`,
  );
  console.log(`${split}: ${selected.length} images -> ${imagesBytes.length + labelsBytes.length} bytes gzipped`);
}

function readIdxContent(path: string): Uint8Array {
  const array = readIdx(new Uint8Array(readFileSync(path)), path);
  return writeIdx(array);
}

writeFileSync(
  join(output, 'LICENSE'),
  `The MIT License (MIT) Copyright © [2017] Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the “Software”), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED “AS IS”, WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`,
);

writeFileSync(
  join(output, 'README.md'),
  `# Fashion-MNIST subset

A small, class-balanced subset of [Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist)
(Han Xiao, Kashif Rasul, Roland Vollgraf, *Fashion-MNIST: a Novel Image Dataset for Benchmarking
Machine Learning Algorithms*, 2017), bundled with \`@selfsup/data\` so that examples and tests run
without a download. Load it with \`loadBundledFashionMnist('train' | 'test')\`.

Fashion-MNIST is Copyright (c) 2017 Zalando SE and released under the MIT License: see
[LICENSE](./LICENSE). The images and labels here are unchanged copies of the originals.

## Provenance

Made by \`packages/data/scripts/make-subset.ts\` from Debian's \`dataset-fashion-mnist\` package
(0.0~git20200523.55506a9-1, which packages the official repository's files): for each class, a
seeded permutation (selfsup's \`createRng\`) of that class's images, its first entries, kept in
the official order. The files are IDX, gzipped (level 9, no timestamp).

${provenance.join('\n')}

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker,
8 Bag, 9 Ankle boot.
`,
);
console.log(`wrote ${output}`);
