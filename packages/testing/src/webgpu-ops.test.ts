// Every TensorFlow.js op selfsup's packages call (grep `tf\.` in packages/*/src), and the gradients
// of the differentiable ones, on webgpu against cpu. Whole-model tests can hide a wrong op behind
// another (tfjs-backend-webgpu 4.22's addN returned stale sums without an error), so each op gets
// its own case, with inputs big enough to reach the tiled and multi-pass kernels.
//
// Tolerances (float32, |webgpu - cpu| <= atol + rtol |cpu|):
//   EXACT        data movement, comparisons, integer results: bit-identical;
//   ELEMENTWISE  one rounding per element (GPU exp/log/erf/pow/rsqrt may differ by a few ulp):
//                rtol 1e-5, atol 1e-6;
//   REDUCTION    sums, products and their gradients over up to a few thousand terms, whose order
//                differs between backends: rtol 1e-4, atol 1e-5.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import { createRng } from '@selfsup/core';
import { expectWebgpuMatchesCpu, integerTensor, startWebgpu, uniformTensor, type HostTensor } from './webgpu-comparison.js';
import type { Tolerance } from './matchers.js';

const EXACT: Tolerance = { rtol: 0, atol: 0 };
const ELEMENTWISE: Tolerance = { rtol: 1e-5, atol: 1e-6 };
const REDUCTION: Tolerance = { rtol: 1e-4, atol: 1e-5 };

const webgpu = await startWebgpu();
const rng = createRng(14);
const u = (shape: number[], low = -1, high = 1): HostTensor => uniformTensor(rng, shape, low, high);
const ints = (shape: number[], low: number, high: number): HostTensor => integerTensor(rng, shape, low, high);

type Fn = (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
interface Case {
  name: string;
  fn: Fn;
  inputs: HostTensor[];
  tolerance: Tolerance;
}

/** d/dx sum(f(x) * w), for a random `w` of f(x)'s shape: the gradient of `f` at `x` against `w`. */
function gradOf(f: (x: tf.Tensor) => tf.Tensor): Fn {
  return (x, w) => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(f(input), w!)))(x!);
}

/** The gradients of sum(f(a, b) * w) with respect to both inputs. */
function gradsOf(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Fn {
  return (a, b, w) => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), w!)))([a!, b!]);
}

