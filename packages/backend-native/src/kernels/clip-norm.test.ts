// SelfsupClipNorm on the native backend against the composite of @selfsup/optim's
// clipGradientsPerParameter (Square, Sum, Sqrt, Add, RealDiv, Less, Select, Multiply) run with the
// separate native kernels: the same clipped gradient and norm bit for bit (Object.is per element)
// on every instruction set and thread count, for sizes the Sum kernel reduces in one range and in
// parts, norms below and above maxNorm, zeros (norm 0), subnormals, huge values whose squares
// overflow, infinities and NaN, and an input whose norm depends on the Sum kernel's split into
// parts; and against the composite on tfjs-backend-cpu, which sums in index order: bit for bit on
// ordinary inputs, one float32 step apart on that contrived one.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { NATIVE_BACKEND_NAME } from '../index.js';
import { expectSame, nativeReady, runOn, runnableIsas, uniform, withConfig, type Input } from '../../test/parity.js';
import { CLIP_NORM } from './clip-norm.js';

/** clip-gradients-per-parameter.ts's composite for one gradient, op for op: [clipped, norm]. */
function composite(maxNorm: number): (g: tf.Tensor) => tf.Tensor[] {
  return (g) =>
    tf.tidy(() => {
      const norm = tf.sqrt(tf.sum(tf.square(g)));
      const coefficient = tf.div(tf.scalar(maxNorm), tf.add(norm, tf.scalar(1e-6)));
      const factor = tf.where(tf.less(coefficient, tf.scalar(1)), coefficient, tf.scalar(1));
      return [tf.mul(g, factor), norm];
    });
}

function fused(maxNorm: number): (g: tf.Tensor) => tf.Tensor[] {
  return (g) => tf.engine().runKernel(CLIP_NORM, { g }, { maxNorm }) as tf.Tensor[];
}

const OUTPUTS = ['clipped', 'norm'];

async function expectBitwiseEqual(input: Input, maxNorm: number, label: string): Promise<void> {
  const a = await runOn(NATIVE_BACKEND_NAME, [input], fused(maxNorm));
  const b = await runOn(NATIVE_BACKEND_NAME, [input], composite(maxNorm));
  expect(a.length, `${label}: outputs`).toBe(2);
  expect(a.map((out) => out.shape), `${label}: shapes`).toEqual([input.shape, []]);
  a.forEach((out, o) => {
    const differing = out.values.findIndex((x, i) => !Object.is(x, b[o]!.values[i]));
    expect(differing, `${label} ${OUTPUTS[o]}: first differing element ${differing} (g ${input.values[differing]}): fused ${out.values[differing]}, composite ${b[o]!.values[differing]}`).toBe(-1);
  });
}

/** Gradient-like values of about `scale` per element (norm about scale * sqrt(size)); every 89th exactly 0. */
function gradient(shape: number[], seed: number, scale: number): Input {
  const input = uniform(shape, seed, -scale, scale);
  return { shape, values: input.values.map((x, i) => (i % 89 === 0 ? 0 : x)) };
}

/** `size` values of SPECIAL-like kinds around `fill`: one edge value at index `at`. */
function withValue(size: number, fill: number, at: number, value: number): Input {
  const values = new Float32Array(size).fill(fill);
  values[at] = value;
  return { shape: [size], values };
}

/** 8 parts of 16384 values whose float32 norm depends on the split (the test below says why). */
function partSensitive(): Input {
  const values = new Float32Array(8 * 16384);
  values.fill(2 ** 22, 0, 32);
  values.fill(2 ** 12, 32, 34);
  values.fill(2 ** -6, 16384);
  return { shape: [values.length], values };
}

const MAX_NORMS = [3, 0.5, 1e-3, 1e6];
// one range ([3, 7], [384, 129]) and parts of the Sum kernel (>= 4 * 16384 elements: up to 32 parts)
const SHAPES = [[], [1], [1, 1, 1], [3, 7], [384, 129], [65536], [300001], [1100003]];

