import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  SslError,
  createRng,
  exportStateDict,
  loadStateDict,
  stateDictFromSafetensors,
  stateDictToSafetensors,
} from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { createVit } from './vit.js';
import { VIT_PRESETS } from './vit-presets.js';
import { VIT_MAX_PARAMETERS, vitParameterCount } from './vit-parameter-count.js';
import { createLinear } from './linear.js';
import { createLayerNorm } from './layer-norm.js';
import { createAttention } from './attention.js';
import { createMlp } from './mlp.js';
import { createTransformerBlock } from './transformer-block.js';

const tiny = { imageSize: 16, patchSize: 4, embedDim: 16, depth: 2, headCount: 2 } as const;

function images(batch: number, size: number, channels: number, seed = 1): tf.Tensor4D {
  const rng = createRng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: batch * size * size * channels }, () => rng.next()),
    [batch, size, size, channels],
  );
}

describe('createVit', () => {
  it('has the preset sizes of the ViT papers', () => {
    expect(VIT_PRESETS.tiny).toEqual({ embedDim: 192, depth: 12, headCount: 3 });
    expect(VIT_PRESETS.small).toEqual({ embedDim: 384, depth: 12, headCount: 6 });
    expect(VIT_PRESETS.base).toEqual({ embedDim: 768, depth: 12, headCount: 12 });
    expect(VIT_PRESETS.large).toEqual({ embedDim: 1024, depth: 24, headCount: 16 });
    const vit = createVit({ preset: 'tiny', imageSize: 8, patchSize: 4, depth: 1 });
    expect(vit.embedDim).toBe(192);
    expect(vit.config.headCount).toBe(3);
    vit.dispose();
  });

  it('encodes grayscale and RGB NHWC images into named features of the right shapes', () => {
    for (const channels of [1, 3]) {
      const vit = createVit({ ...tiny, inChannels: channels });
      const x = images(2, 16, channels);
      const { classToken, patchTokens } = vit.encode(x);
      expect(classToken.shape).toEqual([2, 16]);
      expect(patchTokens.shape).toEqual([2, 16, 16]);
      tf.dispose([x, classToken, patchTokens]);
      vit.dispose();
    }
  });

  it('takes other crop sizes (position embeddings resampled) and non-square crops', async () => {
    const vit = createVit(tiny);
    for (const [h, w] of [
      [8, 8],
      [24, 24],
      [8, 12],
    ] as const) {
      const x = tf.zeros([1, h, w, 3]) as tf.Tensor4D;
      const { patchTokens, classToken } = vit.encode(x);
      expect(patchTokens.shape).toEqual([1, (h / 4) * (w / 4), 16]);
      expect(Number.isFinite((await classToken.data())[0])).toBe(true);
      tf.dispose([x, patchTokens, classToken]);
    }
    vit.dispose();
  });

  it('replaces masked patches by the mask token: a masked patch no longer depends on its pixels', async () => {
    const vit = createVit({ ...tiny, depth: 0 });
    const a = images(1, 16, 3, 1);
    const b = images(1, 16, 3, 2);
    const mask = tf.ones([1, 16]) as tf.Tensor2D;
    const fa = vit.encode(a, { tokenMask: mask });
    const fb = vit.encode(b, { tokenMask: mask });
    // every patch masked and no blocks: outputs depend only on masked_embed + positions
    expectClose(fa.patchTokens, fb.patchTokens, { rtol: 0, atol: 1e-6 });
    const plain = vit.encode(a);
    expect(Math.max(...Array.from(await tf.abs(tf.sub(plain.patchTokens, fa.patchTokens)).data()))).toBeGreaterThan(1e-3);
    tf.dispose([a, b, mask, fa, fb, plain] as never);
    vit.dispose();
  });

  it('encodes only kept patches with keepIndices, consistently with the full encoding', () => {
    // Attention is permutation-equivariant and positions are added before the gather, so keeping all
    // patches in a permuted order gives the permuted tokens of the full encoding.
    const vit = createVit(tiny);
    const x = images(2, 16, 3);
    const perm = Array.from(createRng(4).permutation(16));
    const keep = tf.tensor2d([perm, [...perm].reverse()], [2, 16], 'int32');
    const full = vit.encode(x);
    const kept = vit.encode(x, { keepIndices: keep });
    expectClose(kept.classToken, full.classToken, { rtol: 1e-4, atol: 1e-5 });
    expectClose(kept.patchTokens, tf.gather(full.patchTokens, keep, 1, 1), { rtol: 1e-4, atol: 1e-5 });
    // a subset: 4 kept patches -> 4 patch tokens
    const subset = vit.encode(x, { keepIndices: tf.tensor2d([[0, 5, 10, 15], [3, 2, 1, 0]], [2, 4], 'int32') });
    expect(subset.patchTokens.shape).toEqual([2, 4, 16]);
    vit.dispose();
  });

  it('drop path is deterministic for a seed, off at rate 0 and in eval mode', async () => {
    const vit = createVit({ ...tiny, dropPathRate: 0.5, depth: 4 });
    const x = images(4, 16, 3);
    const eval1 = vit.encode(x).classToken;
    const eval2 = vit.encode(x, { training: false }).classToken;
    expectClose(eval1, eval2, { rtol: 0, atol: 0 });
    const t1 = vit.encode(x, { training: true, rng: createRng(3) }).classToken;
    const t2 = vit.encode(x, { training: true, rng: createRng(3) }).classToken;
    const t3 = vit.encode(x, { training: true, rng: createRng(4) }).classToken;
    expectClose(t1, t2, { rtol: 0, atol: 0 });
    expect((await tf.max(tf.abs(tf.sub(t1, t3))).data())[0]).toBeGreaterThan(0);
    expect(() => vit.encode(x, { training: true })).toThrow(/drop path is on/);
    vit.dispose();
  });

  it('has layer scale under the official names when enabled', () => {
    const vit = createVit({ ...tiny, layerScaleInit: 0.1 });
    const names = vit.parameters().map((p) => p.name);
    expect(names).toContain('blocks.0.gamma_1');
    expect(names).toContain('blocks.1.gamma_2');
    vit.dispose();
  });

  it('is seeded: the same seed gives the same weights, another seed others', async () => {
    const a = await exportStateDict(createVit({ ...tiny, seed: 1 }));
    const b = await exportStateDict(createVit({ ...tiny, seed: 1 }));
    const c = await exportStateDict(createVit({ ...tiny, seed: 2 }));
    expect(a.get('blocks.0.attn.qkv.weight')!.data).toEqual(b.get('blocks.0.attn.qkv.weight')!.data);
    expect(a.get('blocks.0.attn.qkv.weight')!.data).not.toEqual(c.get('blocks.0.attn.qkv.weight')!.data);
  });

  it('round-trips its weights through safetensors into a fresh model with the same outputs', async () => {
    const source = createVit({ ...tiny, seed: 5 });
    const bytes = stateDictToSafetensors(await exportStateDict(source));
    const target = createVit({ ...tiny, seed: 6 });
    expect(loadStateDict(target, stateDictFromSafetensors(bytes))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const x = images(2, 16, 3);
    expectClose(target.encode(x).patchTokens, source.encode(x).patchTokens, { rtol: 0, atol: 0 });
  });

  it('refuses bad input with clear SslErrors', () => {
    expect(() => createVit({ ...tiny, imageSize: 18 })).toThrow(/imageSize\) height: expected a multiple of patchSize \(4\), got 18/);
    expect(() => createVit({ ...tiny, headCount: 3 })).toThrow(/expected a divisor of embedDim \(16\), got 3/);
    const vit = createVit(tiny);
    const x = images(2, 16, 3);
    expect(() => vit.encode(tf.zeros([2, 18, 18, 3]) as tf.Tensor4D)).toThrow(/multiples of patchSize \(4\), got \[18, 18\]/);
    expect(() => vit.encode(tf.zeros([2, 3, 16, 16]) as tf.Tensor4D)).toThrow(/NCHW/);
    expect(() => vit.encode(x, { tokenMask: tf.zeros([2, 15]) as tf.Tensor2D })).toThrow(
      /tokenMask\): expected shape \[2, 16\].*got \[2, 15\]/,
    );
    expect(() =>
      vit.encode(x, { tokenMask: tf.zeros([2, 16]) as tf.Tensor2D, keepIndices: tf.zeros([2, 4], 'int32') as tf.Tensor2D }),
    ).toThrow(/both tokenMask and keepIndices/);
    try {
      vit.encode(x, { tokenMask: tf.zeros([2, 15]) as tf.Tensor2D });
    } catch (e) {
      expect(e).toBeInstanceOf(SslError);
      expect((e as SslError).code).toBe('SHAPE_MISMATCH');
    }
    vit.dispose();
    expect(() => vit.encode(x)).toThrow(/disposed/);
  });

  it('refuses null, an array or a number as options, and inherited names as presets, with SslErrors', () => {
    for (const options of [null, [], 5, 'tiny']) {
      expect(() => createVit(options as never)).toThrow(
        expect.objectContaining({ name: 'SslError', code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^createVit\(options\): expected an options object/) }),
      );
    }
    for (const preset of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(() => createVit({ ...tiny, preset: preset as never })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('createVit(options.preset): expected one of tiny, small, base, large') }),
      );
    }
  });

  it('refuses sizes over VIT_MAX_PARAMETERS before allocating anything', () => {
    const before = tf.memory().numTensors;
    const huge = [
      { ...tiny, embedDim: 2 ** 31, headCount: 1 },
      { ...tiny, embedDim: 2 ** 16, headCount: 1 }, // 12 * 2^32 weights in qkv and proj alone
      { ...tiny, depth: 10 ** 7 },
      { ...tiny, imageSize: 2 ** 20, patchSize: 1 }, // 2^40 position embeddings per channel
      { ...tiny, mlpRatio: 1e12 },
    ];
    for (const options of huge) {
      expect(() => createVit(options)).toThrow(
        expect.objectContaining({
          code: 'INVALID_ARGUMENT',
          message: expect.stringMatching(new RegExp(`^createVit\\(options\\): expected at most ${VIT_MAX_PARAMETERS} parameters`)),
        }),
      );
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(VIT_MAX_PARAMETERS).toBe(2 ** 31 - 1);
  });

  it('counts its parameters without allocating them: vitParameterCount matches parameters()', () => {
    const configs = [
      tiny,
      { ...tiny, maskToken: false, qkvBias: false },
      { ...tiny, layerScaleInit: 0.1, mlpRatio: 2.5, inChannels: 1 },
      { ...tiny, imageSize: [8, 8] as const, depth: 0 },
    ];
    for (const options of configs) {
      const vit = createVit(options);
      const actual = vit.parameters().reduce((sum, p) => sum + p.variable.size, 0);
      expect(vitParameterCount(vit.config)).toBe(actual);
      vit.dispose();
    }
    // ViT-S/16 at 224 (D = 384, N = 196, patch 768 values, MLP 1536), by hand:
    // embeddings 384 * (1 + 197 + 1 + 768 + 1) = 371,712 (cls, pos, masked_embed, proj weight, proj bias)
    // block 4 * 384 + (384 * 1152 + 1152 + 384 * 384 + 384) + (2 * 384 * 1536 + 1536 + 384) = 1,774,464
    // total 371,712 + 12 * 1,774,464 + 768 = 21,666,048 (timm's 22,050,664 with its 1000-class head, without masked_embed)
    expect(
      vitParameterCount({ imageSize: [224, 224], patchSize: 16, inChannels: 3, embedDim: 384, depth: 12, mlpRatio: 4, qkvBias: true, layerScaleInit: 0, maskToken: true }),
    ).toBe(21_666_048);
  });

  it('refuses disposed images, masks and indices in encode with DISPOSED', () => {
    const vit = createVit(tiny);
    const x = images(2, 16, 3);
    const disposedImages = images(2, 16, 3);
    disposedImages.dispose();
    expect(() => vit.encode(disposedImages)).toThrow(
      expect.objectContaining({ code: 'DISPOSED', message: expect.stringContaining('vit.encode(images): the tensor of shape [2, 16, 16, 3] was disposed') }),
    );
    const mask = tf.zeros([2, 16]) as tf.Tensor2D;
    mask.dispose();
    expect(() => vit.encode(x, { tokenMask: mask })).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    const keep = tf.zeros([2, 4], 'int32') as tf.Tensor2D;
    keep.dispose();
    expect(() => vit.encode(x, { keepIndices: keep })).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    expect(() => vit.encode(x, null as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    x.dispose();
    vit.dispose();
  });

  it('the layer factories refuse missing options and oversized weights with SslErrors', () => {
    const rng = createRng(0);
    const factories: [string, (o: never) => unknown][] = [
      ['createLinear', createLinear],
      ['createLayerNorm', createLayerNorm],
      ['createAttention', createAttention],
      ['createMlp', createMlp],
      ['createTransformerBlock', createTransformerBlock],
    ];
    for (const [name, create] of factories) {
      for (const options of [null, undefined]) {
        expect(() => create(options as never)).toThrow(
          expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`${name}(options): expected an options object`) }),
        );
      }
    }
    expect(() => createLinear({ prefix: 'fc', inDim: 2 ** 20, outDim: 2 ** 20, rng })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('createLinear(options) of fc: expected a weight of at most 2147483647 elements') }),
    );
    expect(() => createLinear({ prefix: 'fc', inDim: 0, outDim: 2, rng })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createLayerNorm({ prefix: 'norm', dim: 2 ** 40 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('names the key, the expected and the actual shape of a mis-shaped or missing tensor', async () => {
    const vit = createVit(tiny);
    const dict = await exportStateDict(vit);
    const bad = new Map(dict);
    bad.set('blocks.1.mlp.fc1.weight', { shape: [32, 16], data: new Float32Array(512) });
    expect(() => loadStateDict(vit, bad)).toThrow(/"blocks.1.mlp.fc1.weight": expected shape \[64, 16\], got \[32, 16\]/);
    const missing = new Map(dict);
    missing.delete('norm.bias');
    expect(() => loadStateDict(vit, missing)).toThrow(/missing keys: "norm.bias"/);
    expect(loadStateDict(vit, missing, { strict: false }).missingKeys).toEqual(['norm.bias']);
    vit.dispose();
  });

  it('leaks no tensors in encode and keeps a steady tensor count across training steps', async () => {
    const vit = createVit(tiny);
    const x = images(2, 16, 3);
    await expectNoLeaks(() => vit.encode(x), 'encode');
    const variables = vit.parameters().map((p) => p.variable);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => {
        const f = vit.encode(x, { training: true, rng: createRng(1) });
        return tf.add(tf.mean(tf.square(f.classToken)), tf.mean(tf.square(f.patchTokens))) as tf.Scalar;
      }, variables);
      tf.tidy(() => {
        // masked_embed gets no gradient without a tokenMask
        for (const v of variables) if (grads[v.name]) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.01)));
      });
      tf.dispose([value, ...Object.values(grads).filter((g) => g)]);
    };
    step();
    const after1 = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(after1);
    vit.dispose();
  });
});
