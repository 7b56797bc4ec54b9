import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, exportStateDict, stateDictFromSafetensors, stateDictToSafetensors, type HostTensor, type StateDict } from '@selfsup/core';
import { expectNoLeaks } from '@selfsup/testing';
import { createDvaeTokenizer } from './dvae-tokenizer.js';

// A tiny DALL-E encoder: 2 groups of 1 block, 4 then 8 channels, 3 ids, grayscale; patch 2 on
// 8x8 images gives a 4x4 grid = the encoder's 8 / 2 (one max-pool), so no resize.
const tiny = { patchSize: 2, hiddenDim: 4, groupCount: 2, blocksPerGroup: 1, vocabularySize: 3, inChannels: 1 } as const;

/** A plain-loop reference of DALL-E's encoder on one [H, W, C] image, from PyTorch-layout weights. */
function referenceEncoder(image: number[][][], weights: StateDict, groupCount: number, blocksPerGroup: number): number[][][] {
  const conv = (x: number[][][], name: string): number[][][] => {
    const w = weights.get(`${name}.w`)!;
    const b = weights.get(`${name}.b`)!;
    const [out, inDim, k] = w.shape as [number, number, number];
    const pad = (k - 1) / 2;
    const h = x.length;
    const wd = x[0]!.length;
    return Array.from({ length: h }, (_, i) =>
      Array.from({ length: wd }, (_, j) =>
        Array.from({ length: out }, (_, o) => {
          let sum = b.data[o]!;
          for (let c = 0; c < inDim; c++) {
            for (let u = 0; u < k; u++) {
              for (let v = 0; v < k; v++) {
                const y = i + u - pad;
                const z = j + v - pad;
                if (y < 0 || z < 0 || y >= h || z >= wd) continue; // zero padding
                sum += x[y]![z]![c]! * w.data[((o * inDim + c) * k + u) * k + v]!;
              }
            }
          }
          return sum;
        }),
      ),
    );
  };
  const relu = (x: number[][][]) => x.map((r) => r.map((p) => p.map((v) => Math.max(v, 0))));
  const pool = (x: number[][][]) =>
    Array.from({ length: x.length / 2 }, (_, i) =>
      Array.from({ length: x[0]!.length / 2 }, (_, j) =>
        x[0]![0]!.map((_, c) => Math.max(x[2 * i]![2 * j]![c]!, x[2 * i]![2 * j + 1]![c]!, x[2 * i + 1]![2 * j]![c]!, x[2 * i + 1]![2 * j + 1]![c]!)),
      ),
    );
  const gain = 1 / (groupCount * blocksPerGroup) ** 2;
  let x = conv(image.map((r) => r.map((p) => p.map((v) => 0.8 * v + 0.1))), 'blocks.input'); // map_pixels, eps 0.1
  for (let g = 1; g <= groupCount; g++) {
    for (let i = 1; i <= blocksPerGroup; i++) {
      const prefix = `blocks.group_${g}.block_${i}`;
      let r = x;
      for (let c = 1; c <= 4; c++) r = conv(relu(r), `${prefix}.res_path.conv_${c}`);
      const identity = weights.has(`${prefix}.id_path.w`) ? conv(x, `${prefix}.id_path`) : x;
      x = identity.map((row, a) => row.map((p, b) => p.map((v, c) => v + gain * r[a]![b]![c]!)));
    }
    if (g < groupCount) x = pool(x);
  }
  return conv(relu(x), 'blocks.output.conv');
}

