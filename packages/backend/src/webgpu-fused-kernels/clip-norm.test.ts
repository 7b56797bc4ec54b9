// selfsup's WGSL SelfsupClipNorm on webgpu, called through tf.engine().runKernel, against the
// composite of @selfsup/optim's clipGradientsPerParameter on cpu (Square, Sum, Sqrt, Add, RealDiv,
// Less, Select, Multiply), for flat and shaped gradients, scalars, sizes that leave the norm's
// workgroup lanes uneven, norms below and above maxNorm, zeros (norm 0), subnormals and large
// finite values (WGSL leaves infinities and NaN to the implementation: they are not compared); the
// dispatch counts; empty gradients; SslErrors; no tensor left behind. On a machine without a GPU it
// runs on Dawn's OpenGL ES backend over Mesa's llvmpipe; outside a webgpu test process it runs
// itself in a child vitest process on webgpu (test/webgpu-child-process.ts).
//
// Tolerances (|webgpu - cpu| <= bound, per element). The norm's sum of squares is float32 in
// another order than cpu's float64 sum (each of the workgroup's lanes adds every 256th square, then
// the lanes are added by halving): its error is at most (n / 256 + 9) ulp of the sum (n squares);
// the square root halves that and adds its own (WGSL's sqrt: 2.5 ulp). So
// - norm: (n / 256 + 16) ulp of the norm;
// - clipped (where the composite scales): the norm's relative error plus 8 ulp (the add of 1e-6,
//   the division, 2.5 ulp in WGSL's table, the product) of |g c|; unscaled elements are g exactly;
// - plus 2^-126 where a GPU flushes subnormals.
// The cases keep c away from 1 by more than these bounds, so both sides take the same branch.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectInvalidArgumentErrors, seededUniformValues, type InvalidArgumentCase } from '@selfsup/testing';
import { useBackend, type BackendName } from '../use-backend.js';
import { describeInWebgpuChild, findWebgpuTestAdapter, runsOnWebgpu } from '../../test/webgpu-child-process.js';
import { countWebgpuDispatches } from '../webgpu-dispatch-count.js';
import { SELFSUP_CLIP_NORM, WEBGPU_FUSED_KERNELS } from './index.js';

const initialBackend = tf.getBackend() as string;
const inProcess = runsOnWebgpu();
const adapter = await findWebgpuTestAdapter();

describeInWebgpuChild('SelfsupClipNorm', import.meta.url, adapter);


/** clip-gradients-per-parameter.ts's composite for one gradient, op for op: [clipped, norm]. */
function composite(maxNorm: number, g: tf.Tensor): tf.Tensor[] {
  const norm = tf.sqrt(tf.sum(tf.square(g)));
  const coefficient = tf.div(tf.scalar(maxNorm), tf.add(norm, tf.scalar(1e-6)));
  const factor = tf.where(tf.less(coefficient, tf.scalar(1)), coefficient, tf.scalar(1));
  return [tf.mul(g, factor), norm];
}

function fused(maxNorm: number, g: tf.Tensor): tf.Tensor[] {
  return tf.engine().runKernel(SELFSUP_CLIP_NORM, { g }, { maxNorm }) as tf.Tensor[];
}

interface Case {
  readonly label: string;
  readonly shape: number[];
  readonly values: Float32Array;
}

function gradientCase(shape: number[], seed: number, scale: number): Case {
  const size = shape.reduce((a, b) => a * b, 1);
  return { label: `[${shape}] of about ${scale}`, shape, values: seededUniformValues(seed, size, -scale, scale).map((x, i) => (i % 89 === 0 ? 0 : x)) };
}

