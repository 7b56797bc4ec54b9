import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, createRng } from '@selfsup/core';
import { expectNoLeaks } from '@selfsup/testing';
import { createKmeansTokenizer, fitKmeansTokenizer } from './kmeans-tokenizer.js';

// Three centroids over 2x2 single-channel patches, flattened (row, column).
const centroids = { shape: [3, 4], data: new Float32Array([0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0]) };

describe('createKmeansTokenizer', () => {
  it('gives each patch the id of its nearest centroid, patches row-major', async () => {
    const tokenizer = createKmeansTokenizer({ centroids, patchSize: 2 });
    expect(tokenizer.vocabularySize).toBe(3);
    // a 2x4 image: left patch [[0.9, 0.1], [0.1, 0.1]], right patch all 0.6
    const image = tf.tensor4d([0.9, 0.1, 0.6, 0.6, 0.1, 0.1, 0.6, 0.6], [1, 2, 4, 1]);
    // left: squared distances 0.81 + 3 * 0.01 = 0.84, 0.01 + 3 * 0.81 = 2.44, 0.01 + 3 * 0.01 = 0.04 -> 2
    // right: 4 * 0.36 = 1.44, 4 * 0.16 = 0.64, 0.16 + 3 * 0.36 = 1.24 -> 1
    const ids = tokenizer.tokenize(image);
    expect(ids.dtype).toBe('int32');
    expect(await ids.array()).toEqual([[2, 1]]);
    // a patch halfway between centroids 0 and 1 (distance 1 to both) takes the lower id
    const tie = tf.fill([1, 2, 2, 1], 0.5) as tf.Tensor4D;
    const tieIds = tokenizer.tokenize(tie);
    expect(await tieIds.array()).toEqual([[0]]);
    tf.dispose([image, ids, tie, tieIds]);
    tokenizer.dispose();
  });

  it('keeps the codebook as a non-trainable `codebook` parameter, and leaks nothing', async () => {
    const tokenizer = createKmeansTokenizer({ centroids, patchSize: 2 });
    const [codebook] = tokenizer.parameters();
    expect(codebook!.name).toBe('codebook');
    expect(codebook!.trainable).toBe(false);
    expect(Array.from(await codebook!.variable.data())).toEqual(Array.from(centroids.data));
    const image = tf.randomUniform([2, 4, 4, 1]) as tf.Tensor4D;
    await expectNoLeaks(() => tokenizer.tokenize(image), 'kmeansTokenizer.tokenize');
    image.dispose();
    tokenizer.dispose();
    expect(() => tokenizer.tokenize(image)).toThrow(/disposed/);
  });

  it('refuses images whose sides or channels do not fit the codebook', () => {
    const tokenizer = createKmeansTokenizer({ centroids, patchSize: 2 });
    const odd = tf.zeros([1, 3, 4, 1]) as tf.Tensor4D;
    const rgb = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    expect(() => tokenizer.tokenize(odd)).toThrow(SslError);
    expect(() => tokenizer.tokenize(odd)).toThrow(/multiples of 2/);
    expect(() => tokenizer.tokenize(rgb)).toThrow(/\[1, 4, 4, 3\]/);
    tf.dispose([odd, rgb]);
    tokenizer.dispose();
    expect(() => createKmeansTokenizer({ centroids: { shape: [3, 5], data: new Float32Array(15) }, patchSize: 2 })).toThrow(/centroids/);
  });
});

describe('fitKmeansTokenizer', () => {
  // two 4x4 images of 2x2 patches in a checkerboard of black (0) and white (1) patches
  const board = (flip: boolean) => Array.from({ length: 16 }, (_, i) => (((Math.floor(i / 8) + Math.floor((i % 4) / 2)) % 2 === 0) !== flip ? 1 : 0));

  it('fits centroids on the patches of the images and assigns each patch its cluster', async () => {
    const images = tf.tensor4d([...board(false), ...board(true)], [2, 4, 4, 1]);
    const tokenizer = await fitKmeansTokenizer(images, { vocabularySize: 2, patchSize: 2, rng: createRng(0) });
    // 8 patches, 4 black and 4 white: the two centroids are the all-0 and the all-1 patch
    const rows = (await tokenizer.codebook.array()).map((row) => row.join(',')).sort();
    expect(rows).toEqual(['0,0,0,0', '1,1,1,1']);
    const ids = await tokenizer.tokenize(images).array();
    const white = (await tokenizer.codebook.array())[0]![0] === 1 ? 0 : 1;
    // image 0: patches (0,0) white, (0,1) black, (1,0) black, (1,1) white; image 1 the opposite
    expect(ids).toEqual([
      [white, 1 - white, 1 - white, white],
      [1 - white, white, white, 1 - white],
    ]);
    tokenizer.dispose();
    await expectNoLeaks(async () => (await fitKmeansTokenizer(images, { vocabularySize: 2, patchSize: 2, rng: createRng(0), maxPatches: 4 })).dispose(), 'fitKmeansTokenizer');
    images.dispose();
  });

  it('fits on at most maxPatches patches, drawn from the rng', async () => {
    const images = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const a = await fitKmeansTokenizer(images, { vocabularySize: 4, patchSize: 2, rng: createRng(5), maxPatches: 10 });
    const b = await fitKmeansTokenizer(images, { vocabularySize: 4, patchSize: 2, rng: createRng(5), maxPatches: 10 });
    expect(await a.codebook.array()).toEqual(await b.codebook.array());
    expect(a.vocabularySize).toBe(4);
    a.dispose();
    b.dispose();
    await expect(fitKmeansTokenizer(images, { vocabularySize: 100, patchSize: 4, rng: createRng(0) })).rejects.toThrow(/at least vocabularySize \(100\) patches/);
    images.dispose();
  });
});