describe('createDvaeTokenizer', () => {
  it("has DALL-E's parameter names and PyTorch shapes", async () => {
    const tokenizer = createDvaeTokenizer(tiny);
    const shapes = Object.fromEntries([...(await exportStateDict(tokenizer))].map(([name, t]) => [name, t.shape]));
    expect(shapes).toEqual({
      'blocks.input.w': [4, 1, 7, 7],
      'blocks.input.b': [4],
      ...Object.fromEntries(
        [
          ['conv_1', [1, 4, 3, 3]],
          ['conv_2', [1, 1, 3, 3]],
          ['conv_3', [1, 1, 3, 3]],
          ['conv_4', [4, 1, 1, 1]],
        ].flatMap(([c, s]) => [
          [`blocks.group_1.block_1.res_path.${c}.w`, s],
          [`blocks.group_1.block_1.res_path.${c}.b`, [(s as number[])[0]]],
        ]),
      ),
      'blocks.group_2.block_1.id_path.w': [8, 4, 1, 1],
      'blocks.group_2.block_1.id_path.b': [8],
      ...Object.fromEntries(
        [
          ['conv_1', [2, 4, 3, 3]],
          ['conv_2', [2, 2, 3, 3]],
          ['conv_3', [2, 2, 3, 3]],
          ['conv_4', [8, 2, 1, 1]],
        ].flatMap(([c, s]) => [
          [`blocks.group_2.block_1.res_path.${c}.w`, s],
          [`blocks.group_2.block_1.res_path.${c}.b`, [(s as number[])[0]]],
        ]),
      ),
      'blocks.output.conv.w': [3, 8, 1, 1],
      'blocks.output.conv.b': [3],
    });
    expect(tokenizer.parameters().every((p) => !p.trainable)).toBe(true);
    expect(tokenizer.downsampling).toBe(2);
    tokenizer.dispose();
  });

  it("computes DALL-E's encoder (checked against a plain-loop reference) and returns the argmax of its logits", async () => {
    const tokenizer = createDvaeTokenizer({ ...tiny, seed: 7 });
    const weights = await exportStateDict(tokenizer);
    // non-zero biases, so that their layout is checked too
    for (const [name, t] of weights) if (name.endsWith('.b')) t.data.forEach((_, i) => (t.data[i] = 0.1 * Math.sin(i + name.length)));
    const loaded = createDvaeTokenizer({ ...tiny, stateDict: weights });
    const images = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const logits = loaded.logits(images);
    expect(logits.shape).toEqual([2, 4, 4, 3]);
    const actual = await logits.array();
    (await images.array()).forEach((image, b) => {
      const expected = referenceEncoder(image, weights, 2, 1);
      expected.forEach((row, i) => row.forEach((p, j) => p.forEach((v, c) => expect(actual[b]![i]![j]![c]!).toBeCloseTo(v, 4))));
    });
    const ids = loaded.tokenize(images);
    expect(ids.dtype).toBe('int32');
    expect(ids.shape).toEqual([2, 16]);
    const argmax = tf.reshape(tf.argMax(logits, 3), [2, 16]);
    expect(await ids.array()).toEqual(await argmax.array());
    tf.dispose([images, logits, ids, argmax]);
    tokenizer.dispose();
    loaded.dispose();
  });

  it('round-trips its weights through safetensors', async () => {
    const original = createDvaeTokenizer({ ...tiny, seed: 11 });
    const bytes = stateDictToSafetensors(await exportStateDict(original));
    const loaded = createDvaeTokenizer({ ...tiny, stateDict: stateDictFromSafetensors(bytes) });
    const images = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const [a, b] = [original.logits(images), loaded.logits(images)];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([images, a, b]);
    original.dispose();
    loaded.dispose();
  });

  it('fails clearly on a missing or mis-shaped tensor, leaving no variables behind', async () => {
    const source = createDvaeTokenizer(tiny);
    const weights = await exportStateDict(source);
    source.dispose();
    const before = tf.memory().numTensors;
    const missing: StateDict = new Map(weights);
    missing.delete('blocks.group_2.block_1.id_path.w');
    try {
      createDvaeTokenizer({ ...tiny, stateDict: missing });
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(SslError);
      expect((e as SslError).code).toBe('STATE_DICT_MISMATCH');
      expect((e as Error).message).toMatch(/groupCount 2, blocksPerGroup 1, hiddenDim 4/);
      expect((e as Error).message).toMatch(/missing keys: "blocks\.group_2\.block_1\.id_path\.w"/);
    }
    const wrong: StateDict = new Map(weights);
    wrong.set('blocks.output.conv.w', { shape: [5, 8, 1, 1], data: new Float32Array(40) } satisfies HostTensor);
    expect(() => createDvaeTokenizer({ ...tiny, stateDict: wrong })).toThrow(/"blocks\.output\.conv\.w": expected shape \[3, 8, 1, 1\], got \[5, 8, 1, 1\]/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('resizes the images to its grid, repeats a gray channel for a 3-channel encoder, and leaks nothing', async () => {
    // patch 4 on 16x16: a 4x4 grid, the encoder's input 8x8 (downsampling 2)
    const tokenizer = createDvaeTokenizer({ ...tiny, patchSize: 4, inChannels: 3 });
    const images = tf.randomUniform([2, 16, 16, 1]) as tf.Tensor4D;
    const ids = tokenizer.tokenize(images);
    expect(ids.shape).toEqual([2, 16]);
    const rgb = tf.tile(images, [1, 1, 1, 3]) as tf.Tensor4D;
    const rgbIds = tokenizer.tokenize(rgb);
    expect(await rgbIds.array()).toEqual(await ids.array());
    await expectNoLeaks(() => tokenizer.tokenize(images), 'dvaeTokenizer.tokenize');
    await expectNoLeaks(() => tokenizer.logits(images), 'dvaeTokenizer.logits');
    const twoChannels = tf.zeros([1, 16, 16, 2]) as tf.Tensor4D;
    expect(() => tokenizer.tokenize(twoChannels)).toThrow(/SHAPE_MISMATCH|1 or 3/);
    tf.dispose([images, ids, rgb, rgbIds, twoChannels]);
    tokenizer.dispose();
  });
});
