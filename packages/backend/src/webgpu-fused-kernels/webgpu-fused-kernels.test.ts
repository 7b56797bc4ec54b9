// selfsup's WGSL kernels (SelfsupLayerNorm, SelfsupLayerNormGrad, SelfsupGelu, SelfsupGeluGrad) on
// webgpu, called through tf.engine().runKernel, against the composite formulas of
// @selfsup/backbones' layer-norm.ts and gelu.ts on cpu (and, for GELU, a float64 reference), for
// several shapes: one row, dims that are not a multiple of any workgroup size, each of the three
// row workgroup sizes (dim <= 256, <= 1024, larger). On a machine without a GPU it runs on Dawn's
// OpenGL ES backend over Mesa's llvmpipe (scripts/ci/webgpu-tests.sh); with no adapter at all it
// is skipped with the reason. Outside a webgpu test process the file runs itself in a child vitest
// process on webgpu (test/webgpu-child-process.ts says why).
//
// Tolerances (float32, |webgpu - reference| <= atol + rtol |reference|):
// - LayerNorm y, mean, rstd and dx: rtol 1e-5, atol 1e-6. Each is a short row sum in another
//   order than cpu's (a workgroup's tree instead of a sequential loop): a few float32 ulp.
// - dgamma, dbeta: sums over up to 260 rows of products of order 1: atol 2e-5, rtol 1e-5
//   (sqrt(rows) rounding steps of 6e-8 each, far below a wrong index's error of order 1).
// - GELU and its gradient against the composite formula on cpu: atol 1e-6, rtol 1e-5. cpu's erf is
//   Abramowitz-Stegun 7.1.26, absolute error 1.5e-7, so the two differ by up to |x| 7.5e-8 where Phi
//   is small; against a float64 erf, the WGSL kernel's bound (relative 1.2e-7 in erfc plus float32
//   rounding of exp(-x^2/2), whose argument carries |x|^2 2^-24) gives rtol 2e-6 + 2e-7 x^2, atol 1e-30.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectInvalidArgumentErrors, seededUniformValues, type InvalidArgumentCase } from '@selfsup/testing';
import { useBackend, type BackendName } from '../use-backend.js';
import { describeInWebgpuChild, findWebgpuTestAdapter, runsOnWebgpu } from '../../test/webgpu-child-process.js';
import { countWebgpuDispatches } from '../webgpu-dispatch-count.js';
import { SELFSUP_GELU, SELFSUP_GELU_GRAD, SELFSUP_LAYER_NORM, SELFSUP_LAYER_NORM_GRAD, WEBGPU_FUSED_KERNELS } from './index.js';

const initialBackend = tf.getBackend() as string;
const inProcess = runsOnWebgpu();
const adapter = await findWebgpuTestAdapter();

describeInWebgpuChild("selfsup's WGSL kernels", import.meta.url, adapter);

interface Tolerance {
  rtol: number;
  atol: number;
}
const ROW_SUMS: Tolerance = { rtol: 1e-5, atol: 1e-6 };
const COLUMN_SUMS: Tolerance = { rtol: 1e-5, atol: 2e-5 };
const GELU_VS_COMPOSITE: Tolerance = { rtol: 1e-5, atol: 1e-6 };

