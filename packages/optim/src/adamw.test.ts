import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { isSslError, type Parameter } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { createAdamW } from './adamw.js';
import { createParameterGroups } from './parameter-groups.js';
import { scheduleFromValues } from './schedule.js';

const created: tf.Variable[] = [];
function parameter(name: string, values: number[], shape: number[] = [values.length]): Parameter {
  const variable = tf.variable(tf.tensor(values, shape), true);
  created.push(variable);
  return { name, variable, trainable: true };
}
afterEach(() => {
  for (const v of created.splice(0)) v.dispose();
});

function stepWith(optimizer: ReturnType<typeof createAdamW>, grads: Record<string, number[]>, iteration: number, shapes: Record<string, number[]> = {}) {
  const tensors = new Map(Object.entries(grads).map(([name, g]) => [name, tf.tensor(g, shapes[name] ?? [g.length])]));
  try {
    return optimizer.step(tensors, iteration);
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

describe('createAdamW', () => {
  it('matches PyTorch AdamW over three steps with a learning-rate schedule, hand-derived', () => {
    // betas (0.9, 0.999), eps 1e-8, lr schedule [0.1, 0.05, 0.02], weight decay 0.5 (scale 1 on
    // 2-D "w", 0 on "b.bias"). torch order: p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    // p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
    const w = parameter('w', [1, -2], [1, 2]);
    const b = parameter('b.bias', [0.5]);
    const late = parameter('late', [3], [1, 1]);
    const optimizer = createAdamW({
      parameters: [w, b, late],
      learningRate: scheduleFromValues([0.1, 0.05, 0.02]),
      weightDecay: 0.5,
      betas: [0.9, 0.999],
      eps: 1e-8,
    });
    const shapes = { w: [1, 2], late: [1, 1] };

    // iteration 0 (t = 1), "late" has no gradient and is skipped:
    // w[0]: 1 * (1 - 0.1*0.5) = 0.95; m = 0.1*0.5 = 0.05; v = 0.001*0.25 = 0.00025; m/(1-0.9) = 0.5,
    //   sqrt(v/(1-0.999)) = 0.5; p = 0.95 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.850000002
    // w[1]: -2 * 0.95 = -1.9; g = -1: m = -0.1, v = 0.001, mhat = -1, sqrt(vhat) = 1; p = -1.9 + 0.1/(1 + 1e-8) = -1.800000001
    // b (no decay): g = 0.2: m = 0.02, v = 4e-5, mhat = 0.2, sqrt(vhat) = 0.2; p = 0.5 - 0.1 * 0.2/(0.2 + 1e-8) = 0.400000005
    const info = stepWith(optimizer, { w: [0.5, -1], 'b.bias': [0.2] }, 0, shapes);
    expect(info).toEqual({ learningRate: 0.1, weightDecay: 0.5, updatedParameters: 2 });
    expectClose(w.variable, [0.850000002, -1.800000001], { atol: 1e-6, rtol: 0 });
    expectClose(b.variable, [0.400000005], { atol: 1e-6, rtol: 0 });
    expectClose(late.variable, [3], { atol: 0, rtol: 0 });

    // iteration 1 (lr 0.05): w and b at t = 2 (1 - 0.9^2 = 0.19, 1 - 0.999^2 = 0.001999); late at t = 1
    // w[0]: 0.850000002 * (1 - 0.025) = 0.82875000195; g = -0.5: m = 0.045 - 0.05 = -0.005;
    //   v = 0.999*0.00025 + 0.001*0.25 = 0.00049975; mhat = -0.005/0.19 = -0.0263157895; sqrt(vhat) = sqrt(0.00049975/0.001999) = 0.5
    //   p = 0.82875000195 + 0.05 * 0.0263157895 / 0.5 = 0.83138158084
    // w[1]: -1.800000001 * 0.975 = -1.755000000975; g = 2: m = -0.09 + 0.2 = 0.11; v = 0.000999 + 0.004 = 0.004999;
    //   mhat = 0.11/0.19 = 0.57894737; sqrt(vhat) = sqrt(0.004999/0.001999) = 1.58137610; p = -1.755000000975 - 0.05 * 0.57894737/1.58137610 = -1.77330517721
    // b: g = 0.2: m = 0.018 + 0.02 = 0.038, v = 3.996e-5 + 4e-5 = 7.996e-5, mhat = 0.2, sqrt(vhat) = 0.2; p = 0.400000005 - 0.05 = 0.3500000075
    // late (first update, t = 1): 3 * 0.975 = 2.925; g = 0.25: mhat = 0.25, sqrt(vhat) = 0.25; p = 2.925 - 0.05 * 0.25/(0.25 + 1e-8) = 2.875000002
    stepWith(optimizer, { w: [-0.5, 2], 'b.bias': [0.2], late: [0.25] }, 1, shapes);
    expectClose(w.variable, [0.8313815808447368, -1.7733051772110373], { atol: 1e-6, rtol: 0 });
    expectClose(b.variable, [0.3500000075], { atol: 1e-6, rtol: 0 });
    expectClose(late.variable, [2.875000002], { atol: 1e-6, rtol: 0 });

    // iteration 2 (lr 0.02): w and b at t = 3 (1 - 0.9^3 = 0.271, 1 - 0.999^3 = 0.002997001); late at t = 2
    // w[0]: 0.83138158084 * 0.99 = 0.82306776504; g = 1: m = -0.0045 + 0.1 = 0.0955; v = 0.999*0.00049975 + 0.001 = 0.00149925025;
    //   mhat = 0.0955/0.271 = 0.35239852; sqrt(vhat) = sqrt(0.00149925025/0.002997001) = 0.70728365; p = 0.82306776504 - 0.02 * 0.35239852/0.70728365 = 0.81310292230
    // w[1]: -1.77330517721 * 0.99 = -1.75557212544; g = 0: m = 0.099, v = 0.999*0.004999 = 0.004994001;
    //   mhat = 0.099/0.271 = 0.36531365; sqrt(vhat) = 1.29086513; p = -1.75557212544 - 0.02 * 0.36531365/1.29086513 = -1.76123210714
    // b: g = -0.4: m = 0.0342 - 0.04 = -0.0058; v = 0.999*7.996e-5 + 0.001*0.16 = 0.00023988004;
    //   mhat = -0.0058/0.271 = -0.02140221; sqrt(vhat) = 0.28291346; p = 0.3500000075 + 0.02 * 0.02140221/0.28291346 = 0.35151299406
    // late (t = 2): 2.875000002 * 0.99 = 2.84625000198; g = -1: m = 0.0225 - 0.1 = -0.0775; v = 0.999*6.25e-5 + 0.001 = 0.0010624375;
    //   mhat = -0.0775/0.19 = -0.40789474; sqrt(vhat) = sqrt(0.0010624375/0.001999) = 0.72902983; p = 2.84625000198 + 0.02 * 0.40789474/0.72902983 = 2.85744007171
    stepWith(optimizer, { w: [1, 0], 'b.bias': [-0.4], late: [-1] }, 2, shapes);
    expectClose(w.variable, [0.8131029222981933, -1.7612321071446981], { atol: 1e-6, rtol: 0 });
    expectClose(b.variable, [0.3515129940616551], { atol: 1e-6, rtol: 0 });
    expectClose(late.variable, [2.8574400717072646], { atol: 1e-6, rtol: 0 });
    optimizer.dispose();
  });

  it('applies group learning-rate and weight-decay scales', () => {
    // lr 0.1 * scale 0.5 = 0.05, wd 0.2 * scale 2 = 0.4: p = 2 * (1 - 0.05*0.4) = 1.96; first step moves by lr * g/(|g| + eps):
    // 1.96 - 0.05 * 1/(1 + 1e-8) = 1.91000000005
    const p = parameter('blocks.0.mlp.fc1.weight', [2], [1, 1]);
    const optimizer = createAdamW({
      groups: [{ name: 'custom', parameters: [p], learningRateScale: 0.5, weightDecayScale: 2 }],
      learningRate: 0.1,
      weightDecay: 0.2,
    });
    stepWith(optimizer, { 'blocks.0.mlp.fc1.weight': [4] }, 0, { 'blocks.0.mlp.fc1.weight': [1, 1] });
    expectClose(p.variable, [1.91], { atol: 1e-6, rtol: 0 });
    optimizer.dispose();
  });

  it('accepts gradients keyed by variable name, as tf.variableGrads gives them', () => {
    const p = parameter('head.weight', [1, 2], [1, 2]);
    const optimizer = createAdamW({ parameters: [p], learningRate: 0.1, weightDecay: 0 });
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(p.variable, tf.tensor2d([[1, -1]]))) as tf.Scalar, [p.variable]);
    expect(Object.keys(grads)).toEqual([p.variable.name]);
    optimizer.step(grads, 0);
    tf.dispose([value, ...Object.values(grads)]);
    // first step moves each element by lr * sign(g): [1 - 0.1, 2 + 0.1]
    expectClose(p.variable, [0.9, 2.1], { atol: 1e-6, rtol: 0 });
    optimizer.dispose();
  });

  it('keeps a steady tensor count: moments are made once, steps leak nothing', async () => {
    const p = parameter('w', [1, 2, 3, 4], [2, 2]);
    const optimizer = createAdamW({ parameters: [p], learningRate: 0.01 });
    const grad = tf.tensor([0.1, -0.2, 0.3, -0.4], [2, 2]);
    const before = tf.memory().numTensors;
    optimizer.step({ w: grad }, 0);
    expect(tf.memory().numTensors).toBe(before + 2); // first and second moment
    await expectNoLeaks(() => optimizer.step({ w: grad }, 1), 'adamw.step');
    await expectNoLeaks(() => optimizer.step(new Map([['w', grad]]), 2), 'adamw.step');
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    grad.dispose();
  });

  it('resumes exactly from getState/setState', async () => {
    const values = [0.3, -0.7, 1.1];
    const a = parameter('w', values, [1, 3]);
    const b = parameter('w', values, [1, 3]);
    const schedule = scheduleFromValues([0.1, 0.08, 0.06, 0.04]);
    const first = createAdamW({ parameters: [a], learningRate: schedule, weightDecay: 0.1 });
    const grads = [[0.5, -0.1, 0.2], [-0.3, 0.4, 0.1], [0.2, 0.2, -0.6], [0.1, -0.5, 0.3]];
    const shapes = { w: [1, 3] };
    stepWith(first, { w: grads[0]! }, 0, shapes);
    stepWith(first, { w: grads[1]! }, 1, shapes);
    const state = await first.getState();
    expect(state.parameters.w!.step).toBe(2);
    expect(state.parameters.w!.firstMoment.shape).toEqual([1, 3]);
    // a second optimizer on a copy of the parameters, restored from the state, continues identically
    b.variable.assign(a.variable);
    const second = createAdamW({ parameters: [b], learningRate: schedule, weightDecay: 0.1 });
    second.setState(JSON.parse(JSON.stringify(state, (_k, v) => (v instanceof Float32Array ? [...v] : v))));
    for (const i of [2, 3]) {
      stepWith(first, { w: grads[i]! }, i, shapes);
      stepWith(second, { w: grads[i]! }, i, shapes);
    }
    expectClose(b.variable, a.variable, { atol: 0, rtol: 0 });
    first.dispose();
    second.dispose();
  });

  it('rejects a state of another model, changing nothing', async () => {
    const p = parameter('w', [1], [1, 1]);
    const optimizer = createAdamW({ parameters: [p] });
    stepWith(optimizer, { w: [1] }, 0, { w: [1, 1] });
    const good = await optimizer.getState();
    let error: unknown;
    try {
      optimizer.setState({ format: 'selfsup.adamw.v1', parameters: { other: good.parameters.w! } });
    } catch (e) {
      error = e;
    }
    expect(isSslError(error, 'CHECKPOINT_INCOMPATIBLE')).toBe(true);
    expect((error as Error).message).toContain('other');
    expect(() =>
      optimizer.setState({
        format: 'selfsup.adamw.v1',
        parameters: { w: { ...good.parameters.w!, firstMoment: { shape: [2], data: new Float32Array(2) } } },
      }),
    ).toThrow(/firstMoment/);
    expect((await optimizer.getState()).parameters.w!.step).toBe(1);
    optimizer.dispose();
  });

  it('names unknown gradients and shape mismatches, and refuses use after dispose', () => {
    const p = parameter('w', [1, 2], [1, 2]);
    const optimizer = createAdamW({ parameters: [p] });
    expect(() => stepWith(optimizer, { nope: [1, 2] }, 0)).toThrow(/nope/);
    let error: unknown;
    try {
      stepWith(optimizer, { w: [1, 2, 3] }, 0);
    } catch (e) {
      error = e;
    }
    expect(isSslError(error, 'SHAPE_MISMATCH')).toBe(true);
    optimizer.dispose();
    expect(() => stepWith(optimizer, { w: [1, 2] }, 0, { w: [1, 2] })).toThrow(/disposed/);
  });

  it('checks its options', () => {
    const p = parameter('w', [1]);
    expect(() => createAdamW({ learningRate: 0.1 })).toThrow(/exactly one of groups and parameters/);
    expect(() => createAdamW({ parameters: [p], groups: createParameterGroups([p]) })).toThrow(/exactly one/);
    expect(() => createAdamW({ parameters: [p], betas: [0.9, 1] })).toThrow(/betas\[1\]/);
    expect(() => createAdamW({ parameters: [p], eps: -1 })).toThrow(/eps/);
    expect(() => createAdamW({ groups: [{ name: 'a', parameters: [p] }, { name: 'b', parameters: [p] }] })).toThrow(/one group only/);
    const alias: Parameter = { name: 'alias', variable: p.variable, trainable: true };
    expect(() => createAdamW({ groups: [{ name: 'a', parameters: [p, alias] }] })).toThrow(/updated twice/);
  });
});
