// Counts webgpu dispatches (GPU programs run) of the transformer's custom-gradient ops and losses,
// and of whole training steps, with selfsup's fused kernels (webgpu-fused-kernels/) and without:
//
//   SELFSUP_WEBGPU_BACKEND=opengles npm run example -- scripts/bench/webgpu-dispatches.ts [--json] [--time N]
//
// (any adapter works: the counts are the same on a GPU, only the time differs). Prints two markdown
// tables, the ones in docs/concepts/backends.md#gpu:
//   1. per op, forward and backward, at ViT-S/16 widths (batch 2 of 197 tokens, dim 384, 6 heads; MLP
//      hidden 1536; DINO head output 2048): the composite formulas, then the fused kernels;
//   2. per training step (one warm-up step, then one counted step each way): the iBOT iteration of
//      `npm run bench webgpu` (ViT-Tiny/4, depth 12, 2 global crops of 32 and 4 local of 16, head
//      1024/256/2048) at batch 2, and the ViT-S/16 step at 64x64, batch 2; with the kernels that
//      dispatch most.
// With --time N, each op's forward and backward pass is also timed N times each way, alternating
// composite and fused (until the device is idle; medians), as a third table.
// The fused kernels are switched off and on in the same process (webgpu-fused-switch.ts). Counts do
// not depend on the batch, except that tfjs-backend-webgpu runs some kernels on the CPU when all
// their inputs are there and small (under 1000 values), which then dispatch nothing.
import * as tf from '@tensorflow/tfjs-core';
import { countWebgpuDispatches, useBackend, type WebgpuDispatchCount } from '@selfsup/backend';
import { gelu, layerNorm, linear, selfAttention } from '@selfsup/backbones';
import { dinoLoss, ibotPatchLoss } from '@selfsup/losses';
import { FULL_SIZES } from './webgpu-bench-run.js';
import { fusedKernelSwitch } from './webgpu-fused-switch.js';
import { prepareWorkload, waitForDevice, type Workload } from './webgpu-workloads.js';

type Inputs = tf.Tensor[];

/** One op to count: how to make its inputs, and the op itself (inputs -> output). */
interface OpCase {
  readonly name: string;
  readonly shape: string;
  inputs(): Inputs;
  op(...inputs: Inputs): tf.Tensor;
  /** True when the op's output is a scalar loss (its backward starts at d loss = 1). */
  readonly isLoss?: boolean;
}

const [BATCH, TOKENS, DIM, HEADS, HIDDEN, OUT] = [2, 197, 384, 6, 1536, 2048];
const ROWS = BATCH * TOKENS;

const normal = (shape: number[], scale = 1) => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 1), scale);
const probabilities = (rows: number, dim: number) => tf.softmax(tf.randomNormal([rows, dim], 0, 1, 'float32', 2));

const OPS: OpCase[] = [
  { name: 'linear (bias)', shape: `[${ROWS}, ${DIM}] x [${DIM}, ${HIDDEN}]`, inputs: () => [normal([ROWS, DIM]), normal([DIM, HIDDEN], 0.05), normal([HIDDEN], 0.1)], op: (x, w, b) => linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D) },
  { name: 'LayerNorm', shape: `[${BATCH}, ${TOKENS}, ${DIM}]`, inputs: () => [normal([BATCH, TOKENS, DIM]), tf.ones([DIM]), tf.zeros([DIM])], op: (x, g, b) => layerNorm(x!, g as tf.Tensor1D, b as tf.Tensor1D, 1e-6) },
  { name: 'GELU', shape: `[${ROWS}, ${HIDDEN}]`, inputs: () => [normal([ROWS, HIDDEN])], op: (x) => gelu(x!) },
  { name: 'self-attention', shape: `[${BATCH}, ${TOKENS}, ${DIM}], ${HEADS} heads`, inputs: () => [normal([BATCH, TOKENS, DIM]), normal([DIM, 3 * DIM], 0.05), normal([3 * DIM], 0.1)], op: (x, w, b) => selfAttention(x as tf.Tensor3D, w as tf.Tensor2D, b as tf.Tensor1D, HEADS) },
  {
    name: 'DINO loss',
    shape: `2 global + 4 local crops of ${BATCH}, ${OUT}`,
    inputs: () => [normal([2 * BATCH, OUT]), normal([4 * BATCH, OUT]), probabilities(2 * BATCH, OUT)],
    op: (g, l, t) => dinoLoss({ studentGlobal: g as tf.Tensor2D, studentLocal: l as tf.Tensor2D, teacherTargets: t as tf.Tensor2D, globalCropCount: 2 }),
    isLoss: true,
  },
  {
    name: 'iBOT patch loss',
    shape: `[${2 * BATCH}, 64, ${OUT}], 30% masked`,
    inputs: () => [normal([2 * BATCH, 64, OUT]), tf.reshape(probabilities(2 * BATCH * 64, OUT), [2 * BATCH, 64, OUT]), tf.less(tf.randomUniform([2 * BATCH, 64], 0, 1, 'float32', 3), 0.3)],
    op: (s, t, m) => ibotPatchLoss({ studentPatch: s as tf.Tensor3D, teacherPatchTargets: t as tf.Tensor3D, masks: m as tf.Tensor2D }),
    isLoss: true,
  },
];