function expectClose(label: string, actual: Float32Array, expected: ArrayLike<number>, tolerance: (expected: number, index: number) => number): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = { index: -1, excess: 0 };
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i]! - expected[i]!) - tolerance(expected[i]!, i);
    if (!(excess <= worst.excess)) worst = { index: i, excess: Number.isNaN(excess) ? Infinity : excess };
  }
  if (worst.index >= 0) {
    const i = worst.index;
    throw new Error(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]} within ${tolerance(expected[i]!, i)} (off by ${Math.abs(actual[i]! - expected[i]!)})`);
  }
}

function within({ rtol, atol }: Tolerance): (expected: number) => number {
  return (expected) => atol + rtol * Math.abs(expected);
}

/** Runs `fn` on webgpu inside WebGPU error scopes (an invalid shader would leave stale values) and reads its outputs. */
async function onWebgpu(fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await useBackend('webgpu');
  const device = (tf.backend() as unknown as { device: { pushErrorScope(f: string): void; popErrorScope(): Promise<{ message: string } | null> } }).device;
  for (const filter of ['validation', 'out-of-memory', 'internal']) device.pushErrorScope(filter);
  const before = tf.memory().numTensors;
  const outputs = fn();
  const values = await Promise.all(outputs.map((output) => output.data() as Promise<Float32Array>));
  tf.dispose(outputs);
  const errors = [await device.popErrorScope(), await device.popErrorScope(), await device.popErrorScope()].filter((e) => e !== null);
  expect(errors.map((e) => e!.message)).toEqual([]);
  expect(tf.memory().numTensors, 'tensors left behind on webgpu').toBe(before);
  return values;
}

/** Runs `fn` on cpu and reads its outputs. */
async function onCpu(fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await useBackend('cpu');
  const outputs = tf.tidy(fn);
  const values = await Promise.all(outputs.map((output) => output.data() as Promise<Float32Array>));
  tf.dispose(outputs);
  return values;
}

function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  const outputs = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs) as tf.Tensor | tf.Tensor[];
  return Array.isArray(outputs) ? outputs : [outputs];
}

/** layer-norm.ts's composite forward formula: [y, mean, rstd]. */
function compositeLayerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor[] {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), epsilon));
  return [tf.add(tf.mul(tf.mul(centered, rstd), gamma), beta), mean, rstd];
}

/** layer-norm.ts's hand-written gradient: [dx, dgamma, dbeta]. */
function compositeLayerNormGrad(dy: tf.Tensor2D, x: tf.Tensor2D, gamma: tf.Tensor1D, epsilon: number): tf.Tensor[] {
  const [, mean, rstd] = compositeLayerNorm(x, gamma, tf.zerosLike(gamma), epsilon);
  const xhat = tf.mul(tf.sub(x, mean!), rstd!);
  const g = tf.mul(dy, gamma);
  const meanG = tf.mean(g, -1, true);
  const meanGX = tf.mean(tf.mul(g, xhat), -1, true);
  const dx = tf.mul(rstd!, tf.sub(tf.sub(g, meanG), tf.mul(xhat, meanGX)));
  return [dx, tf.sum(tf.mul(dy, xhat), 0), tf.sum(dy, 0)];
}

const SQRT1_2 = Math.SQRT1_2;

/** gelu.ts's composite formula: x * (erf(x / sqrt 2) + 1) / 2. */
function compositeGelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.mul(tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1), 0.5));
}

/** gelu.ts's hand-written gradient: dy * (Phi(x) + x phi(x)). */
function compositeGeluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1), 0.5);
  const pdf = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
  return tf.mul(dy, tf.add(cdf, tf.mul(x, pdf)));
}

/** erfc(z) in float64 to about 1e-15 relative: Taylor series of erf below 2, Lentz's continued fraction above. */
function erfc64(z: number): number {
  if (z < 0) return 2 - erfc64(-z);
  if (z < 2) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 60; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(z) = exp(-z^2) / sqrt(pi) * 1 / (z + (1/2) / (z + 1 / (z + (3/2) / (z + ...))))
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const a = n / 2;
    d = z + a * d;
    c = z + a / c;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    f *= c * d;
  }
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}

function normalCdf64(v: number): number {
  return 0.5 * erfc64(-v * SQRT1_2);
}

const GELU_VS_FLOAT64 = (x: number) => (expected: number) => 1e-30 + (2e-6 + 2e-7 * x * x) * Math.abs(expected);

describe.skipIf(!inProcess)(`selfsup's WGSL kernels on webgpu (${inProcess ? adapter.reason : 'these run in the child process above'})`, () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  });

  afterAll(async () => {
    await useBackend(initialBackend as BackendName);
  });

  it("are registered for webgpu by useBackend('webgpu')", () => {
    for (const config of WEBGPU_FUSED_KERNELS) expect(tf.getKernel(config.kernelName, 'webgpu')?.kernelFunc).toBe(config.kernelFunc);
  });

  // [rows, dim]: one row; a row shorter than a workgroup; dims that no workgroup size divides;
  // each row workgroup size (64 up to dim 256, 128 up to 1024, 256 above).
  const shapes: [number, number][] = [
    [1, 7],
    [1, 384],
    [5, 48],
    [37, 100],
    [260, 33],
    [9, 257],
    [3, 1500],
  ];

  for (const [rows, dim] of shapes) {
    const epsilon = dim % 2 === 0 ? 1e-6 : 1e-5;
    const x = seededUniformValues(rows * 1000 + dim, rows * dim, -3, 3).map((v, i) => v + (i % dim) * 0.01 + (Math.floor(i / dim) % 7) - 3);
    const gamma = seededUniformValues(dim + 1, dim, 0.5, 1.5);
    const beta = seededUniformValues(dim + 2, dim, -1, 1);
    const dy = seededUniformValues(dim + 3, rows * dim, -1, 1);
    const tensors = () => ({
      x: tf.tensor2d(x, [rows, dim]),
      gamma: tf.tensor1d(gamma),
      beta: tf.tensor1d(beta),
      dy: tf.tensor2d(dy, [rows, dim]),
    });

    it(`SelfsupLayerNorm [${rows}, ${dim}]: y, mean and rstd match the composite formula on cpu`, async () => {
      const actual = await onWebgpu(() => {
        const t = tensors();
        try {
          return runKernel(SELFSUP_LAYER_NORM, { x: t.x, gamma: t.gamma, beta: t.beta }, { epsilon });
        } finally {
          tf.dispose(Object.values(t));
        }
      });
      const expected = await onCpu(() => {
        const t = tensors();
        return compositeLayerNorm(t.x, t.gamma, t.beta, epsilon);
      });
      ['y', 'mean', 'rstd'].forEach((name, i) => expectClose(`${name} [${rows}, ${dim}]`, actual[i]!, expected[i]!, within(ROW_SUMS)));
    });

    it(`SelfsupLayerNormGrad [${rows}, ${dim}]: dx, dgamma and dbeta match the composite gradient on cpu`, async () => {
      const actual = await onWebgpu(() => {
        const t = tensors();
        try {
          const [y, mean, rstd] = runKernel(SELFSUP_LAYER_NORM, { x: t.x, gamma: t.gamma, beta: t.beta }, { epsilon });
          const grads = runKernel(SELFSUP_LAYER_NORM_GRAD, { dy: t.dy, x: t.x, gamma: t.gamma, mean: mean!, rstd: rstd! });
          tf.dispose([y!, mean!, rstd!]);
          return grads;
        } finally {
          tf.dispose(Object.values(t));
        }
      });
      const expected = await onCpu(() => {
        const t = tensors();
        return compositeLayerNormGrad(t.dy, t.x, t.gamma, epsilon);
      });
      expectClose(`dx [${rows}, ${dim}]`, actual[0]!, expected[0]!, within(ROW_SUMS));
      expectClose(`dgamma [${rows}, ${dim}]`, actual[1]!, expected[1]!, within(COLUMN_SUMS));
      expectClose(`dbeta [${rows}, ${dim}]`, actual[2]!, expected[2]!, within(COLUMN_SUMS));
    });
  }

  it("SelfsupLayerNormGrad is the gradient of SelfsupLayerNorm's y (autodiff of the composite formula on cpu)", async () => {
    const [rows, dim] = [6, 70];
    const x = seededUniformValues(11, rows * dim, -2, 2);
    const gamma = seededUniformValues(12, dim, 0.5, 1.5);
    const dy = seededUniformValues(13, rows * dim, -1, 1);
    const actual = await onWebgpu(() => {
      const [xt, gt, bt, dyt] = [tf.tensor2d(x, [rows, dim]), tf.tensor1d(gamma), tf.zeros([dim]), tf.tensor2d(dy, [rows, dim])];
      const [y, mean, rstd] = runKernel(SELFSUP_LAYER_NORM, { x: xt, gamma: gt, beta: bt }, { epsilon: 1e-6 });
      const grads = runKernel(SELFSUP_LAYER_NORM_GRAD, { dy: dyt, x: xt, gamma: gt, mean: mean!, rstd: rstd! });
      tf.dispose([xt, gt, bt, dyt, y!, mean!, rstd!]);
      return grads;
    });
    const expected = await onCpu(() => {
      const dyt = tf.tensor2d(dy, [rows, dim]);
      const f = (xs: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor) => tf.sum(tf.mul(compositeLayerNorm(xs as tf.Tensor2D, gs as tf.Tensor1D, bs as tf.Tensor1D, 1e-6)[0]!, dyt));
      return tf.grads(f)([tf.tensor2d(x, [rows, dim]), tf.tensor1d(gamma), tf.zeros([dim])]);
    });
    ['dx', 'dgamma', 'dbeta'].forEach((name, i) => expectClose(`autodiff ${name}`, actual[i]!, expected[i]!, within(COLUMN_SUMS)));
  });

  // Shapes of any rank, sizes that are not a multiple of the workgroup (128), values far into both tails.
  const geluShapes: number[][] = [[1], [7, 300], [2, 3, 5, 7], [1, 1, 1, 1, 129]];
  for (const shape of geluShapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    const x = seededUniformValues(size + 5, size, -6, 6);
    x[0] = size === 1 ? -4.5 : 0;
    const dy = seededUniformValues(size + 6, size, -1, 1);

    it(`SelfsupGelu and SelfsupGeluGrad [${shape.join(', ')}]: match the composite formulas on cpu and float64 erf`, async () => {
      const actual = await onWebgpu(() => {
        const [xt, dyt] = [tf.tensor(x, shape), tf.tensor(dy, shape)];
        const [y] = runKernel(SELFSUP_GELU, { x: xt });
        const [dx] = runKernel(SELFSUP_GELU_GRAD, { dy: dyt, x: xt });
        expect(y!.shape).toEqual(shape);
        expect(dx!.shape).toEqual(shape);
        tf.dispose([xt, dyt]);
        return [y!, dx!];
      });
      const expected = await onCpu(() => {
        const [xt, dyt] = [tf.tensor(x, shape), tf.tensor(dy, shape)];
        return [compositeGelu(xt), compositeGeluGrad(dyt, xt)];
      });
      expectClose(`gelu [${shape}] vs composite`, actual[0]!, expected[0]!, within(GELU_VS_COMPOSITE));
      expectClose(`gelu grad [${shape}] vs composite`, actual[1]!, expected[1]!, within(GELU_VS_COMPOSITE));
      const exactY = Array.from(x, (v) => v * normalCdf64(v));
      const exactDx = Array.from(x, (v, i) => dy[i]! * (normalCdf64(v) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI)));
      expectClose(`gelu [${shape}] vs float64`, actual[0]!, exactY, (e, i) => GELU_VS_FLOAT64(x[i]!)(e));
      expectClose(`gelu grad [${shape}] vs float64`, actual[1]!, exactDx, (e, i) => GELU_VS_FLOAT64(x[i]!)(e) + 1e-7 * Math.abs(dy[i]!));
    });
  }

  it('SelfsupGelu keeps its relative accuracy deep in the left tail (x down to -12), where tfjs erf loses it', async () => {
    const x = Float32Array.from({ length: 97 }, (_, i) => -12 + i * 0.125);
    const [y] = await onWebgpu(() => {
      const xt = tf.tensor1d(x);
      const out = runKernel(SELFSUP_GELU, { x: xt });
      xt.dispose();
      return out;
    });
    expectClose('gelu left tail vs float64', y!, Array.from(x, (v) => v * normalCdf64(v)), (e, i) => GELU_VS_FLOAT64(x[i]!)(e));
  });

  it('LayerNorm runs in 3 dispatches forward and 3 backward, GELU in 1 each: fewer than the composite formulas', async () => {
    await useBackend('webgpu');
    const [rows, dim] = [40, 96];
    const [x, gamma, beta, dy] = [tf.randomNormal([rows, dim]), tf.ones([dim]), tf.zeros([dim]), tf.randomNormal([rows, dim])];
    const counter = countWebgpuDispatches();
    const count = (fn: () => tf.Tensor[]): number => {
      counter.reset();
      tf.dispose(fn());
      return counter.read().total;
    };
    try {
      const fused = {
        layerNorm: count(() => runKernel(SELFSUP_LAYER_NORM, { x, gamma, beta }, { epsilon: 1e-6 })),
        layerNormGrad: count(() => tf.tidy(() => {
          const [, mean, rstd] = runKernel(SELFSUP_LAYER_NORM, { x, gamma, beta }, { epsilon: 1e-6 });
          counter.reset();
          return runKernel(SELFSUP_LAYER_NORM_GRAD, { dy, x, gamma, mean: mean!, rstd: rstd! });
        })),
        gelu: count(() => runKernel(SELFSUP_GELU, { x })),
        geluAttributedTo: [...counter.read().byKernel],
        geluGrad: count(() => runKernel(SELFSUP_GELU_GRAD, { dy, x })),
      };
      const composite = {
        layerNorm: count(() => compositeLayerNorm(x as tf.Tensor2D, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-6)),
        gelu: count(() => [compositeGelu(x)]),
      };
      expect(fused).toEqual({ layerNorm: 3, layerNormGrad: 3, gelu: 1, geluAttributedTo: [[SELFSUP_GELU, 1]], geluGrad: 1 });
      expect(composite.layerNorm).toBeGreaterThan(fused.layerNorm);
      expect(composite.gelu).toBeGreaterThan(fused.gelu);
    } finally {
      counter.stop();
      tf.dispose([x, gamma, beta, dy]);
    }
  });

  it('refuses bad inputs with an SslError naming the input, the expected and actual shape or dtype', async () => {
    await useBackend('webgpu');
    const cases: InvalidArgumentCase[] = [
      [() => runKernel(SELFSUP_LAYER_NORM, { x: tf.zeros([2, 3, 4]), gamma: tf.ones([4]), beta: tf.zeros([4]) }, { epsilon: 1e-6 }), /SelfsupLayerNorm input x: expected float32 \[rows, dim\].*, got "float32 \[2, 3, 4\]"/],
      [() => runKernel(SELFSUP_LAYER_NORM, { x: tf.zeros([2, 4]), gamma: tf.ones([5]), beta: tf.zeros([4]) }, { epsilon: 1e-6 }), /SelfsupLayerNorm input gamma: expected float32 \[4\].*, got "float32 \[5\]"/],
      [() => runKernel(SELFSUP_LAYER_NORM, { x: tf.zeros([2, 4], 'int32'), gamma: tf.ones([4]), beta: tf.zeros([4]) }, { epsilon: 1e-6 }), /input x: expected a float32 tensor, got "int32 \[2, 4\]"/],
      [() => runKernel(SELFSUP_LAYER_NORM, { x: tf.zeros([2, 4]), gamma: tf.ones([4]), beta: tf.zeros([4]) }), /SelfsupLayerNorm attrs.epsilon: expected a number >= 0, got undefined/],
      [() => runKernel(SELFSUP_LAYER_NORM_GRAD, { dy: tf.zeros([2, 4]), x: tf.zeros([2, 4]), gamma: tf.ones([4]), mean: tf.zeros([2]), rstd: tf.ones([2, 1]) }), /input mean: expected float32 \[2, 1\].*, got "float32 \[2\]"/],
      [() => runKernel(SELFSUP_GELU_GRAD, { dy: tf.zeros([3]), x: tf.zeros([4]) }), /SelfsupGeluGrad input dy: expected float32 \[4\].*, got "float32 \[3\]"/],
    ];
    const before = tf.memory().numTensors;
    expectInvalidArgumentErrors(cases);
    expect(tf.memory().numTensors).toBe(before);
  });
});
