// selfsup's WGSL SelfsupAdamW on webgpu, called through tf.engine().runKernel, against the composite
// formula of @selfsup/optim's adamw.ts on cpu (and a float64 evaluation of the same formula), for
// flat and shaped parameters, with and without weight decay, at step 1 and later steps, for
// training-like values and for zeros, signed zeros, subnormals, tiny and large finite values
// (WGSL leaves infinities and NaN to the implementation: they are not compared). On a machine
// without a GPU it runs on Dawn's OpenGL ES backend over Mesa's llvmpipe; outside a webgpu test
// process it runs itself in a child vitest process on webgpu (test/webgpu-child-process.ts says
// why).
//
// Tolerances (|webgpu - cpu| <= bound, per element). WGSL's * + - are correctly rounded, but the
// compiler may fuse a product into the following sum, and its sqrt and / are not correctly rounded
// (2.5 ulp in WGSL's accuracy table):
// - m', v': 2 ulp of the two added terms' magnitudes, |m beta1| + |g (1 - beta1)| (v alike): one
//   rounding of a product that a fused multiply-add skips, and the sum's own;
// - p': 2 ulp of |p decay| (the decay product and the final subtraction) plus 8 ulp of the update
//   |m' stepSize / denom| (sqrt, two divisions, the add of eps), and 2^-126 for flushed subnormals.
// Measured on llvmpipe (Mesa 22.3.6, Dawn's OpenGL ES backend): p', m' and v' equal cpu's bit for
// bit in every case below (73,835 elements for each of the 3 hyper-parameter sets, subnormals
// included); each test prints its largest errors and how many elements differ. The bounds are for
// GPUs whose sqrt and / are not correctly rounded or that contract products into FMAs.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectInvalidArgumentErrors, seededUniformValues, type InvalidArgumentCase } from '@selfsup/testing';
import { useBackend, type BackendName } from '../use-backend.js';
import { describeInWebgpuChild, findWebgpuTestAdapter, runsOnWebgpu } from '../../test/webgpu-child-process.js';
import { countWebgpuDispatches } from '../webgpu-dispatch-count.js';
import { SELFSUP_ADAMW, WEBGPU_FUSED_KERNELS } from './index.js';

const initialBackend = tf.getBackend() as string;
const inProcess = runsOnWebgpu();
const adapter = await findWebgpuTestAdapter();

describeInWebgpuChild('SelfsupAdamW', import.meta.url, adapter);

/** The optimizer's hyper-parameters for one parameter at its step t. */
interface Hyper {
  readonly lr: number;
  readonly wd: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly t: number;
}

/** The kernel's attributes as adamw.ts computes them (float64; rounded to float32 by the kernel). */
function attrsOf({ lr, wd, beta1, beta2, eps, t }: Hyper): Record<string, number> {
  return { decay: wd !== 0 ? 1 - lr * wd : 1, beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** t), eps, stepSize: lr / (1 - beta1 ** t) };
}

/** adamw.ts's composite update, op for op: [p', m', v']. */
function composite(h: Hyper, p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor): tf.Tensor[] {
  const a = attrsOf(h);
  const decayed = h.wd !== 0 ? tf.mul(p, tf.scalar(a.decay!)) : p;
  const nextM = tf.add(tf.mul(m, tf.scalar(a.beta1!)), tf.mul(g, tf.scalar(a.oneMinusBeta1!)));
  const nextV = tf.add(tf.mul(v, tf.scalar(a.beta2!)), tf.mul(tf.mul(g, g), tf.scalar(a.oneMinusBeta2!)));
  const denominator = tf.add(tf.div(tf.sqrt(nextV), tf.scalar(a.biasCorrection2Sqrt!)), tf.scalar(a.eps!));
  return [tf.sub(decayed, tf.div(tf.mul(nextM, tf.scalar(a.stepSize!)), denominator)), nextM, nextV];
}

function fused(h: Hyper, p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor): tf.Tensor[] {
  return tf.engine().runKernel(SELFSUP_ADAMW, { p, g, m, v }, attrsOf(h)) as tf.Tensor[];
}

interface Case {
  readonly label: string;
  readonly shape: number[];
  /** p, g, m, v */
  readonly values: [Float32Array, Float32Array, Float32Array, Float32Array];
}

function trainingCase(shape: number[], seed: number): Case {
  const size = shape.reduce((a, b) => a * b, 1);
  const v = seededUniformValues(seed + 3, size, 0, 1e-4).map((x, i) => (i % 97 === 0 ? 0 : x));
  return { label: `[${shape}]`, shape, values: [seededUniformValues(seed, size, -1, 1), seededUniformValues(seed + 1, size, -1e-2, 1e-2), seededUniformValues(seed + 2, size, -1e-3, 1e-3), v] };
}