/** Dispatches of `run()` (its tensors disposed), all of them issued before it returns. */
function dispatchesOf(run: () => tf.Tensor | tf.Tensor[]): WebgpuDispatchCount {
  const counter = countWebgpuDispatches();
  try {
    tf.dispose(tf.tidy(run));
    return counter.read();
  } finally {
    counter.stop();
  }
}

/** d/d(float inputs) of `loss`, as a list (the op's non-float inputs, such as masks, get none). */
function gradients(loss: (...xs: Inputs) => tf.Scalar, inputs: Inputs): tf.Tensor[] {
  const differentiable = inputs.map((x, i) => (x.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
  return tf.grads((...xs: Inputs) => {
    const all = [...inputs];
    differentiable.forEach((i, k) => (all[i] = xs[k]!));
    return loss(...all);
  })(differentiable.map((i) => inputs[i]!));
}

/** Forward and backward dispatches of one op. */
function countOp(op: OpCase): { forward: number; backward: number } {
  const inputs = op.inputs();
  try {
    tf.dispose(tf.tidy(() => op.op(...inputs))); // compile the shaders, let tfjs move inputs to the GPU
    const forward = dispatchesOf(() => op.op(...inputs)).total;
    if (op.isLoss) {
      const total = dispatchesOf(() => gradients((...xs) => op.op(...xs) as tf.Scalar, inputs)).total;
      return { forward, backward: total - forward };
    }
    // sum(op(x) * w) makes a scalar; its own dispatches (with the same on an identity op) are left out.
    const w = tf.tidy(() => tf.randomNormal(op.op(...inputs).shape, 0, 1, 'float32', 4));
    try {
      const total = dispatchesOf(() => gradients((...xs) => tf.sum(tf.mul(op.op(...xs), w)), inputs)).total;
      const wrapper = tf.tidy(() => tf.zerosLike(w));
      const overhead = dispatchesOf(() => gradients((y) => tf.sum(tf.mul(y!, w)), [wrapper])).total;
      wrapper.dispose();
      return { forward, backward: total - forward - overhead };
    } finally {
      w.dispose();
    }
  } finally {
    tf.dispose(inputs);
  }
}

/** The float inputs' gradients of sum(op(x) * w), or of the loss itself: one forward and backward pass. */
function forwardBackward(op: OpCase, inputs: Inputs, w: tf.Tensor | undefined): tf.Tensor[] {
  return gradients((...xs) => (w === undefined ? (op.op(...xs) as tf.Scalar) : tf.sum(tf.mul(op.op(...xs), w))), inputs);
}

/** Median milliseconds of `repeats` forward+backward passes of `op` each way, alternating composite and fused. */
async function timeOp(op: OpCase, repeats: number, toggle: ReturnType<typeof fusedKernelSwitch>): Promise<{ composite: number; fused: number }> {
  const inputs = op.inputs();
  const w = op.isLoss ? undefined : tf.tidy(() => tf.randomNormal(op.op(...inputs).shape, 0, 1, 'float32', 4));
  const times = new Map<boolean, number[]>([
    [false, []],
    [true, []],
  ]);
  try {
    for (let i = -1; i < repeats; i++) {
      for (const fused of [false, true]) {
        toggle.set(fused);
        await waitForDevice();
        const start = performance.now();
        tf.dispose(tf.tidy(() => forwardBackward(op, inputs, w)));
        await waitForDevice();
        if (i >= 0) times.get(fused)!.push(performance.now() - start); // i = -1: warm-up
      }
    }
  } finally {
    toggle.restore();
    tf.dispose([...inputs, ...(w === undefined ? [] : [w])]);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  return { composite: median(times.get(false)!), fused: median(times.get(true)!) };
}

/** What one step dispatches. */
interface StepCount {
  readonly total: number;
  readonly byKernel: [string, number][];
  readonly byScope: [string, number][];
}

async function countStep(workload: Workload, fused: boolean, toggle: ReturnType<typeof fusedKernelSwitch>): Promise<StepCount> {
  const prepared = prepareWorkload(workload);
  try {
    toggle.set(fused);
    await prepared.step(); // warm-up: shader compilation, first uploads
    await waitForDevice();
    const counter = countWebgpuDispatches();
    try {
      await prepared.step();
      await waitForDevice();
    } finally {
      counter.stop();
    }
    const count = counter.read();
    const sorted = (map: ReadonlyMap<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
    return { total: count.total, byKernel: sorted(count.byKernel), byScope: sorted(count.byScope) };
  } finally {
    prepared.dispose();
    toggle.restore();
  }
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const info = await useBackend('webgpu');
  const toggle = fusedKernelSwitch();
  if (toggle.names.length === 0) throw new Error(`webgpu-dispatches: no fused kernel is registered for webgpu (${info.reason}); nothing to compare`);
  console.error(`adapter: ${info.adapter?.device || info.adapter?.description} (${info.reason})`);

  const ops = OPS.map((op) => {
    toggle.set(false);
    const composite = countOp(op);
    toggle.set(true);
    const fused = countOp(op);
    return { name: op.name, shape: op.shape, composite, fused };
  });
  toggle.restore();
  const timeFlag = process.argv.indexOf('--time');
  const repeats = timeFlag < 0 ? 0 : Number(process.argv[timeFlag + 1] ?? 10);
  const timings = [];
  for (const op of repeats > 0 ? OPS : []) timings.push({ name: op.name, ...(await timeOp(op, repeats, toggle)) });

  const workloads: Workload[] = [
    { ...FULL_SIZES.ibot, batch: 2 },
    { kind: 'vit', preset: 'small', image: 64, patch: 16, batch: 2 },
  ];
  const steps = [];
  for (const workload of workloads) {
    const composite = await countStep(workload, false, toggle);
    const fused = await countStep(workload, true, toggle);
    steps.push({ workload, composite, fused });
  }

  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ adapter: info.adapter, ops, timings, steps }));
    return;
  }
  console.log(row(['op', 'shape', 'forward (composite -> fused)', 'backward (composite -> fused)']));
  console.log(row(['---', '---', '---', '---']));
  for (const op of ops) console.log(row([op.name, op.shape, `${op.composite.forward} -> ${op.fused.forward}`, `${op.composite.backward} -> ${op.fused.backward}`]));
  if (timings.length > 0) {
    console.log('');
    console.log(row(['op', `forward + backward, ms (median of ${repeats}, alternating): composite`, 'fused', 'fused / composite']));
    console.log(row(['---', '---', '---', '---']));
    for (const t of timings) console.log(row([t.name, t.composite.toFixed(1), t.fused.toFixed(1), `${(t.fused / t.composite).toFixed(2)}x`]));
  }
  console.log('');
  console.log(row(['step', 'dispatches (composite -> fused)', 'LayerNorm calls', 'GELU calls', 'by phase (outermost named tidy scope), composite -> fused', 'most dispatches, composite (kernel: count)']));
  console.log(row(['---', '---', '---', '---', '---', '---']));
  for (const { workload, composite, fused } of steps) {
    const calls = (name: string, perCall: number) => (fused.byKernel.find(([kernel]) => kernel === name)?.[1] ?? 0) / perCall;
    const name = workload.kind === 'vit' ? `ViT-${workload.preset}/${workload.patch} ${workload.image}x${workload.image}, batch ${workload.batch}` : `iBOT ViT-${workload.preset}/${workload.patch}, batch ${workload.batch}`;
    const phases = composite.byScope.map(([scope, count]) => `${scope} ${count} -> ${fused.byScope.find(([s]) => s === scope)?.[1] ?? 0}`).join(', ');
    const top = composite.byKernel.slice(0, 8).map(([kernel, count]) => `${kernel}: ${count}`).join(', ');
    const fewer = `${(100 * (1 - fused.total / composite.total)).toFixed(0)}% fewer`;
    console.log(row([name, `${composite.total} -> ${fused.total} (${fewer})`, calls('SelfsupLayerNorm', 3), calls('SelfsupGelu', 1), phases, top]));
  }
}

await main();
process.exit(0);