describe.skipIf(!nativeReady)('SelfsupClipNorm on the native backend', () => {
  it('is the composite on the separate native kernels, bit for bit: any shape, norms below and above maxNorm', async () => {
    let seed = 1;
    for (const shape of SHAPES) {
      for (const scale of [1e-4, 1e-2, 1]) {
        for (const maxNorm of MAX_NORMS) await expectBitwiseEqual(gradient(shape, (seed += 1), scale), maxNorm, `[${shape}], scale ${scale}, maxNorm ${maxNorm}`);
      }
    }
  });

  it('is the composite bit for bit for zeros, signed zeros, subnormals, huge values, infinities and NaN', async () => {
    const cases: [string, Input][] = [
      ['zeros (norm 0)', { shape: [70000], values: new Float32Array(70000) }],
      ['negative zeros', { shape: [5], values: new Float32Array(5).fill(-0) }],
      ['subnormals', { shape: [1000], values: new Float32Array(1000).map((_, i) => (i % 2 === 0 ? 1e-45 : -1e-39)) }],
      ['squares that overflow float32', withValue(100, 1, 50, 3e20)],
      ['the largest floats', { shape: [70001], values: new Float32Array(70001).fill(-3.4e38) }],
      ['a NaN (the gradient stays)', withValue(70001, 0.5, 1234, NaN)],
      ['an infinity', withValue(70001, 0.5, 70000, Infinity)],
      ['-infinity and NaN', { shape: [4], values: Float32Array.from([-Infinity, 1, NaN, -0]) }],
    ];
    for (const [label, input] of cases) {
      for (const maxNorm of MAX_NORMS) await expectBitwiseEqual(input, maxNorm, `${label}, maxNorm ${maxNorm}`);
    }
  });

  it('is the same on every instruction set and thread count (sizes split over threads and parts)', async () => {
    const inputs = [gradient([300001], 100, 1e-2), gradient([1100003], 101, 1), gradient([40000], 102, 1e-3), withValue(70001, 0.5, 1234, NaN), partSensitive()];
    for (const isa of runnableIsas()) {
      for (const threads of [1, 2, 3]) {
        await withConfig({ isa, threads }, async () => {
          for (const [i, input] of inputs.entries()) await expectBitwiseEqual(input, 3, `${isa}, ${threads} threads, input ${i}`);
        });
      }
    }
  });

  it("forms the norm's sum in the Sum kernel's parts: an input whose float32 norm depends on them", async () => {
    // 8 parts of 16384 values. Part 0: 32 values 2^22 (squares 2^44: every accumulator of a
    // vectorised loop starts large) and two 2^12 (squares 2^24): exactly 2^49 + 2^25, the midpoint
    // between two float32 values; parts 1-7: 2^-6 (squares 2^-12), 4 per part. Summed in parts the
    // small squares survive (2^49 + 2^25 + 28 rounds up to 2^49 + 2^26); added to the large sum one
    // by one (tfjs-backend-cpu's order, or one range for the whole row) each is below half a double
    // ulp and lost, and the tie rounds to even, 2^49: the norms differ by a float32 step.
    const input = partSensitive();
    await expectBitwiseEqual(input, 1e9, 'part-sensitive sum');
    const [, native] = await runOn(NATIVE_BACKEND_NAME, [input], fused(1e9));
    const [, cpu] = await runOn('cpu', [input], composite(1e9));
    expect(native!.values[0]).toBe(Math.fround(Math.sqrt(2 ** 49 + 2 ** 26)));
    expect(cpu!.values[0]).toBe(Math.fround(Math.sqrt(2 ** 49)));
  });

  it('equals the composite on tfjs-backend-cpu bit for bit', async () => {
    const onNativeFused = (maxNorm: number) => (g: tf.Tensor) => (tf.getBackend() === NATIVE_BACKEND_NAME ? fused(maxNorm) : composite(maxNorm))(g);
    let seed = 300;
    for (const shape of [[], [3, 7], [384, 129], [300001]]) {
      for (const maxNorm of MAX_NORMS) await expectSame([gradient(shape, (seed += 1), 1e-2)], onNativeFused(maxNorm), `[${shape}], maxNorm ${maxNorm}`);
    }
    await expectSame([withValue(1000, 0.5, 10, NaN)], onNativeFused(1), 'a NaN');
    await expectSame([withValue(1000, 0.5, 10, -Infinity)], onNativeFused(1), 'an infinity');
    await expectSame([{ shape: [7], values: new Float32Array(7) }], onNativeFused(1), 'zeros');
  });

  it('keeps no tensors, takes empty tensors (norm 0) and refuses bad inputs and attributes with an SslError naming them', async () => {
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND_NAME);
    try {
      const before = tf.memory().numTensors;
      const [zero, zeroComposite] = tf.tidy(() => {
        const [clipped, norm] = fused(1)(tf.ones([3, 4]));
        expect([clipped!.shape, norm!.shape]).toEqual([[3, 4], []]);
        const [empty, zeroNorm] = fused(1)(tf.zeros([0, 4]));
        expect([empty!.shape, zeroNorm!.shape]).toEqual([[0, 4], []]);
        const [emptyComposite, zeroCompositeNorm] = composite(1)(tf.zeros([0, 4]));
        expect(emptyComposite!.shape).toEqual([0, 4]);
        return [zeroNorm!, zeroCompositeNorm!];
      });
      expect([Array.from(await zero!.data()), Array.from(await zeroComposite!.data())]).toEqual([[0], [0]]);
      tf.dispose([zero!, zeroComposite!]);
      expect(tf.memory().numTensors).toBe(before);
      const cases: [() => unknown, RegExp][] = [
        [() => tf.engine().runKernel(CLIP_NORM, { g: tf.ones([3], 'int32') }, { maxNorm: 1 }), /SelfsupClipNorm\(inputs\.g\): expected a float32 tensor, got "?int32/],
        [() => tf.engine().runKernel(CLIP_NORM, {}, { maxNorm: 1 }), /SelfsupClipNorm\(inputs\.g\): expected a tensor, got undefined/],
        [() => tf.engine().runKernel(CLIP_NORM, { g: tf.ones([3]) }, {}), /SelfsupClipNorm\(attrs\.maxNorm\): expected a positive finite number, got undefined/],
        [() => tf.engine().runKernel(CLIP_NORM, { g: tf.ones([3]) }, { maxNorm: 0 }), /SelfsupClipNorm\(attrs\.maxNorm\): expected a positive finite number, got "?0/],
        [() => tf.engine().runKernel(CLIP_NORM, { g: tf.ones([3]) }, { maxNorm: NaN }), /SelfsupClipNorm\(attrs\.maxNorm\): expected a positive finite number, got "?NaN/],
      ];
      for (const [call, message] of cases) {
        let error: unknown;
        try {
          tf.tidy(() => void call());
        } catch (caught) {
          error = caught;
        }
        expect(isSslError(error, 'INVALID_ARGUMENT') && error.message).toMatch(message);
      }
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await tf.setBackend(previous);
    }
  });
});