/** Finite values at the edges: zeros, signed zero, subnormals, tiny and large (g^2 stays finite). */
const SPECIAL = [0, -0, 1e-45, -1e-45, 1e-39, 1e-30, -1e-30, 1e-8, -1e-3, 0.5, -1, 3.5, 1e10, -1e15, 1e18, 1e30, -3e38];

/** p through every value of SPECIAL, g and m through every combination (within +-1e18, so that g^2 and m' stay finite), v through their magnitudes. */
function specialCase(): Case {
  const n = SPECIAL.length;
  const size = n ** 3;
  const clamp = (x: number, limit: number) => Math.max(-limit, Math.min(limit, x));
  const [p, g, m, v] = [0, 1, 2, 3].map(() => new Float32Array(size));
  for (let i = 0; i < size; i++) {
    p![i] = SPECIAL[i % n]!;
    g![i] = clamp(SPECIAL[Math.floor(i / n) % n]!, 1e18);
    m![i] = clamp(SPECIAL[Math.floor(i / n ** 2) % n]!, 1e18);
    v![i] = clamp(Math.abs(SPECIAL[(i * 7) % n]!), 1e36);
  }
  return { label: 'special values', shape: [size], values: [p!, g!, m!, v!] };
}

const HYPERS: readonly Hyper[] = [
  { lr: 1e-3, wd: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 1 },
  { lr: 5e-4, wd: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, t: 1000 },
  { lr: 0.1, wd: 0.5, beta1: 0.9, beta2: 0.95, eps: 1e-6, t: 37 },
];

const ULP = 2 ** -23;

/** Runs `fn` on a backend with fresh tensors from `c`, inside WebGPU error scopes on webgpu, and reads its outputs. */
async function runOn(backend: 'webgpu' | 'cpu', c: Case, fn: (p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor) => tf.Tensor[]): Promise<Float32Array[]> {
  await useBackend(backend);
  const device = backend === 'webgpu' ? (tf.backend() as unknown as { device: { pushErrorScope(f: string): void; popErrorScope(): Promise<{ message: string } | null> } }).device : undefined;
  for (const filter of ['validation', 'out-of-memory', 'internal']) device?.pushErrorScope(filter);
  const before = tf.memory().numTensors;
  const inputs = c.values.map((values) => tf.tensor(values, c.shape));
  const outputs = fn(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!);
  for (const output of outputs) expect(output.shape).toEqual(c.shape);
  const values = await Promise.all(outputs.map((output) => output.data() as Promise<Float32Array>));
  tf.dispose([...inputs, ...outputs]);
  if (device) {
    const errors = [await device.popErrorScope(), await device.popErrorScope(), await device.popErrorScope()].filter((e) => e !== null);
    expect(errors.map((e) => e!.message)).toEqual([]);
  }
  expect(tf.memory().numTensors, `tensors left behind on ${backend}`).toBe(before);
  return values;
}

/**
 * Checks every element of webgpu's outputs against cpu's within the header's bounds; returns the
 * largest error of each output in ulps of its terms (p': |p decay| + the update; m', v': the two
 * added terms), or the first element beyond its bound.
 */
function compare(c: Case, h: Hyper, actual: Float32Array[], expected: Float32Array[]): { worst: number[]; differing: number[]; failure?: string } {
  const a = attrsOf(h);
  const f = Math.fround;
  const [p, g, m, v] = c.values;
  const worst = [0, 0, 0];
  const differing = [0, 0, 0];
  for (let i = 0; i < p.length; i++) {
    const decayed = Math.abs(f(p[i]! * f(a.decay!)));
    const update = Math.abs((expected[1]![i]! * f(a.stepSize!)) / (Math.sqrt(expected[2]![i]!) / f(a.biasCorrection2Sqrt!) + f(a.eps!)));
    const units = [ULP * (decayed + update), ULP * (Math.abs(m[i]! * f(a.beta1!)) + Math.abs(g[i]! * f(a.oneMinusBeta1!))), ULP * (Math.abs(v[i]! * f(a.beta2!)) + g[i]! * g[i]! * f(a.oneMinusBeta2!))];
    const bounds = [2 * ULP * decayed + 8 * ULP * update, 2 * units[1]!, 2 * units[2]!].map((b) => b + 2 ** -126);
    for (let o = 0; o < 3; o++) {
      const error = Math.abs(actual[o]![i]! - expected[o]![i]!);
      if (error === 0 || (Number.isNaN(actual[o]![i]!) && Number.isNaN(expected[o]![i]!))) continue;
      differing[o]!++;
      if (!(error <= bounds[o]!)) {
        return { worst, differing, failure: `${c.label}, output ${["p'", "m'", "v'"][o]} element ${i} (p, g, m, v = ${p[i]}, ${g[i]}, ${m[i]}, ${v[i]}): webgpu ${actual[o]![i]}, cpu ${expected[o]![i]}, off by ${error} > ${bounds[o]}` };
      }
      if (units[o]! > 2 ** -126) worst[o] = Math.max(worst[o]!, error / units[o]!);
    }
  }
  return { worst, differing };
}

