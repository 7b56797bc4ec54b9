// createAdamW's two update paths: the fused kernel SelfsupAdamW (one call per parameter, used when
// the active backend registers it) and the composite formula (tfjs ops, everywhere else). On the
// native backend they give the same weights, moments and step counts bit for bit over several steps
// (weight decay on and off by group, a learning rate that starts at 0, a float32 and an int32
// gradient), and both equal the composite on cpu bit for bit; the kernels each path runs are
// counted with tf.profile inside the optimizer's `adamwStep` scope.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectBitwiseEqual, seededUniformValues } from '@selfsup/testing';
import { FUSED_KERNELS } from '@selfsup/backbones';
import { useBackend, type BackendName } from '@selfsup/backend';
import type { Parameter } from '@selfsup/core';
import { createAdamW, type AdamWState } from './adamw.js';
import { createParameterGroups } from './parameter-groups.js';
import { scheduleFromValues } from './schedule.js';

const initial = tf.getBackend() as string;
const restore = async () => useBackend(initial === 'selfsup-native' ? 'native' : (initial as BackendName));
const nativeAvailable = await useBackend('native').then(
  () => tf.getKernel(FUSED_KERNELS.adamw, tf.getBackend()) !== undefined,
  () => false,
);
await restore();

afterAll(restore);

const SHAPES: Record<string, number[]> = { 'blocks.0.attn.qkv.weight': [24, 72], 'blocks.0.attn.qkv.bias': [72], 'head.weight': [24, 10], 'embed.count': [5] };
const STEPS = 6;

interface Run {
  readonly weights: Record<string, Float32Array>;
  readonly state: AdamWState;
  /** Kernel names run in each step's `adamwStep`, by name, with their counts. */
  readonly kernels: Record<string, number>[];
}

/** STEPS optimizer steps on the active backend from the same weights and gradients; `fused` switches SelfsupAdamW off when false. */
async function train(fused: boolean): Promise<Run> {
  const backend = tf.getBackend();
  const config = tf.getKernel(FUSED_KERNELS.adamw, backend);
  if (!fused && config) tf.unregisterKernel(FUSED_KERNELS.adamw, backend);
  const parameters: Parameter[] = Object.entries(SHAPES).map(([name, shape], i) => ({
    name,
    variable: tf.variable(tf.tensor(seededUniformValues(i + 1, shape.reduce((a, b) => a * b, 1), -1, 1), shape), true, `${name}.${backend}.${fused}`),
    trainable: true,
  }));
  const optimizer = createAdamW({
    groups: createParameterGroups(parameters),
    learningRate: scheduleFromValues([0, 2e-3, 1e-3, 5e-4, 1e-1, 3e-4]), // 0 first: decay 1 - 0 * wd
    weightDecay: scheduleFromValues([0.04, 0.04, 0.1, 0.2, 0.3, 0.4]),
    betas: [0.9, 0.95],
    eps: 1e-8,
  });
  const kernels: Record<string, number>[] = [];
  try {
    for (let step = 0; step < STEPS; step++) {
      const gradients = new Map(
        Object.entries(SHAPES).map(([name, shape], i) => {
          const size = shape.reduce((a, b) => a * b, 1);
          // an int32 gradient (cast to float32 before the update), and some zero gradients
          if (name === 'embed.count') return [name, tf.tensor(Int32Array.from(seededUniformValues(100 * step + i, size, -3, 3), Math.round), shape, 'int32')];
          return [name, tf.tensor(seededUniformValues(100 * step + i, size, -0.05, 0.05).map((g, k) => (k % 13 === 0 ? 0 : g)), shape)];
        }),
      );
      const profile = await tf.profile(() => void optimizer.step(gradients, step));
      const counts: Record<string, number> = {};
      for (const { name } of profile.kernels) counts[name] = (counts[name] ?? 0) + 1;
      kernels.push(counts);
      tf.dispose([...gradients.values()]);
    }
    const weights: Record<string, Float32Array> = {};
    for (const p of parameters) weights[p.name] = (await p.variable.data()) as Float32Array;
    return { weights, state: await optimizer.getState(), kernels };
  } finally {
    optimizer.dispose();
    for (const p of parameters) p.variable.dispose();
    if (!fused && config) tf.registerKernel(config);
  }
}

function expectSameRun(label: string, a: Run, b: Run): void {
  for (const name of Object.keys(SHAPES)) {
    expectBitwiseEqual(a.weights[name]!, b.weights[name]!, `${label}: ${name}`);
    const [sa, sb] = [a.state.parameters[name]!, b.state.parameters[name]!];
    expect(sa.step, `${label}: ${name} step`).toBe(sb.step);
    expectBitwiseEqual(sa.firstMoment.data, sb.firstMoment.data, `${label}: ${name} exp_avg`);
    expectBitwiseEqual(sa.secondMoment.data, sb.secondMoment.data, `${label}: ${name} exp_avg_sq`);
  }
}

describe.skipIf(!nativeAvailable)('createAdamW with the fused SelfsupAdamW kernel (native backend)', () => {
  it('gives the weights, moments and step counts of the composite formula bit for bit, on native and on cpu', async () => {
    await useBackend('native');
    const fused = await train(true);
    const composite = await train(false);
    await useBackend('cpu');
    const cpu = await train(true); // cpu registers no SelfsupAdamW: the composite runs
    await restore();
    expectSameRun('native fused vs native composite', fused, composite);
    expectSameRun('native fused vs cpu composite', fused, cpu);
    expect(fused.state.parameters['head.weight']!.step).toBe(STEPS);
  });

  it('runs one SelfsupAdamW call per parameter (plus the int32 gradient cast) where the composite runs 13 or 14 kernels', async () => {
    await useBackend('native');
    const fused = await train(true);
    const composite = await train(false);
    await restore();
    const parameters = Object.keys(SHAPES).length;
    // every step: one kernel call per parameter, and the Cast of the int32 gradient
    for (const counts of fused.kernels) expect(counts).toEqual({ [FUSED_KERNELS.adamw]: parameters, Cast: 1 });
    // composite, step 0 (lr 0, wd 0.04: the two weights decay by 1 - 0 = 1, still multiplied as PyTorch does)
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    const decayed = 2; // the weight matrices; biases and 1-D parameters have no weight decay
    for (const counts of composite.kernels) {
      expect(counts[FUSED_KERNELS.adamw]).toBeUndefined();
      expect(total(counts)).toBe(13 * parameters + decayed + 1);
    }
  });
});
