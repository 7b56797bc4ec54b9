// SelfsupAdamW on the native backend against the composite formula of @selfsup/optim's adamw.ts
// (updateParameterComposite) run with the separate native kernels: the same p', m' and v' bit for
// bit (Object.is per element), on every instruction set and thread count, with and without weight
// decay, at step 1 and later steps, for ordinary values and for zeros, signed zeros, subnormals,
// huge values, infinities and NaN; and against the composite on tfjs-backend-cpu, also bit for bit
// (every step is one + - * / or sqrt of float32 values, which cpu's float64 arithmetic rounded to
// float32 computes exactly as float arithmetic does).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { NATIVE_BACKEND_NAME } from '../index.js';
import { expectSame, nativeReady, runOn, runnableIsas, uniform, withConfig, type Input } from '../../test/parity.js';
import { ADAMW } from './adamw.js';

/** The optimizer's hyper-parameters for one parameter at its step t (the group scales applied). */
interface Hyper {
  readonly lr: number;
  readonly wd: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly t: number;
}

/** The kernel's attributes as adamw.ts computes them (float64; the kernel rounds them to float32). */
function attrsOf({ lr, wd, beta1, beta2, eps, t }: Hyper): Record<string, number> {
  return {
    decay: wd !== 0 ? 1 - lr * wd : 1,
    beta1,
    oneMinusBeta1: 1 - beta1,
    beta2,
    oneMinusBeta2: 1 - beta2,
    biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** t),
    eps,
    stepSize: lr / (1 - beta1 ** t),
  };
}

/** adamw.ts's composite update, op for op: [p', m', v']. */
function composite(h: Hyper): (p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor) => tf.Tensor[] {
  const a = attrsOf(h);
  return (p, g, m, v) => {
    const decayed = h.wd !== 0 ? tf.mul(p, tf.scalar(a.decay!)) : p;
    const nextM = tf.add(tf.mul(m, tf.scalar(a.beta1!)), tf.mul(g, tf.scalar(a.oneMinusBeta1!)));
    const nextV = tf.add(tf.mul(v, tf.scalar(a.beta2!)), tf.mul(tf.mul(g, g), tf.scalar(a.oneMinusBeta2!)));
    const denominator = tf.add(tf.div(tf.sqrt(nextV), tf.scalar(a.biasCorrection2Sqrt!)), tf.scalar(a.eps!));
    const nextP = tf.sub(decayed, tf.div(tf.mul(nextM, tf.scalar(a.stepSize!)), denominator));
    return [nextP, nextM, nextV];
  };
}

function fused(h: Hyper): (p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor) => tf.Tensor[] {
  return (p, g, m, v) => tf.engine().runKernel(ADAMW, { p, g, m, v }, attrsOf(h)) as tf.Tensor[];
}

const OUTPUTS = ["p'", "m'", "v'"];

async function expectBitwiseEqual(inputs: readonly Input[], h: Hyper, label: string): Promise<void> {
  const a = await runOn(NATIVE_BACKEND_NAME, inputs, fused(h));
  const b = await runOn(NATIVE_BACKEND_NAME, inputs, composite(h));
  expect(a.length, `${label}: outputs`).toBe(3);
  a.forEach((out, o) => {
    expect(out.shape, `${label} ${OUTPUTS[o]}: shape`).toEqual(inputs[0]!.shape);
    const differing = out.values.findIndex((x, i) => !Object.is(x, b[o]!.values[i]));
    const where = inputs.map((input) => input.values[differing]).join(', ');
    expect(differing, `${label} ${OUTPUTS[o]}: first differing element ${differing} (p, g, m, v = ${where}): fused ${out.values[differing]}, composite ${b[o]!.values[differing]}`).toBe(-1);
  });
}

/** Values at the edges of float32: zeros, signed zero, subnormals, tiny, huge, the largest finite, infinities, NaN. */
const SPECIAL = [0, -0, 1e-45, -1e-45, 1e-39, 1e-30, -1e-30, 1e-8, -1e-3, 0.5, -1, 3.5, 1e10, -1e20, 1e30, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];

