import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { exportStateDict, loadStateDict, stateDictFromRecords, type StateDict } from '@selfsup/core';
import { createVit } from '@selfsup/backbones';
import { createIbotHead } from '@selfsup/heads';
import { constantSchedule, cosineSchedule, createAdamW, createParameterGroups } from '@selfsup/optim';
import { stepRng, trainStep } from '@selfsup/train';
import { expectClose, imagesFromFixture, loadFixture, type FixtureTensor } from '@selfsup/testing';
import { createIbotRecipe } from './ibot-recipe.js';
import type { IbotViews } from './ibot-views.js';

interface NetworkState {
  [name: string]: FixtureTensor;
}
interface TrainStepFixture {
  model: {
    vit: { img_size: number; patch_size: number; embed_dim: number; depth: number; num_heads: number; mlp_ratio: number; qkv_bias: boolean; layer_norm_eps: number; in_chans?: number };
    head: { in_dim: number; out_dim: number; patch_out_dim: number; nlayers: number; hidden_dim: number; bottleneck_dim: number; norm_last_layer: boolean; shared_head: boolean; act: string };
  };
  loss_config: {
    ngcrops: number;
    nlcrops: number;
    warmup_teacher_temp: number;
    teacher_temp: number;
    warmup_teacher_temp2: number;
    teacher_temp2: number;
    warmup_teacher_temp_epochs: number;
    nepochs: number;
    student_temp: number;
    center_momentum: number;
    center_momentum2: number;
    lambda1: number;
    lambda2: number;
    mim_start_epoch: number;
  };
  hyper: { lr: number; weight_decay: number; momentum: number; clip_grad: number; freeze_last_layer: number; betas: [number, number]; eps: number };
  initial: { student: NetworkState; teacher: NetworkState; center: FixtureTensor; center2: FixtureTensor };
  inputs: { images: FixtureTensor[]; masks: FixtureTensor[] };
  steps: {
    epoch: number;
    loss: number;
    cls: number;
    patch: number;
    student: NetworkState;
    teacher: NetworkState;
    center: FixtureTensor;
    center2: FixtureTensor;
  }[];
}

// Every setting comes from the fixture (model sizes, crops, temperatures, optimizer), so the test
// runs unchanged on fixtures of the same format with other sizes, depths and seeds.
const fixture = loadFixture<TrainStepFixture>('ibot-train-step.json');
const { vit: v, head: h } = fixture.model;
const lc = fixture.loss_config;
const hp = fixture.hyper;

// The fixture's steps carry their epoch; each gets the global iteration epoch * iterationsPerEpoch +
// its place in the epoch, with iterationsPerEpoch the most steps any epoch has.
const stepsInEpoch = new Map<number, number>();
const places = fixture.steps.map(({ epoch }) => {
  const place = stepsInEpoch.get(epoch) ?? 0;
  stepsInEpoch.set(epoch, place + 1);
  return place;
});
const iterationsPerEpoch = Math.max(...stepsInEpoch.values());
const globalIterations = fixture.steps.map(({ epoch }, index) => epoch * iterationsPerEpoch + places[index]!);

function network(maskToken: boolean) {
  const backbone = createVit({
    imageSize: v.img_size,
    patchSize: v.patch_size,
    inChannels: v.in_chans ?? fixture.inputs.images[0]!.shape[1]!,
    embedDim: v.embed_dim,
    depth: v.depth,
    headCount: v.num_heads,
    mlpRatio: v.mlp_ratio,
    qkvBias: v.qkv_bias,
    layerNormEps: v.layer_norm_eps,
    maskToken,
  });
  const head = createIbotHead({
    inDim: h.in_dim,
    outDim: h.out_dim,
    patchOutDim: h.patch_out_dim,
    layerCount: h.nlayers,
    hiddenDim: h.hidden_dim,
    bottleneckDim: h.bottleneck_dim,
    normalizeLastLayer: h.norm_last_layer,
    sharedHead: h.shared_head,
    activation: h.act as 'gelu',
  });
  return { backbone, head };
}

/** The fixture's crops and masks as the recipe's views: crops stacked crop after crop. */
function fixtureViews(): IbotViews {
  return tf.tidy(() => {
    const crops = fixture.inputs.images.map(imagesFromFixture);
    const global = tf.concat(crops.slice(0, lc.ngcrops)) as tf.Tensor4D;
    const localCrops = crops.slice(lc.ngcrops);
    // masks [B, h, w] per global crop -> [G*B, h*w]
    const masks = tf.concat(
      fixture.inputs.masks.map((m) => tf.reshape(tf.tensor(m.data, m.shape), [m.shape[0]!, -1])),
    ) as tf.Tensor2D;
    return {
      global,
      ...(localCrops.length > 0 ? { local: tf.concat(localCrops) as tf.Tensor4D } : {}),
      masks,
      globalCropCount: lc.ngcrops,
    };
  });
}

