import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { combineModules, exportStateDict, loadStateDict } from '@selfsup/core';
import { createVit } from '@selfsup/backbones';
import { createIbotHead, createLinearHead } from '@selfsup/heads';
import { expectNoLeaks } from '@selfsup/testing';
import { createFrozenTeacherTokenizer } from './frozen-teacher-tokenizer.js';

const vit = (seed: number) => createVit({ imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 1, headCount: 2, maskToken: false, seed });
const ibotHead = (seed: number) => createIbotHead({ inDim: 16, outDim: 12, patchOutDim: 10, hiddenDim: 16, bottleneckDim: 8, seed });
const normalize = { mean: [0.5], std: [0.25] };

describe('createFrozenTeacherTokenizer', () => {
  it("gives each patch the argmax of the teacher's patch logits (iBOT head: its patch output)", async () => {
    const backbone = vit(1);
    const head = ibotHead(2);
    const tokenizer = createFrozenTeacherTokenizer({ backbone, head, normalize });
    expect(tokenizer.vocabularySize).toBe(10);
    expect(tokenizer.patchSize).toBe(4);
    const images = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    // independently: (x - 0.5) / 0.25 -> ViT -> iBOT head patch logits -> argmax
    const expected = tf.tidy(() => tf.argMax(head.project(backbone.encode(tf.div(tf.sub(images, 0.5), 0.25) as tf.Tensor4D)).patchLogits, 2));
    const ids = tokenizer.tokenize(images);
    expect(ids.dtype).toBe('int32');
    expect(ids.shape).toEqual([2, 16]);
    expect(await ids.array()).toEqual(await expected.array());
    const logits = tokenizer.logits(images);
    expect(logits.shape).toEqual([2, 16, 10]);
    await expectNoLeaks(() => tokenizer.tokenize(images), 'frozenTeacherTokenizer.tokenize');
    await expectNoLeaks(() => tokenizer.logits(images), 'frozenTeacherTokenizer.logits');
    tf.dispose([images, expected, ids, logits]);
    tokenizer.dispose();
    expect(() => tokenizer.tokenize(images)).toThrow(/disposed/);
  });

  it('works with a linear head over the patch tokens', async () => {
    const backbone = vit(1);
    const head = createLinearHead({ inDim: 16, outDim: 7, seed: 3 });
    const tokenizer = createFrozenTeacherTokenizer({ backbone, head });
    const images = tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
    const expected = tf.tidy(() => tf.argMax(head.project(backbone.encode(images).patchTokens), 2));
    const ids = tokenizer.tokenize(images);
    expect(tokenizer.vocabularySize).toBe(7);
    expect(await ids.array()).toEqual(await expected.array());
    tf.dispose([images, expected, ids]);
    tokenizer.dispose();
  });

  it("lists frozen `backbone.*` and `head.*` parameters and loads a checkpoint's teacher by prefix", async () => {
    const tokenizer = createFrozenTeacherTokenizer({ backbone: vit(1), head: ibotHead(2) });
    expect(tokenizer.parameters().every((p) => !p.trainable)).toBe(true);
    expect(tokenizer.parameters().map((p) => p.name)).toEqual(expect.arrayContaining(['backbone.cls_token', 'head.last_layer2.weight_v']));
    // another network, saved under `teacher.` as a checkpoint holds it
    const other = combineModules({ backbone: vit(8), head: ibotHead(9) });
    const checkpoint = await exportStateDict(other, 'teacher.');
    loadStateDict(tokenizer, checkpoint, { prefix: 'teacher.' });
    const images = tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const expected = tf.tidy(() => other.parts.head.project(other.parts.backbone.encode(images)).patchLogits);
    const logits = tokenizer.logits(images);
    expect((await tf.max(tf.abs(tf.sub(logits, expected))).data())[0]).toBeLessThan(1e-6);
    tf.dispose([images, expected, logits]);
    other.dispose();
    tokenizer.dispose();
  });

  it('refuses a head of another width and a normalisation of another channel count', () => {
    const backbone = vit(1);
    const head = createLinearHead({ inDim: 8, outDim: 7 });
    expect(() => createFrozenTeacherTokenizer({ backbone, head })).toThrow(/backbone's 16-wide tokens/);
    const okHead = createLinearHead({ inDim: 16, outDim: 7 });
    expect(() => createFrozenTeacherTokenizer({ backbone, head: okHead, normalize: { mean: [0, 0, 0], std: [1, 1, 1] } })).toThrow(/1 mean and std/);
    backbone.dispose();
    head.dispose();
    okHead.dispose();
  });
});