/** p, g and m run through every combination of SPECIAL; v through SPECIAL's magnitudes (and, every 5th, a negative). */
function specialInputs(): Input[] {
  const n = SPECIAL.length;
  const size = n ** 3;
  const [p, g, m, v] = [0, 1, 2, 3].map(() => new Float32Array(size));
  for (let i = 0; i < size; i++) {
    p![i] = SPECIAL[i % n]!;
    g![i] = SPECIAL[Math.floor(i / n) % n]!;
    m![i] = SPECIAL[Math.floor(i / n ** 2) % n]!;
    const s = SPECIAL[(i * 7) % n]!;
    v![i] = i % 5 === 0 ? s : Math.abs(s);
  }
  return [p!, g!, m!, v!].map((values) => ({ shape: [size], values }));
}

/** Training-like values: weights of order 1, small gradients, moments of their size. */
function trainingInputs(shape: number[], seed: number): Input[] {
  const v = uniform(shape, seed + 3, 0, 1e-4).values.map((x, i) => (i % 97 === 0 ? 0 : x)); // some v exactly 0
  return [uniform(shape, seed, -1, 1), uniform(shape, seed + 1, -1e-2, 1e-2), uniform(shape, seed + 2, -1e-3, 1e-3), { shape, values: v }];
}

const HYPERS: readonly Hyper[] = [
  { lr: 1e-3, wd: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 1 },
  { lr: 5e-4, wd: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 1 },
  { lr: 5e-4, wd: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 1000 },
  { lr: 0.1, wd: 0.5, beta1: 0.9, beta2: 0.95, eps: 1e-6, t: 37 },
  // 1 - lr * wd rounds to 1 in float32: the composite multiplies by 1
  { lr: 1e-9, wd: 1e-3, beta1: 0.8, beta2: 0.99, eps: 0, t: 3 },
];

const describeHyper = (h: Hyper) => `lr ${h.lr}, wd ${h.wd}, betas (${h.beta1}, ${h.beta2}), eps ${h.eps}, t ${h.t}`;