describe.skipIf(!inProcess)(`SelfsupAdamW on webgpu (${inProcess ? adapter.reason : 'these run in the child process above'})`, () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  });

  afterAll(async () => {
    await useBackend(initialBackend as BackendName);
  });

  it("is registered for webgpu by useBackend('webgpu')", () => {
    const config = WEBGPU_FUSED_KERNELS.find((k) => k.kernelName === SELFSUP_ADAMW);
    expect(config).toBeDefined();
    expect(tf.getKernel(SELFSUP_ADAMW, 'webgpu')?.kernelFunc).toBe(config!.kernelFunc);
  });

  const cases: Case[] = [trainingCase([1], 1), trainingCase([7, 300], 5), trainingCase([129], 9), trainingCase([3, 5, 7, 11], 13), trainingCase([65537], 17), specialCase()];
  for (const h of HYPERS) {
    it(`p', m' and v' match the composite formula on cpu (lr ${h.lr}, wd ${h.wd}, betas ${h.beta1}/${h.beta2}, t ${h.t})`, async () => {
      const worst = [0, 0, 0];
      const differing = [0, 0, 0];
      for (const c of cases) {
        const actual = await runOn('webgpu', c, (p, g, m, v) => fused(h, p, g, m, v));
        const expected = await runOn('cpu', c, (p, g, m, v) => tf.tidy(() => composite(h, p, g, m, v)));
        const result = compare(c, h, actual, expected);
        if (result.failure) throw new Error(result.failure);
        result.worst.forEach((w, o) => (worst[o] = Math.max(worst[o]!, w)));
        result.differing.forEach((d, o) => (differing[o]! += d));
      }
      // the measured errors, in ulps of the terms (see the header)
      console.log(`SelfsupAdamW webgpu vs cpu, lr ${h.lr}, wd ${h.wd}, t ${h.t}: largest error p' ${worst[0]!.toFixed(3)} ulp, m' ${worst[1]!.toFixed(3)} ulp, v' ${worst[2]!.toFixed(3)} ulp; elements that differ: ${differing.join(', ')} of ${cases.reduce((n, c) => n + c.values[0].length, 0)}`);
    });
  }

  it('runs in 3 dispatches, where the composite formula takes 14 (13 without weight decay)', async () => {
    await useBackend('webgpu');
    const c = trainingCase([40, 96], 50);
    const inputs = c.values.map((values) => tf.tensor(values, c.shape));
    const [p, g, m, v] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const counter = countWebgpuDispatches();
    const count = (fn: () => tf.Tensor[]) => {
      counter.reset();
      tf.dispose(fn());
      return { total: counter.read().total, byKernel: [...counter.read().byKernel] };
    };
    try {
      expect(count(() => fused(HYPERS[0]!, p, g, m, v))).toEqual({ total: 3, byKernel: [[SELFSUP_ADAMW, 3]] });
      expect(count(() => fused(HYPERS[1]!, p, g, m, v)).total).toBe(3);
      expect(count(() => tf.tidy(() => composite(HYPERS[0]!, p, g, m, v))).total).toBe(14);
      expect(count(() => tf.tidy(() => composite(HYPERS[1]!, p, g, m, v))).total).toBe(13);
    } finally {
      counter.stop();
      tf.dispose(inputs);
    }
  });

  it('refuses bad inputs and attributes with an SslError naming them, and leaves no tensor behind', async () => {
    await useBackend('webgpu');
    const attrs = attrsOf(HYPERS[0]!);
    const run = (inputs: Record<string, tf.Tensor>, a: Record<string, unknown> = attrs) => tf.engine().runKernel(SELFSUP_ADAMW, inputs as tf.NamedTensorMap, a as tf.NamedAttrMap);
    const cases: InvalidArgumentCase[] = [
      [() => run({ p: tf.ones([3, 4]), g: tf.ones([4, 3]), m: tf.zeros([3, 4]), v: tf.zeros([3, 4]) }), /SelfsupAdamW input g: expected float32 \[3, 4\] \(the gradient, shaped as p\), got "float32 \[4, 3\]"/],
      [() => run({ p: tf.ones([3]), g: tf.ones([3]), m: tf.zeros([3], 'int32'), v: tf.zeros([3]) }), /SelfsupAdamW input m: expected a float32 tensor, got "int32 \[3\]"/],
      [() => run({ p: tf.ones([3]), g: tf.ones([3]), m: tf.zeros([3]) }), /SelfsupAdamW input v: expected a float32 tensor, got undefined/],
      [() => run({ p: tf.ones([3]), g: tf.ones([3]), m: tf.zeros([3]), v: tf.zeros([3]) }, { ...attrs, eps: '1e-8' }), /SelfsupAdamW attrs\.eps: expected a number, got "1e-8"/],
    ];
    const before = tf.memory().numTensors;
    expectInvalidArgumentErrors(cases);
    expect(tf.memory().numTensors).toBe(before);
  });
});
