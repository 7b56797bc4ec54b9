// `npm run bench attention`: forward + backward of one ViT-Tiny attention layer (dim 192, 3 heads,
// 65 tokens; the qkv projection and the attention, not the output projection) at batch 64, in
// three formulations side by side in one process:
//   - autodiff: the plain formula (packed qkv matmul, reshape/transpose/split into heads, batched
//     matmuls, softmax) differentiated by tfjs, as createAttention was written before;
//   - matmul: selfAttention's custom gradient with batched matmuls;
//   - depthwise: selfAttention's custom gradient with every per-head product as a depthwise conv.
// On wasm (1 thread, and N threads when N > 1) and on cpu (batch 8: its kernels are plain JS).
// Figures are the best of the timed runs after one warm-up, in CPU time of the process (all
// threads) and wall time; the last columns are the speed-ups over autodiff.
import * as tf from '@tensorflow/tfjs-core';
import { defaultThreads, useBackend, type BackendName } from '@selfsup/backend';
import { selfAttention } from '../src/self-attention.js';

interface BenchContext {
  readonly quick: boolean;
  log(line: string): void;
}

type Formulation = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;

const HEADS = 3;
const DIM = 192;
const TOKENS = 65;

/** The plain formula, as timm writes it, left to tfjs's autodiff. */
const autodiff: Formulation = (x, w, b) => {
  const [batch, tokens, dim] = x.shape as [number, number, number];
  const headDim = dim / HEADS;
  // [B, N, D] x [D, 3D] -> [B, N, 3H, Dh] -> [B, 3H, N, Dh] -> 3 x [B*H, N, Dh]
  const qkv = tf.add(tf.matMul(tf.reshape(x, [batch * tokens, dim]), w), b);
  const heads = tf.transpose(tf.reshape(qkv, [batch, tokens, 3 * HEADS, headDim]), [0, 2, 1, 3]);
  const [q, k, v] = tf.split(heads, 3, 1).map((t) => tf.reshape(t, [batch * HEADS, tokens, headDim])) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
  const weights = tf.softmax(tf.matMul(tf.mul(q, headDim ** -0.5), k, false, true), -1);
  return tf.reshape(tf.transpose(tf.reshape(tf.matMul(weights, v), [batch, HEADS, tokens, headDim]), [0, 2, 1, 3]), [batch, tokens, dim]);
};

const FORMULATIONS: [string, Formulation][] = [
  ['autodiff', autodiff],
  ['matmul', (x, w, b) => selfAttention(x as tf.Tensor3D, w as tf.Tensor2D, b as tf.Tensor1D, HEADS, { impl: 'matmul' })],
  ['depthwise', (x, w, b) => selfAttention(x as tf.Tensor3D, w as tf.Tensor2D, b as tf.Tensor1D, HEADS, { impl: 'depthwise' })],
];

function cpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** Best CPU and wall milliseconds of `repeats` runs of forward + backward, after a warm-up. */
function timeFormulation(f: Formulation, batch: number, repeats: number): { cpu: number; wall: number } {
  const x = tf.randomUniform([batch, TOKENS, DIM], -1, 1, 'float32', 1);
  const w = tf.randomUniform([DIM, 3 * DIM], -0.1, 0.1, 'float32', 2);
  const b = tf.randomUniform([3 * DIM], -0.1, 0.1, 'float32', 3);
  const dy = tf.randomUniform([batch, TOKENS, DIM], -1, 1, 'float32', 4);
  const run = () => {
    const { value, grads } = tf.valueAndGrads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(xx, ww, bb), dy)))([x, w, b]);
    value.dataSync();
    tf.dispose([value, grads]);
  };
  run();
  let cpu = Infinity;
  let wall = Infinity;
  for (let i = 0; i < repeats; i++) {
    const c0 = cpuMs();
    const w0 = performance.now();
    run();
    wall = Math.min(wall, performance.now() - w0);
    cpu = Math.min(cpu, cpuMs() - c0);
  }
  tf.dispose([x, w, b, dy]);
  return { cpu, wall };
}

export default async function attentionBench(context: BenchContext): Promise<void> {
  const threads = await defaultThreads();
  const repeats = context.quick ? 2 : 5;
  const wasmBatch = context.quick ? 16 : 64;
  const configs: { label: string; backend: BackendName; threads: number; batch: number }[] = [
    { label: 'wasm-1', backend: 'wasm', threads: 1, batch: wasmBatch },
    ...(threads > 1 ? [{ label: `wasm-${threads}`, backend: 'wasm' as const, threads, batch: wasmBatch }] : []),
    { label: 'cpu', backend: 'cpu', threads: 1, batch: 8 },
  ];
  context.log(
    `ViT-Tiny attention layer (qkv projection + attention, dim ${DIM}, ${HEADS} heads, ${TOKENS} tokens), forward + backward; ` +
      `best of ${repeats} after a warm-up, CPU ms (wall ms)`,
  );
  context.log(`${'backend'.padEnd(9)}${'batch'.padStart(6)}${FORMULATIONS.map(([name]) => name.padStart(20)).join('')}${'matmul gain'.padStart(13)}${'depthwise gain'.padStart(16)}`);
  for (const config of configs) {
    await useBackend(config.backend, { threads: config.threads });
    const times = FORMULATIONS.map(([, f]) => timeFormulation(f, config.batch, repeats));
    const base = times[0]!.cpu;
    context.log(
      `${config.label.padEnd(9)}${String(config.batch).padStart(6)}` +
        times.map((t) => `${t.cpu.toFixed(0)} (${t.wall.toFixed(0)})`.padStart(20)).join('') +
        `${(base / times[1]!.cpu).toFixed(1)}x`.padStart(13) +
        `${(base / times[2]!.cpu).toFixed(1)}x`.padStart(16),
    );
  }
  context.log("gain: autodiff's CPU time over the formulation's (the speed-up of the custom-gradient op).");
}