describe.skipIf(!nativeReady)('SelfsupAdamW on the native backend', () => {
  it('is the composite formula on the separate native kernels, bit for bit: training values, any shape, with and without decay, step 1 and later', async () => {
    let seed = 1;
    for (const h of HYPERS) {
      for (const shape of [[1], [3, 7], [384, 129], [65537]]) {
        await expectBitwiseEqual(trainingInputs(shape, (seed += 4)), h, `${describeHyper(h)}, [${shape}]`);
      }
    }
  });

  it('is the composite bit for bit at zeros, signed zeros, subnormals, huge values, infinities and NaN', async () => {
    const inputs = specialInputs();
    for (const h of HYPERS) await expectBitwiseEqual(inputs, h, `special values, ${describeHyper(h)}`);
  });

  it('is the same on every instruction set and thread count (sizes that split over threads and leave vector tails)', async () => {
    const inputs = trainingInputs([70001], 100);
    const special = specialInputs();
    for (const isa of runnableIsas()) {
      for (const threads of [1, 2, 3]) {
        await withConfig({ isa, threads }, async () => {
          await expectBitwiseEqual(inputs, HYPERS[0]!, `${isa}, ${threads} threads`);
          await expectBitwiseEqual(special, HYPERS[3]!, `${isa}, ${threads} threads, special values`);
        });
      }
    }
  });

  it('stays bit for bit the composite over 50 chained steps (each step its own t and learning rate)', async () => {
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND_NAME);
    try {
      const [p0, , m0, v0] = trainingInputs([4099], 200);
      const start = () => [p0!, m0!, v0!].map((input) => tf.tensor(input.values, input.shape));
      let [pf, mf, vf] = start();
      let [pc, mc, vc] = start();
      const gradients = uniform([4099], 201, -1e-2, 1e-2);
      for (let t = 1; t <= 50; t++) {
        const h: Hyper = { lr: 1e-3 * (1 - t / 60), wd: t % 2 === 0 ? 0.04 : 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, t };
        const g = tf.tensor(gradients.values.map((x, i) => x * Math.cos(t + i)), [4099]);
        const nextFused = fused(h)(pf!, g, mf!, vf!);
        const nextComposite = tf.tidy(() => composite(h)(pc!, g, mc!, vc!));
        tf.dispose([pf!, mf!, vf!, pc!, mc!, vc!, g]);
        [pf, mf, vf] = nextFused;
        [pc, mc, vc] = nextComposite;
      }
      const [a, b] = await Promise.all([[pf!, mf!, vf!], [pc!, mc!, vc!]].map((list) => Promise.all(list.map((x) => x.data() as Promise<Float32Array>))));
      a!.forEach((values, o) => expect(values.findIndex((x, i) => !Object.is(x, b![o]![i])), `${OUTPUTS[o]} after 50 steps`).toBe(-1));
      tf.dispose([pf!, mf!, vf!, pc!, mc!, vc!]);
    } finally {
      await tf.setBackend(previous);
    }
  });

  it('equals the composite formula on tfjs-backend-cpu bit for bit', async () => {
    const onNativeFused = (h: Hyper) => (...xs: tf.Tensor[]) => (tf.getBackend() === NATIVE_BACKEND_NAME ? fused(h) : composite(h))(xs[0]!, xs[1]!, xs[2]!, xs[3]!);
    for (const h of HYPERS) {
      await expectSame(trainingInputs([33, 65], 300), onNativeFused(h), `training values, ${describeHyper(h)}`);
      await expectSame(specialInputs(), onNativeFused(h), `special values, ${describeHyper(h)}`);
    }
  });

  it('keeps no tensors and refuses bad inputs and attributes with an SslError naming them', async () => {
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND_NAME);
    try {
      const before = tf.memory().numTensors;
      const attrs = attrsOf(HYPERS[0]!);
      tf.tidy(() => {
        const [p, m, v] = fused(HYPERS[0]!)(tf.ones([3, 4]), tf.ones([3, 4]), tf.zeros([3, 4]), tf.zeros([3, 4]));
        expect([p!.shape, m!.shape, v!.shape]).toEqual([[3, 4], [3, 4], [3, 4]]);
      });
      tf.tidy(() => void fused(HYPERS[0]!)(tf.zeros([0, 4]), tf.zeros([0, 4]), tf.zeros([0, 4]), tf.zeros([0, 4])));
      expect(tf.memory().numTensors).toBe(before);
      const cases: [() => unknown, RegExp][] = [
        [() => tf.engine().runKernel(ADAMW, { p: tf.ones([3, 4]), g: tf.ones([4, 3]), m: tf.zeros([3, 4]), v: tf.zeros([3, 4]) }, attrs), /SelfsupAdamW\(inputs\.g\): expected shape \[3, 4\], got "?\[4, 3\]/],
        [() => tf.engine().runKernel(ADAMW, { p: tf.ones([3]), g: tf.ones([3]), m: tf.zeros([3], 'int32'), v: tf.zeros([3]) }, attrs), /SelfsupAdamW\(inputs\.m\): expected a float32 tensor, got "?int32/],
        [() => tf.engine().runKernel(ADAMW, { p: tf.ones([3]), g: tf.ones([3]), m: tf.zeros([3]) }, attrs), /SelfsupAdamW\(inputs\.v\): expected a tensor, got undefined/],
        [() => tf.engine().runKernel(ADAMW, { p: tf.ones([3]), g: tf.ones([3]), m: tf.zeros([3]), v: tf.zeros([3]) }, { ...attrs, stepSize: undefined } as never), /SelfsupAdamW\(attrs\.stepSize\): expected a number, got undefined/],
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