const CASES: readonly Case[] = [
  gradientCase([], 1, 1),
  gradientCase([1], 2, 1e-2),
  gradientCase([7, 300], 3, 1e-2),
  gradientCase([255], 4, 1),
  gradientCase([3, 5, 7, 11], 5, 1e-3),
  gradientCase([65537], 6, 1e-2),
  gradientCase([384, 1536], 7, 1e-4),
  { label: 'zeros (norm 0)', shape: [1000], values: new Float32Array(1000) },
  { label: 'signed zeros and subnormals', shape: [600], values: new Float32Array(600).map((_, i) => [-0, 1e-45, -1e-39, 1e-30][i % 4]!) },
  { label: 'large finite values', shape: [1000], values: new Float32Array(1000).map((_, i) => (i % 3 === 0 ? -1e17 : 3e16)) },
];

const MAX_NORMS = [3, 0.5, 1e-3, 1e6];

const ULP = 2 ** -23;

/** Runs `fn` on a backend with a fresh tensor from `c`, inside WebGPU error scopes on webgpu, and reads its outputs. */
async function runOn(backend: 'webgpu' | 'cpu', c: Case, fn: (g: tf.Tensor) => tf.Tensor[]): Promise<Float32Array[]> {
  await useBackend(backend);
  const device = backend === 'webgpu' ? (tf.backend() as unknown as { device: { pushErrorScope(f: string): void; popErrorScope(): Promise<{ message: string } | null> } }).device : undefined;
  for (const filter of ['validation', 'out-of-memory', 'internal']) device?.pushErrorScope(filter);
  const before = tf.memory().numTensors;
  const input = tf.tensor(c.values, c.shape);
  const outputs = fn(input);
  expect(outputs.map((output) => output.shape)).toEqual([c.shape, []]);
  const values = await Promise.all(outputs.map((output) => output.data() as Promise<Float32Array>));
  tf.dispose([input, ...outputs]);
  if (device) {
    const errors = [await device.popErrorScope(), await device.popErrorScope(), await device.popErrorScope()].filter((e) => e !== null);
    expect(errors.map((e) => e!.message)).toEqual([]);
  }
  expect(tf.memory().numTensors, `tensors left behind on ${backend}`).toBe(before);
  return values;
}

/** Checks webgpu's outputs against cpu's within the header's bounds; returns the norm's error in ulps and the clipped elements that differ, or the first failure. */
function compare(c: Case, maxNorm: number, actual: Float32Array[], expected: Float32Array[]): { normUlps: number; differing: number; failure?: string } {
  const n = c.values.length;
  const [clipped, [norm]] = [actual[0]!, actual[1]!];
  const [expectedClipped, [expectedNorm]] = [expected[0]!, expected[1]!];
  const normRelative = (n / 256 + 16) * ULP;
  const normError = Math.abs(norm! - expectedNorm!);
  if (!(normError <= normRelative * expectedNorm! + 2 ** -126)) return { normUlps: 0, differing: 0, failure: `${c.label}, maxNorm ${maxNorm}: norm webgpu ${norm}, cpu ${expectedNorm}, off by ${normError} > ${normRelative * expectedNorm!}` };
  const coefficient = Math.fround(maxNorm) / (expectedNorm! + 1e-6);
  if (Math.abs(coefficient - 1) <= normRelative + 8 * ULP) return { normUlps: 0, differing: 0, failure: `${c.label}, maxNorm ${maxNorm}: c = ${coefficient} is too close to 1 for this comparison` };
  let differing = 0;
  for (let i = 0; i < n; i++) {
    const error = Math.abs(clipped[i]! - expectedClipped[i]!);
    if (error === 0) continue;
    differing++;
    const bound = coefficient < 1 ? (normRelative + 8 * ULP) * Math.abs(expectedClipped[i]!) + 2 ** -126 : 2 ** -126;
    if (!(error <= bound)) return { normUlps: 0, differing, failure: `${c.label}, maxNorm ${maxNorm}, element ${i} (g = ${c.values[i]}): webgpu ${clipped[i]}, cpu ${expectedClipped[i]}, off by ${error} > ${bound}` };
  }
  return { normUlps: expectedNorm! > 0 ? normError / (ULP * expectedNorm!) : 0, differing };
}

