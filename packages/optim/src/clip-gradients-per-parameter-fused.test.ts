// clipGradientsPerParameter's two paths: the fused kernel SelfsupClipNorm (one call per gradient,
// used when the active backend registers it) and the composite (8 tfjs ops per gradient, everywhere
// else: 11 kernel calls, tf.where's 3 Identity included). On the native backend they give the same
// clipped gradients and norms bit for bit (norms below and above maxNorm, a zero gradient, a NaN
// gradient, an int32 gradient, a scalar, an empty and a large gradient that the Sum kernel splits
// into parts), and both equal the composite on cpu bit for bit; the kernels each path runs are
// counted with tf.profile.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectBitwiseEqual, seededUniformValues } from '@selfsup/testing';
import { FUSED_KERNELS } from '@selfsup/backbones';
import { useBackend, type BackendName } from '@selfsup/backend';
import { clipGradientsPerParameter } from './clip-gradients-per-parameter.js';

const initial = tf.getBackend() as string;
const restore = async () => useBackend(initial === 'selfsup-native' ? 'native' : (initial as BackendName));
const nativeAvailable = await useBackend('native').then(
  () => tf.getKernel(FUSED_KERNELS.clipNorm, tf.getBackend()) !== undefined,
  () => false,
);
await restore();

afterAll(restore);

/** Gradients by name: [shape, lo, hi]; `count` is int32, `nan` holds a NaN, `zero` is all zeros. */
const GRADIENTS: Record<string, [number[], number, number]> = {
  'blocks.0.attn.qkv.weight': [[24, 72], -0.05, 0.05], // norm about 1.2
  'blocks.0.attn.qkv.bias': [[72], -1e-3, 1e-3],
  'head.weight': [[24, 10], -3, 3], // norm about 27
  'pos_embed': [[1, 300, 384], -1e-2, 1e-2], // 115,200 values: the Sum kernel's parts
  'cls_token': [[], -5, 5],
  'empty': [[0, 4], 0, 0],
  'zero': [[7], 0, 0],
  'nan': [[9], -1, 1],
  'count': [[5], -3, 3],
};

interface Run {
  readonly clipped: Record<string, Float32Array>;
  readonly shapes: Record<string, number[]>;
  readonly norms: Float32Array;
  /** Kernel names run by clipGradientsPerParameter, with their counts. */
  readonly kernels: Record<string, number>;
}

/** Clips GRADIENTS on the active backend; `fused` switches SelfsupClipNorm off when false. */
async function clip(maxNorm: number, fused: boolean): Promise<Run> {
  const backend = tf.getBackend();
  const config = tf.getKernel(FUSED_KERNELS.clipNorm, backend);
  if (!fused && config) tf.unregisterKernel(FUSED_KERNELS.clipNorm, backend);
  const gradients = new Map(
    Object.entries(GRADIENTS).map(([name, [shape, lo, hi]], i) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = seededUniformValues(i + 1, size, lo, hi);
      if (name === 'nan') data[4] = NaN;
      if (name === 'count') return [name, tf.tensor(Int32Array.from(data, Math.round), shape, 'int32')];
      return [name, tf.tensor(data, shape)];
    }),
  );
  try {
    let result: ReturnType<typeof clipGradientsPerParameter> | undefined;
    const profile = await tf.profile(() => {
      result = clipGradientsPerParameter(gradients, maxNorm);
    });
    const kernels: Record<string, number> = {};
    for (const { name } of profile.kernels) kernels[name] = (kernels[name] ?? 0) + 1;
    const clipped: Record<string, Float32Array> = {};
    const shapes: Record<string, number[]> = {};
    for (const [name, tensor] of result!.gradients) {
      clipped[name] = (await tensor.data()) as Float32Array;
      shapes[name] = tensor.shape;
    }
    const norms = (await result!.norms.data()) as Float32Array;
    tf.dispose([...result!.gradients.values(), result!.norms]);
    return { clipped, shapes, norms, kernels };
  } finally {
    tf.dispose([...gradients.values()]);
    if (!fused && config) tf.registerKernel(config);
  }
}

function expectSameRun(label: string, a: Run, b: Run): void {
  expect(Object.keys(a.clipped), `${label}: names`).toEqual(Object.keys(GRADIENTS));
  for (const name of Object.keys(GRADIENTS)) {
    expect(a.shapes[name], `${label}: ${name} shape`).toEqual(b.shapes[name]);
    expectBitwiseEqual(a.clipped[name]!, b.clipped[name]!, `${label}: ${name}`);
  }
  expectBitwiseEqual(a.norms, b.norms, `${label}: norms`);
}

describe.skipIf(!nativeAvailable)('clipGradientsPerParameter with the fused SelfsupClipNorm kernel (native backend)', () => {
  it('gives the clipped gradients and norms of the composite bit for bit, on native and on cpu', async () => {
    for (const maxNorm of [3, 0.01, 100]) {
      await useBackend('native');
      const fused = await clip(maxNorm, true);
      const composite = await clip(maxNorm, false);
      await useBackend('cpu');
      const cpu = await clip(maxNorm, true); // cpu registers no SelfsupClipNorm: the composite runs
      await restore();
      expectSameRun(`maxNorm ${maxNorm}: native fused vs native composite`, fused, composite);
      expectSameRun(`maxNorm ${maxNorm}: native fused vs cpu composite`, fused, cpu);
      // the cases the comparison covers: clipped, not clipped, norm 0, NaN left as it is, empty
      const norm = (name: string) => fused.norms[Object.keys(GRADIENTS).indexOf(name)]!;
      expect([norm('zero'), norm('empty'), Number.isNaN(norm('nan'))]).toEqual([0, 0, true]);
      // a NaN norm leaves the gradient as it is (its NaN included)
      const nanInput = seededUniformValues(Object.keys(GRADIENTS).indexOf('nan') + 1, 9, -1, 1);
      nanInput[4] = NaN;
      expectBitwiseEqual(fused.clipped.nan!, nanInput, `maxNorm ${maxNorm}: the NaN gradient`);
    }
    await useBackend('native');
    const run = await clip(3, true);
    await restore();
    const index = (name: string) => Object.keys(GRADIENTS).indexOf(name);
    expect(run.norms[index('head.weight')]).toBeGreaterThan(3); // clipped
    expect(run.norms[index('blocks.0.attn.qkv.bias')]).toBeLessThan(3); // unchanged
  });

  it('runs one SelfsupClipNorm call per gradient (plus the int32 cast and the norms stack) where the composite runs 11 kernels (8 ops)', async () => {
    await useBackend('native');
    const fused = await clip(3, true);
    const composite = await clip(3, false);
    await restore();
    const gradients = Object.keys(GRADIENTS).length;
    expect(fused.kernels).toEqual({ [FUSED_KERNELS.clipNorm]: gradients, Cast: 1, Pack: 1 });
    // the composite: 8 ops per gradient, and tf.where's broadcastTo clones its three scalar
    // operands (Identity), so 11 kernel calls
    const n = gradients;
    expect(composite.kernels).toEqual({ Square: n, Sum: n, Sqrt: n, Add: n, RealDiv: n, Less: n, Identity: 3 * n, Select: n, Multiply: n, Cast: 1, Pack: 1 });
  });
});