const X = [7, 300];
const BIG = [3, 2100];
const cases: Case[] = [
  // Element-wise, one input.
  ...(
    [
      ['abs', tf.abs],
      ['neg', tf.neg],
      ['square', tf.square],
      ['exp', tf.exp],
      ['erf', tf.erf],
      ['sigmoid', tf.sigmoid],
      ['relu', tf.relu],
      ['leakyRelu', (x: tf.Tensor) => tf.leakyRelu(x, 0.2)],
      ['step', (x: tf.Tensor) => tf.step(x)],
      ['floor', (x: tf.Tensor) => tf.floor(tf.mul(x, 4))],
      ['clipByValue', (x: tf.Tensor) => tf.clipByValue(x, -0.5, 0.25)],
      ['onesLike', tf.onesLike],
      ['zerosLike', tf.zerosLike],
      ['clone', tf.clone],
      ['cast to int32', (x: tf.Tensor) => tf.cast(tf.mul(x, 10), 'int32')],
    ] as const
  ).map(([name, f]) => ({ name, fn: f as Fn, inputs: [u(X, -3, 3)], tolerance: ELEMENTWISE })),
  { name: 'sqrt', fn: (x) => tf.sqrt(x!), inputs: [u(X, 0.01, 4)], tolerance: ELEMENTWISE },
  { name: 'rsqrt', fn: (x) => tf.rsqrt(x!), inputs: [u(X, 0.01, 4)], tolerance: ELEMENTWISE },
  { name: 'log', fn: (x) => tf.log(x!), inputs: [u(X, 0.01, 4)], tolerance: ELEMENTWISE },
  { name: 'pow (positive base, float exponent)', fn: (x, y) => tf.pow(x!, y!), inputs: [u(X, 0.1, 3), u(X, -2, 2)], tolerance: ELEMENTWISE },
  { name: 'pow (scalar exponent 2)', fn: (x) => tf.pow(x!, 2), inputs: [u(X, -3, 3)], tolerance: ELEMENTWISE },
  // Element-wise, two or three inputs, with broadcasting.
  ...(
    [
      ['add', tf.add],
      ['sub', tf.sub],
      ['mul', tf.mul],
      ['div', tf.div],
      ['maximum', tf.maximum],
      ['minimum', tf.minimum],
      ['greater', tf.greater],
      ['greaterEqual', tf.greaterEqual],
      ['less', tf.less],
      ['equal', (a: tf.Tensor, b: tf.Tensor) => tf.equal(tf.floor(tf.mul(a, 2)), tf.floor(tf.mul(b, 2)))],
      ['logicalAnd', (a: tf.Tensor, b: tf.Tensor) => tf.logicalAnd(tf.greater(a, 0), tf.greater(b, 0))],
    ] as const
  ).flatMap(([name, f]) => [
    { name: `${name}, same shape`, fn: f as Fn, inputs: [u(X), u(X, 0.2, 1)], tolerance: ELEMENTWISE },
    { name: `${name}, broadcast row`, fn: f as Fn, inputs: [u([5, 4, 33]), u([33], 0.2, 1)], tolerance: ELEMENTWISE },
    { name: `${name}, broadcast column`, fn: f as Fn, inputs: [u([5, 4, 33]), u([5, 4, 1], 0.2, 1)], tolerance: ELEMENTWISE },
  ]),
  { name: 'where', fn: (c, a, b) => tf.where(tf.greater(c!, 0), a!, b!), inputs: [u(X), u(X), u(X)], tolerance: EXACT },
  { name: 'addN of 3', fn: (...xs) => tf.addN(xs), inputs: [u(X), u(X), u(X)], tolerance: ELEMENTWISE },
  { name: 'addN of 9 (more than a shader binds by default)', fn: (...xs) => tf.addN(xs), inputs: Array.from({ length: 9 }, () => u([64])), tolerance: ELEMENTWISE },
  { name: 'addN of 40', fn: (...xs) => tf.addN(xs), inputs: Array.from({ length: 40 }, () => u([33])), tolerance: ELEMENTWISE },
  // Reductions.
  ...[X, BIG].flatMap((shape) => [
    { name: `sum all ${shape}`, fn: (x: tf.Tensor) => tf.sum(x), inputs: [u(shape)], tolerance: REDUCTION },
    { name: `sum last axis ${shape}`, fn: (x: tf.Tensor) => tf.sum(x, -1), inputs: [u(shape)], tolerance: REDUCTION },
    { name: `sum first axis keepDims ${shape}`, fn: (x: tf.Tensor) => tf.sum(x, 0, true), inputs: [u(shape)], tolerance: REDUCTION },
    { name: `mean last axis ${shape}`, fn: (x: tf.Tensor) => tf.mean(x, -1, true), inputs: [u(shape)], tolerance: REDUCTION },
    { name: `max ${shape}`, fn: (x: tf.Tensor) => [tf.max(x, -1), tf.max(x)], inputs: [u(shape)], tolerance: EXACT },
    { name: `min ${shape}`, fn: (x: tf.Tensor) => [tf.min(x, -1), tf.min(x, 0)], inputs: [u(shape)], tolerance: EXACT },
    { name: `argMax ${shape}`, fn: (x: tf.Tensor) => [tf.argMax(x, -1), tf.argMax(x, 0)], inputs: [u(shape)], tolerance: EXACT },
    { name: `argMin ${shape}`, fn: (x: tf.Tensor) => tf.argMin(x, -1), inputs: [u(shape)], tolerance: EXACT },
    { name: `moments ${shape}`, fn: (x: tf.Tensor) => Object.values(tf.moments(x, -1, true)), inputs: [u(shape)], tolerance: REDUCTION },
    { name: `norm ${shape}`, fn: (x: tf.Tensor) => [tf.norm(x), tf.norm(x, 'euclidean', -1)], inputs: [u(shape)], tolerance: REDUCTION },
    { name: `softmax ${shape}`, fn: (x: tf.Tensor) => tf.softmax(tf.mul(x, 8)), inputs: [u(shape)], tolerance: REDUCTION },
    { name: `logSoftmax ${shape}`, fn: (x: tf.Tensor) => tf.logSoftmax(tf.mul(x, 8)), inputs: [u(shape)], tolerance: REDUCTION },
  ]),
  // Shapes and indexing.
  { name: 'reshape', fn: (x) => tf.reshape(x!, [21, 100]), inputs: [u(X)], tolerance: EXACT },
  { name: 'transpose 2D', fn: (x) => tf.transpose(x!), inputs: [u(X)], tolerance: EXACT },
  { name: 'transpose 3D [0, 2, 1]', fn: (x) => tf.transpose(x!, [0, 2, 1]), inputs: [u([4, 37, 19])], tolerance: EXACT },
  { name: 'transpose 4D [0, 2, 1, 3] (heads)', fn: (x) => tf.transpose(x!, [0, 2, 1, 3]), inputs: [u([2, 17, 3, 8])], tolerance: EXACT },
  { name: 'transpose 6D (patchify)', fn: (x) => tf.transpose(x!, [0, 1, 3, 2, 4, 5]), inputs: [u([2, 3, 4, 3, 4, 3])], tolerance: EXACT },
  { name: 'slice', fn: (x) => tf.slice(x!, [1, 5], [4, 200]), inputs: [u(X)], tolerance: EXACT },
  { name: 'slice 3D to the end', fn: (x) => tf.slice(x!, [0, 1, 0], [-1, -1, 8]), inputs: [u([3, 17, 16])], tolerance: EXACT },
  { name: 'concat axis 0', fn: (a, b) => tf.concat([a!, b!], 0), inputs: [u([3, 20]), u([5, 20])], tolerance: EXACT },
  { name: 'concat axis 1', fn: (a, b) => tf.concat([a!, b!], 1), inputs: [u([3, 1, 16]), u([3, 16, 16])], tolerance: EXACT },
  { name: 'concat of 12 (more than a shader binds by default)', fn: (...xs) => tf.concat(xs, 0), inputs: Array.from({ length: 12 }, () => u([2, 9])), tolerance: EXACT },
  { name: 'split', fn: (x) => tf.split(x!, 3, 1), inputs: [u([5, 48])], tolerance: EXACT },
  { name: 'stack', fn: (a, b, c) => tf.stack([a!, b!, c!], 1), inputs: [u([4, 6]), u([4, 6]), u([4, 6])], tolerance: EXACT },
  { name: 'unstack', fn: (x) => tf.unstack(x!, 1), inputs: [u([4, 3, 6])], tolerance: EXACT },
  { name: 'expandDims', fn: (x) => tf.expandDims(x!, 1), inputs: [u(X)], tolerance: EXACT },
  { name: 'tile', fn: (x) => tf.tile(x!, [3, 1, 2]), inputs: [u([2, 5, 7])], tolerance: EXACT },
  { name: 'pad', fn: (x) => tf.pad(x!, [[0, 0], [2, 1], [1, 3], [0, 0]]), inputs: [u([2, 5, 6, 3])], tolerance: EXACT },
  { name: 'gather axis 0', fn: (x, i) => tf.gather(x!, i!), inputs: [u([50, 24]), ints([37], 0, 50)], tolerance: EXACT },
  { name: 'gather axis 1 (batched tokens)', fn: (x, i) => tf.gather(x!, i!, 1), inputs: [u([3, 50, 16]), ints([20], 0, 50)], tolerance: EXACT },
  { name: 'gather with batchDims 1 (MAE kept tokens)', fn: (x, i) => tf.gather(x!, i!, 1, 1), inputs: [u([3, 50, 16]), ints([3, 12], 0, 50)], tolerance: EXACT },
  { name: 'oneHot', fn: (i) => tf.oneHot(i! as tf.Tensor1D, 33), inputs: [ints([40], 0, 33)], tolerance: EXACT },
  { name: 'eye', fn: (x) => tf.mul(tf.eye(9, 12), tf.sum(x!)), inputs: [u([1])], tolerance: EXACT },
  { name: 'range', fn: (x) => tf.add(tf.range(0, 300, 1, 'float32'), x!), inputs: [u([300])], tolerance: EXACT },
  { name: 'fill', fn: (x) => tf.add(tf.fill([5, 7], 0.3), x!), inputs: [u([5, 7])], tolerance: EXACT },
  {
    name: 'scatterND',
    fn: (i, v) => tf.scatterND(i!, v!, [20, 6]),
    inputs: [{ shape: [5, 1], dtype: 'int32', data: Int32Array.from([3, 0, 17, 9, 11]) }, u([5, 6])],
    tolerance: EXACT,
  },
  { name: 'unsortedSegmentSum', fn: (x, i) => tf.unsortedSegmentSum(x!, i! as tf.Tensor1D, 11), inputs: [u([90, 13]), ints([90], 0, 11)], tolerance: REDUCTION },
  // Products and convolutions.
  { name: 'matMul small', fn: (a, b) => tf.matMul(a! as tf.Tensor2D, b! as tf.Tensor2D), inputs: [u([5, 7]), u([7, 3])], tolerance: REDUCTION },
  { name: 'matMul [33, 65] x [65, 17]', fn: (a, b) => tf.matMul(a! as tf.Tensor2D, b! as tf.Tensor2D), inputs: [u([33, 65]), u([65, 17])], tolerance: REDUCTION },
  { name: 'matMul [128, 384] x [384, 96]', fn: (a, b) => tf.matMul(a! as tf.Tensor2D, b! as tf.Tensor2D), inputs: [u([128, 384]), u([384, 96])], tolerance: REDUCTION },
  { name: 'matMul [4, 1000] x [1000, 6] (split-K shape)', fn: (a, b) => tf.matMul(a! as tf.Tensor2D, b! as tf.Tensor2D), inputs: [u([4, 1000]), u([1000, 6])], tolerance: REDUCTION },
  { name: 'matMul transposeA', fn: (a, b) => tf.matMul(a! as tf.Tensor2D, b! as tf.Tensor2D, true, false), inputs: [u([65, 33]), u([65, 17])], tolerance: REDUCTION },
  { name: 'matMul transposeB', fn: (a, b) => tf.matMul(a! as tf.Tensor2D, b! as tf.Tensor2D, false, true), inputs: [u([33, 65]), u([17, 65])], tolerance: REDUCTION },
  { name: 'batched matMul', fn: (a, b) => tf.matMul(a! as tf.Tensor3D, b! as tf.Tensor3D), inputs: [u([6, 20, 16]), u([6, 16, 24])], tolerance: REDUCTION },
  { name: 'batched matMul transposeB (q k^T)', fn: (a, b) => tf.matMul(a! as tf.Tensor3D, b! as tf.Tensor3D, false, true), inputs: [u([6, 20, 16]), u([6, 20, 16])], tolerance: REDUCTION },
  {
    name: 'fused matMul with bias',
    fn: (a, b, c) => tf.fused.matMul({ a: a! as tf.Tensor2D, b: b! as tf.Tensor2D, bias: c! }),
    inputs: [u([33, 65]), u([65, 40]), u([40])],
    tolerance: REDUCTION,
  },
  {
    name: 'conv2d (patch embedding, stride 4)',
    fn: (x, f) => tf.conv2d(x! as tf.Tensor4D, f! as tf.Tensor4D, 4, 'valid'),
    inputs: [u([2, 16, 16, 3]), u([4, 4, 3, 24])],
    tolerance: REDUCTION,
  },
  { name: 'conv2d same', fn: (x, f) => tf.conv2d(x! as tf.Tensor4D, f! as tf.Tensor4D, 1, 'same'), inputs: [u([2, 9, 9, 3]), u([3, 3, 3, 5])], tolerance: REDUCTION },
  {
    name: 'depthwiseConv2d (channel matmul of attention)',
    fn: (x, f) => tf.depthwiseConv2d(x! as tf.Tensor4D, f! as tf.Tensor4D, 1, 'valid'),
    inputs: [u([1, 17, 8, 6]), u([1, 8, 6, 17])],
    tolerance: REDUCTION,
  },
  {
    name: 'depthwiseConv2d 3x3 same (blur)',
    fn: (x, f) => tf.depthwiseConv2d(x! as tf.Tensor4D, f! as tf.Tensor4D, 1, 'same'),
    inputs: [u([2, 12, 12, 3]), u([3, 3, 3, 1])],
    tolerance: REDUCTION,
  },
  { name: 'maxPool 2x2', fn: (x) => tf.maxPool(x! as tf.Tensor4D, 2, 2, 'valid'), inputs: [u([2, 8, 8, 3])], tolerance: EXACT },
  // Gradients.
  ...(
    [
      ['exp', tf.exp],
      ['log', (x: tf.Tensor) => tf.log(tf.add(tf.abs(x), 0.1))],
      ['sqrt', (x: tf.Tensor) => tf.sqrt(tf.add(tf.abs(x), 0.1))],
      ['rsqrt', (x: tf.Tensor) => tf.rsqrt(tf.add(tf.abs(x), 0.1))],
      ['erf', tf.erf],
      ['sigmoid', tf.sigmoid],
      ['relu', tf.relu],
      ['leakyRelu', (x: tf.Tensor) => tf.leakyRelu(x, 0.2)],
      ['square', tf.square],
      ['pow 3', (x: tf.Tensor) => tf.pow(x, 3)],
      ['clipByValue', (x: tf.Tensor) => tf.clipByValue(x, -0.5, 0.25)],
      ['softmax', (x: tf.Tensor) => tf.softmax(tf.mul(x, 4))],
      ['logSoftmax', (x: tf.Tensor) => tf.logSoftmax(tf.mul(x, 4))],
      ['mean', (x: tf.Tensor) => tf.mean(x, -1, true)],
      ['max', (x: tf.Tensor) => tf.max(x, -1, true)],
      ['moments variance', (x: tf.Tensor) => tf.moments(x, -1, true).variance],
      ['norm', (x: tf.Tensor) => tf.norm(x, 'euclidean', -1, true)],
      ['transpose', (x: tf.Tensor) => tf.transpose(x)],
      ['slice', (x: tf.Tensor) => tf.slice(x, [1, 5], [4, 200])],
      ['tile', (x: tf.Tensor) => tf.tile(x, [2, 1])],
      ['pad', (x: tf.Tensor) => tf.pad(x, [[1, 0], [0, 2]])],
    ] as const
  ).map(([name, f]) => {
    const probe = tf.tidy(() => (f as (x: tf.Tensor) => tf.Tensor)(tf.zeros(X)).shape);
    return { name: `gradient of ${name}`, fn: gradOf(f as (x: tf.Tensor) => tf.Tensor), inputs: [u(X, -2, 2), u(probe)], tolerance: REDUCTION };
  }),
  {
    name: 'gradient of matMul',
    fn: gradsOf((a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)),
    inputs: [u([33, 65]), u([65, 17]), u([33, 17])],
    tolerance: REDUCTION,
  },
  {
    name: 'gradient of batched matMul transposeB',
    fn: gradsOf((a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, true)),
    inputs: [u([6, 20, 16]), u([6, 20, 16]), u([6, 20, 20])],
    tolerance: REDUCTION,
  },
  { name: 'gradient of div', fn: gradsOf(tf.div), inputs: [u(X), u(X, 0.5, 2), u(X)], tolerance: REDUCTION },
  { name: 'gradient of maximum', fn: gradsOf(tf.maximum), inputs: [u(X), u(X), u(X)], tolerance: REDUCTION },
  { name: 'gradient of broadcast mul', fn: gradsOf(tf.mul), inputs: [u([5, 4, 33]), u([33]), u([5, 4, 33])], tolerance: REDUCTION },
  { name: 'gradient of concat', fn: gradsOf((a, b) => tf.concat([a, b], 1)), inputs: [u([3, 1, 16]), u([3, 16, 16]), u([3, 17, 16])], tolerance: REDUCTION },
  {
    name: 'gradient of where',
    fn: (c, a, b, w) => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.where(tf.greater(c!, 0), x, y), w!)))([a!, b!]),
    inputs: [u(X), u(X), u(X), u(X)],
    tolerance: REDUCTION,
  },
  {
    name: 'gradient of gather (unsortedSegmentSum)',
    fn: (x, i, w) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, i!, 1), w!)))(x!),
    inputs: [u([3, 50, 16]), ints([40], 0, 50), u([3, 40, 16])],
    tolerance: REDUCTION,
  },
  {
    name: 'gradient of conv2d',
    fn: gradsOf((x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 4, 'valid')),
    inputs: [u([2, 16, 16, 3]), u([4, 4, 3, 24]), u([2, 4, 4, 24])],
    tolerance: REDUCTION,
  },
  {
    name: 'gradient of depthwiseConv2d (channel matmul)',
    fn: gradsOf((x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid')),
    inputs: [u([1, 17, 8, 6]), u([1, 8, 6, 17]), u([1, 17, 1, 102])],
    tolerance: REDUCTION,
  },
  {
    name: 'gradient of maxPool',
    fn: (x, w) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), w!)))(x!),
    inputs: [u([2, 8, 8, 3]), u([2, 4, 4, 3])],
    tolerance: REDUCTION,
  },
];

describe.skipIf(!webgpu.available)(`tfjs ops on webgpu match cpu (${webgpu.reason})`, () => {
  beforeAll(() => {
    // The cases' names are unique, so a failure names one op.
    const names = cases.map((c) => c.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) throw new Error(`duplicate case name ${duplicate}`);
  });

  for (const c of cases) {
    it(c.name, async () => {
      await expectWebgpuMatchesCpu(c.name, c.fn, c.inputs, c.tolerance);
    });
  }
});