describe.skipIf(!inProcess)(`SelfsupClipNorm on webgpu (${inProcess ? adapter.reason : 'these run in the child process above'})`, () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  });

  afterAll(async () => {
    await useBackend(initialBackend as BackendName);
  });

  it("is registered for webgpu by useBackend('webgpu')", () => {
    const config = WEBGPU_FUSED_KERNELS.find((k) => k.kernelName === SELFSUP_CLIP_NORM);
    expect(config).toBeDefined();
    expect(tf.getKernel(SELFSUP_CLIP_NORM, 'webgpu')?.kernelFunc).toBe(config!.kernelFunc);
  });

  it('the clipped gradient and the norm match the composite on cpu, norms below and above maxNorm', async () => {
    let worst = 0;
    let differing = 0;
    for (const c of CASES) {
      for (const maxNorm of MAX_NORMS) {
        const actual = await runOn('webgpu', c, (g) => fused(maxNorm, g));
        const expected = await runOn('cpu', c, (g) => tf.tidy(() => composite(maxNorm, g)));
        const result = compare(c, maxNorm, actual, expected);
        if (result.failure) throw new Error(result.failure);
        worst = Math.max(worst, result.normUlps);
        differing += result.differing;
      }
    }
    // the measured errors (see the header)
    console.log(`SelfsupClipNorm webgpu vs cpu: largest norm error ${worst.toFixed(3)} ulp; clipped elements that differ: ${differing} of ${MAX_NORMS.length * CASES.reduce((n, c) => n + c.values.length, 0)}`);
  });

  it('an empty gradient has norm 0 and stays empty', async () => {
    await useBackend('webgpu');
    const before = tf.memory().numTensors;
    const g = tf.zeros([0, 4]);
    const [clipped, norm] = fused(1, g);
    expect([clipped!.shape, norm!.shape, Array.from(await norm!.data())]).toEqual([[0, 4], [], [0]]);
    tf.dispose([g, clipped!, norm!]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs in 2 dispatches, where the composite takes 8', async () => {
    await useBackend('webgpu');
    const g = tf.tensor(seededUniformValues(50, 40 * 96, -1, 1), [40, 96]);
    const counter = countWebgpuDispatches();
    const count = (fn: () => tf.Tensor[]) => {
      counter.reset();
      tf.dispose(fn());
      return { total: counter.read().total, byKernel: [...counter.read().byKernel] };
    };
    try {
      expect(count(() => fused(3, g))).toEqual({ total: 2, byKernel: [[SELFSUP_CLIP_NORM, 2]] });
      expect(count(() => tf.tidy(() => composite(3, g))).total).toBe(8);
    } finally {
      counter.stop();
      tf.dispose(g);
    }
  });

  it('refuses bad inputs and attributes with an SslError naming them, and leaves no tensor behind', async () => {
    await useBackend('webgpu');
    const run = (inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) => tf.engine().runKernel(SELFSUP_CLIP_NORM, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap);
    const cases: InvalidArgumentCase[] = [
      [() => run({ g: tf.ones([3], 'int32') }, { maxNorm: 1 }), /SelfsupClipNorm input g: expected a float32 tensor, got "int32 \[3\]"/],
      [() => run({}, { maxNorm: 1 }), /SelfsupClipNorm input g: expected a float32 tensor, got undefined/],
      [() => run({ g: tf.ones([3]) }, {}), /SelfsupClipNorm attrs\.maxNorm: expected a positive finite number, got undefined/],
      [() => run({ g: tf.ones([3]) }, { maxNorm: -1 }), /SelfsupClipNorm attrs\.maxNorm: expected a positive finite number, got "?-1/],
    ];
    const before = tf.memory().numTensors;
    expectInvalidArgumentErrors(cases);
    expect(tf.memory().numTensors).toBe(before);
  });
});
