// Cost of multi-crop augmentation per batch, on the cpu and wasm backends, side by side:
// - the small grayscale preset (Fashion-MNIST): batch 128 of 28x28x1 -> 2 global 28 + 4 local 16;
// - the iBOT preset at ViT-Tiny CIFAR sizes: batch 64 of 32x32x3 -> 2 global 32 + 10 local 16.
// Reports the median wall time per batch and per image, the process CPU time (less sensitive to
// other work on a shared machine), the cost of each transform on one global view, and, as a yardstick
// measured side by side, the forward matmuls of ONE ViT-Tiny block (dim 192, MLP 768, patch 4) on
// the student's tokens of the same batch (timed on 1/16 of them and scaled): a training step runs 12 blocks forward and backward for the
// student plus the teacher's forward, so it costs well over 30 such blocks.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { createRng } from '@selfsup/core';
import {
  colorJitter,
  createMultiCrop,
  gaussianBlur,
  horizontalFlip,
  ibotAugmentation,
  normalize,
  randomGrayscale,
  randomResizedCrop,
  smallGrayscalePreset,
  solarize,
  type MultiCropOptions,
} from '../src/index.js';

interface Context {
  quick: boolean;
  log(line: string): void;
}

interface Case {
  name: string;
  /** Tokens per image over all views at patch size 4 (the student sees every view). */
  tokens: number;
  batch: number;
  size: number;
  channels: number;
  options: MultiCropOptions;
}

const CASES: Case[] = [
  { name: 'small gray 28x28x1, 2x28 + 4x16', tokens: 2 * 49 + 4 * 16, batch: 128, size: 28, channels: 1, options: smallGrayscalePreset() },
  {
    name: 'iBOT RGB 32x32x3, 2x32 + 10x16',
    tokens: 2 * 64 + 10 * 16,
    batch: 64,
    size: 32,
    channels: 3,
    options: ibotAugmentation({ imageSize: 32, localSize: 16, localCrops: 10 }),
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs `fn` (which returns tensors to read back and dispose) `reps` times, after one warm-up run if asked. */
async function measure(reps: number, fn: () => tf.Tensor[], warmUp = true): Promise<{ wallMs: number; cpuMs: number }> {
  const once = async (): Promise<void> => {
    const out = fn();
    await Promise.all(out.map((t) => t.data()));
    tf.dispose(out);
  };
  if (warmUp) await once();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < reps; r++) {
    const usage = process.cpuUsage();
    const start = performance.now();
    await once();
    walls.push(performance.now() - start);
    const used = process.cpuUsage(usage);
    cpus.push((used.user + used.system) / 1000);
  }
  return { wallMs: median(walls), cpuMs: median(cpus) };
}

/** The four forward matmuls of one ViT-Tiny block (qkv, projection, MLP in and out) on `tokens` tokens. */
function vitTinyBlockForward(tokens: number): { run: () => tf.Tensor[]; dispose: () => void } {
  const dim = 192;
  const rng = createRng(5);
  const weight = (rows: number, cols: number): tf.Tensor2D =>
    tf.tensor2d(rng.fillUniform(new Float32Array(rows * cols)).map((v) => (v - 0.5) * 0.1), [rows, cols]);
  const [qkv, proj, fc1, fc2] = [weight(dim, 3 * dim), weight(dim, dim), weight(dim, 4 * dim), weight(4 * dim, dim)];
  const x = weight(tokens, dim);
  return {
    run: () => [
      tf.tidy(() => {
        const attention = tf.matMul(tf.slice(tf.matMul(x, qkv), [0, 0], [tokens, dim]), proj);
        return tf.matMul(tf.relu(tf.matMul(attention, fc1)), fc2);
      }),
    ],
    dispose: () => tf.dispose([qkv, proj, fc1, fc2, x]),
  };
}

export default async function bench(context: Context): Promise<void> {
  const reps = context.quick ? 2 : 5;
  const backends: BackendName[] = ['cpu', 'wasm'];
  const totals = new Map<string, Map<string, number>>();
  const yardstick: string[] = [];
  context.log(`multi-crop views per batch (median of ${reps}; cpu = process CPU time)`);
  context.log('| case | backend | ms / batch | ms / image | cpu ms / batch | tensors after |');
  context.log('| --- | --- | ---: | ---: | ---: | ---: |');
  const breakdown: string[] = [];
  for (const backend of backends) {
    await useBackend(backend);
    for (const c of CASES) {
      const pixels = createRng(1).fillUniform(new Float32Array(c.batch * c.size * c.size * c.channels));
      const images = tf.tensor4d(pixels, [c.batch, c.size, c.size, c.channels]);
      const multiCrop = createMultiCrop(c.options);
      let seed = 0;
      const { wallMs, cpuMs } = await measure(reps, () => {
        const { global, local } = multiCrop.views(images, createRng(seed++));
        return [...global, ...local];
      });
      const row = totals.get(c.name) ?? new Map<string, number>();
      row.set(backend, wallMs);
      totals.set(c.name, row);
      context.log(
        `| ${c.name} | ${backend} | ${wallMs.toFixed(1)} | ${(wallMs / c.batch).toFixed(3)} | ${cpuMs.toFixed(1)} | ${tf.memory().numTensors - 1} |`,
      );

      // the block's cost is linear in the token count: time 1/16 of the tokens, scale by 16
      const sample = Math.ceil((c.batch * c.tokens) / 16);
      const yard = vitTinyBlockForward(sample);
      const measured = await measure(1, yard.run, false);
      yard.dispose();
      const scale = (c.batch * c.tokens) / sample;
      const block = { wallMs: measured.wallMs * scale, cpuMs: measured.cpuMs * scale };
      yardstick.push(
        `${c.name} on ${backend}: augmentation ${wallMs.toFixed(0)} ms = ${((100 * wallMs) / block.wallMs).toFixed(1)}% of ` +
          `one ViT-Tiny block forward (${block.wallMs.toFixed(0)} ms for ${c.batch * c.tokens} tokens); in cpu time ` +
          `${((100 * cpuMs) / block.cpuMs).toFixed(1)}%`,
      );

      // each transform on the second global view's input size, as the view applies them
      const view = c.options.global[1] ?? c.options.global[0]!;
      const rng = createRng(3);
      const crop = randomResizedCrop(images, rng, { size: view.size, scale: view.scale! });
      const steps: [string, () => tf.Tensor[]][] = [
        ['crop', () => [randomResizedCrop(images, rng, { size: view.size, scale: view.scale! })]],
        ['flip', () => [horizontalFlip(crop, rng)]],
        ['jitter', () => [colorJitter(crop, rng, view.colorJitter || {})]],
        ['gray', () => [randomGrayscale(crop, rng)]],
        ['blur p=1', () => [gaussianBlur(crop, rng, { p: 1 })]],
        ['solarize', () => [solarize(crop, rng)]],
        ['normalize', () => [normalize(crop, view.normalize || { mean: [0.5], std: [0.5] })]],
      ];
      const parts: string[] = [];
      for (const [label, fn] of steps) parts.push(`${label} ${(await measure(reps, fn)).wallMs.toFixed(1)}`);
      breakdown.push(`${c.name} on ${backend}, one ${view.size}px view (ms): ${parts.join(', ')}`);
      tf.dispose([images, crop]);
    }
  }
  context.log('');
  for (const line of breakdown) context.log(line);
  context.log('');
  for (const line of yardstick) context.log(line);
  context.log('');
  for (const [name, row] of totals) {
    context.log(`${name}: wasm is ${(row.get('cpu')! / row.get('wasm')!).toFixed(1)}x faster than cpu`);
  }
}