function expectState(actual: StateDict, expected: NetworkState, tolerance: { rtol: number; atol: number }, label: string) {
  for (const [name, tensor] of Object.entries(expected)) {
    const ours = actual.get(name);
    expect(ours, `${label}: ${name} missing`).toBeDefined();
    expectClose(ours!.data, tensor.data, tolerance, `${label} ${name}`);
  }
}

describe('the iBOT training iteration matches the official one (ibot-train-step.json)', () => {
  it('gives the official losses, centres, teacher and student after each step', async () => {
    const recipe = createIbotRecipe<null>({
      student: network(true),
      teacher: network(false),
      copyStudentToTeacher: false,
      // the step disposes its views, so each step gets a fresh copy of the fixture's crops and masks
      makeViews: () => fixtureViews(),
      // iBOT reads its teacher temperatures per epoch (teacher_temp_schedule[epoch]): counted in
      // iterations, each epoch's value held for its iterations
      teacherTemperature: cosineSchedule({
        baseValue: lc.teacher_temp,
        finalValue: lc.teacher_temp,
        startWarmupValue: lc.warmup_teacher_temp,
        warmupEpochs: lc.warmup_teacher_temp_epochs,
        epochs: lc.nepochs,
        iterationsPerEpoch,
        updateEvery: 'epoch',
      }),
      patchTeacherTemperature: cosineSchedule({
        baseValue: lc.teacher_temp2,
        finalValue: lc.teacher_temp2,
        startWarmupValue: lc.warmup_teacher_temp2,
        warmupEpochs: lc.warmup_teacher_temp_epochs,
        holdEpochs: lc.mim_start_epoch,
        epochs: lc.nepochs,
        iterationsPerEpoch,
        updateEvery: 'epoch',
      }),
      teacherMomentum: constantSchedule(hp.momentum),
      studentTemperature: lc.student_temp,
      classWeight: lc.lambda1,
      patchWeight: lc.lambda2,
      centerMomentum: lc.center_momentum,
      patchCenterMomentum: lc.center_momentum2,
    });
    expect(loadStateDict(recipe.student, stateDictFromRecords(fixture.initial.student))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(loadStateDict(recipe.teacher.module!, stateDictFromRecords(fixture.initial.teacher))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    loadStateDict(recipe.center, stateDictFromRecords({ center: fixture.initial.center }));
    loadStateDict(recipe.patchCenter, stateDictFromRecords({ center2: fixture.initial.center2 }));

    const optimizer = createAdamW({
      groups: createParameterGroups(recipe.trainableParameters()),
      learningRate: hp.lr,
      weightDecay: hp.weight_decay,
      betas: hp.betas,
      eps: hp.eps,
    });
    for (const [index, expected] of fixture.steps.entries()) {
      const iteration = globalIterations[index]!;
      const result = await trainStep(recipe, null, {
        optimizer,
        context: { iteration, epoch: expected.epoch, iterationsPerEpoch, rng: stepRng(0, iteration) },
        gradients: {
          clipPerParameter: hp.clip_grad,
          freeze: [{ match: (name) => name.includes('last_layer'), untilEpoch: hp.freeze_last_layer }],
        },
      });
      const step = `step ${index}`;
      expectClose([result.loss], [expected.loss], { rtol: 1e-5, atol: 0 }, `${step} loss`);
      expectClose([result.metrics.cls!], [expected.cls], { rtol: 1e-5, atol: 0 }, `${step} cls`);
      expectClose([result.metrics.patch!], [expected.patch], { rtol: 1e-5, atol: 0 }, `${step} patch`);
      expectClose(recipe.center.value, expected.center.data, { rtol: 1e-5, atol: 1e-7 }, `${step} center`);
      expectClose(recipe.patchCenter.value, expected.center2.data, { rtol: 1e-5, atol: 1e-7 }, `${step} center2`);
      // teacher to 1e-5; student to 1e-3 absolute: AdamW's first steps move each parameter by about
      // the learning rate whatever its gradient, so float32 noise in tiny gradients shows (the
      // official code itself differs by 2e-4 between float32 and float64 here).
      expectState(await exportStateDict(recipe.teacher.module!), expected.teacher, { rtol: 1e-5, atol: 1e-5 }, `${step} teacher`);
      expectState(await exportStateDict(recipe.student), expected.student, { rtol: 0, atol: 1e-3 }, `${step} student`);
    }
    recipe.dispose();
    optimizer.dispose();
  });
});
