import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, type EncodeOptions } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { createSwin, type Swin } from './swin.js';

// 12x12 images, patch 2: a 6x6 patch grid, padded to 8x8 for window 4 with the shift mask, merged to
// 3x3 and padded to 4x4 in the second stage: every path of the model, padding included.
const tiny = { imageSize: 16, patchSize: 2, embedDim: 8, depths: [2, 2], headCounts: [2, 4], windowSize: 4 } as const;

function random(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
}

/** A smooth scalar of every output: sum(classToken * a) + sum(patchTokens * b) with fixed random a, b. */
function lossOf(swin: Swin, images: tf.Tensor4D, options: EncodeOptions): tf.Scalar {
  return tf.tidy(() => {
    const { classToken, patchTokens } = swin.encode(images, options);
    const a = random(classToken.shape, 7);
    const b = random(patchTokens.shape, 8);
    return tf.add(tf.sum(tf.mul(classToken, a)), tf.sum(tf.mul(patchTokens, b))) as tf.Scalar;
  });
}

/** Gradients of `lossOf` for every trainable parameter, read to the host. */
async function analyticGradients(swin: Swin, images: tf.Tensor4D, options: EncodeOptions): Promise<Map<string, Float32Array>> {
  const trainable = swin.parameters().filter((p) => p.trainable);
  const { value, grads } = tf.variableGrads(() => lossOf(swin, images, options), trainable.map((p) => p.variable));
  const out = new Map<string, Float32Array>();
  for (const p of trainable) {
    const g = grads[p.variable.name];
    if (g) out.set(p.name, (await g.data()) as Float32Array);
  }
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe('createSwin gradients', () => {
  it('reach every trainable parameter (masked_embed through a mask), finite, with padding, shift and drop path', async () => {
    const swin = createSwin({ ...tiny, dropPathRate: 0.2 });
    const images = random([2, 12, 12, 3], 1) as tf.Tensor4D;
    const tokenMask = tf.tensor2d([[1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0]]);
    const gradients = await analyticGradients(swin, images, { tokenMask, training: true, rng: createRng(3) });
    const trainable = swin.parameters().filter((p) => p.trainable).map((p) => p.name);
    expect([...gradients.keys()].sort()).toEqual([...trainable].sort());
    for (const [name, g] of gradients) {
      expect(g.every(Number.isFinite), name).toBe(true);
      expect(g.some((v) => v !== 0), name).toBe(true);
    }
    tf.dispose([images, tokenMask]);
    swin.dispose();
  });

  it('match central finite differences on a tiny model (each kind of parameter, in shifted and padded blocks)', async () => {
    const swin = createSwin({ ...tiny, seed: 4 });
    // masked_embed starts at 0, where LayerNorm (variance 0, eps 1e-6) is far from linear over a
    // finite-difference step: give it trained-like values first
    const maskedEmbed = swin.parameters().find((p) => p.name === 'masked_embed')!.variable;
    tf.tidy(() => maskedEmbed.assign(random(maskedEmbed.shape, 9)));
    const images = random([1, 12, 12, 3], 2) as tf.Tensor4D;
    const tokenMask = tf.tensor2d([[0, 1, 0, 0, 0, 0, 0, 1, 0]]);
    const options = { tokenMask };
    const analytic = await analyticGradients(swin, images, options);
    // each kind of parameter, probed at its entry of largest gradient (so a wrong gradient shows);
    // the packed qkv weight ([in, 3 * dim]) once in each of its q, k and v column blocks
    const dim = tiny.embedDim;
    const qkvColumns = (block: number) => (i: number) => Math.floor((i % (3 * dim)) / dim) === block;
    const probes = (
      [
        ['patch_embed.proj.weight'],
        ['patch_embed.norm.weight'],
        ['masked_embed'],
        ['layers.0.blocks.1.attn.relative_position_bias_table'], // the shifted block
        ['layers.0.blocks.1.attn.qkv.weight', qkvColumns(0)],
        ['layers.0.blocks.1.attn.qkv.weight', qkvColumns(1)],
        ['layers.0.blocks.1.attn.qkv.weight', qkvColumns(2)],
        ['layers.0.blocks.0.mlp.fc1.bias'],
        ['layers.0.downsample.reduction.weight'],
        ['layers.1.blocks.0.attn.relative_position_bias_table'], // the padded stage
        ['layers.1.blocks.1.attn.proj.weight'],
        ['norm.bias'],
      ] as [string, ((i: number) => boolean)?][]
    ).map(([name, keep = () => true]): [string, number] => {
      const g = analytic.get(name)!;
      let best = -1;
      g.forEach((v, i) => {
        if (keep(i) && (best < 0 || Math.abs(v) > Math.abs(g[best]!))) best = i;
      });
      return [name, best];
    });
    const byName = new Map(swin.parameters().map((p) => [p.name, p.variable]));
    const h = 1e-2;
    const lossAt = async (): Promise<number> => {
      const loss = lossOf(swin, images, options);
      const [value] = await loss.data();
      loss.dispose();
      return value!;
    };
    for (const [name, index] of probes) {
      const variable = byName.get(name)!;
      const original = (await variable.data()) as Float32Array;
      const shifted = async (delta: number): Promise<number> => {
        const values = Float32Array.from(original);
        values[index]! += delta;
        tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
        return lossAt();
      };
      const numeric = ((await shifted(h)) - (await shifted(-h))) / (2 * h);
      tf.tidy(() => variable.assign(tf.tensor(original, variable.shape)));
      expectClose([analytic.get(name)![index]!], [numeric], { rtol: 5e-3, atol: 1e-4 }, `d loss / d ${name}[${index}]`);
    }
    tf.dispose([images, tokenMask]);
    swin.dispose();
  });

  it('drop path is deterministic for a seed, off at rate 0 and in eval mode, and needs an rng', async () => {
    const swin = createSwin({ ...tiny, dropPathRate: 0.5 });
    const x = random([4, 16, 16, 3], 3) as tf.Tensor4D;
    const eval1 = swin.encode(x).classToken;
    const eval2 = swin.encode(x, { training: false }).classToken;
    expectClose(eval1, eval2, { rtol: 0, atol: 0 });
    const t1 = swin.encode(x, { training: true, rng: createRng(3) }).classToken;
    const t2 = swin.encode(x, { training: true, rng: createRng(3) }).classToken;
    const t3 = swin.encode(x, { training: true, rng: createRng(4) }).classToken;
    expectClose(t1, t2, { rtol: 0, atol: 0 });
    expect((await tf.max(tf.abs(tf.sub(t1, t3))).data())[0]).toBeGreaterThan(0);
    expect(() => swin.encode(x, { training: true })).toThrow(/drop path is on/);
    tf.dispose([x, eval1, eval2, t1, t2, t3]);
    swin.dispose();
  });

  it('leaks no tensors in encode and keeps a steady tensor count across training steps', async () => {
    const swin = createSwin({ ...tiny, dropPathRate: 0.1 });
    const x = random([2, 12, 12, 3], 1) as tf.Tensor4D;
    const tokenMask = tf.tensor2d([[1, 0, 0, 0, 0, 0, 0, 0, 1], [0, 1, 0, 0, 0, 0, 0, 0, 0]]);
    await expectNoLeaks(() => swin.encode(x), 'encode');
    await expectNoLeaks(() => swin.encode(x, { tokenMask, training: true, rng: createRng(2) }), 'encode masked, training');
    const variables = swin.parameters().filter((p) => p.trainable).map((p) => p.variable);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => lossOf(swin, x, { tokenMask, training: true, rng: createRng(1) }), variables);
      tf.tidy(() => {
        for (const v of variables) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 1e-3)));
      });
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const after1 = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(after1);
    tf.dispose([x, tokenMask]);
    swin.dispose();
  });
});
