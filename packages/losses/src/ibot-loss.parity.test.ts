import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectClose, fromFixture, loadFixture, type FixtureTensor } from '@selfsup/testing';
import { ibotLoss } from './ibot-loss.js';
import { dinoLoss } from './dino-loss.js';
import { ibotPatchLoss } from './ibot-patch-loss.js';
import type { Schedule } from '@selfsup/core';
import { cosineSchedule } from '@selfsup/optim';
import { teacherTargets } from './teacher-targets.js';

interface IbotLossFixture {
  config: {
    out_dim: number;
    patch_out_dim: number;
    ngcrops: number;
    nlcrops: number;
    warmup_teacher_temp: number;
    teacher_temp: number;
    warmup_teacher_temp2: number;
    teacher_temp2: number;
    warmup_teacher_temp_epochs: number;
    nepochs: number;
    student_temp: number;
    lambda1: number;
    lambda2: number;
    mim_start_epoch: number;
  };
  epoch: number;
  inputs: {
    student_cls: FixtureTensor; // [ngcrops*B, K]
    student_patch: FixtureTensor; // [ngcrops*B, N, P]
    student_local_cls?: FixtureTensor; // [nlcrops*B, K]; absent or empty without local crops
    teacher_cls: FixtureTensor;
    teacher_patch: FixtureTensor;
    masks: FixtureTensor[]; // ngcrops x [B, h, w]
    center: FixtureTensor; // [1, K]
    center2: FixtureTensor; // [1, 1, P]
  };
  expected: {
    cls: number;
    patch: number;
    loss: number;
    teacher_temp_schedule: number[];
    teacher_temp2_schedule: number[];
    grad_student_cls: FixtureTensor;
    grad_student_patch: FixtureTensor;
    grad_student_local_cls?: FixtureTensor;
  };
}

// Every setting (crop counts, temperatures, weights, epoch) comes from the fixture.
const fixture = loadFixture<IbotLossFixture>('ibot-loss.json');
const c = fixture.config;
const hasLocalCrops = (fixture.inputs.student_local_cls?.shape[0] ?? 0) > 0;

// Any number of iterations per epoch: iBOT reads its temperatures per epoch
// (`teacher_temp_schedule[epoch]`), so every iteration of an epoch has the epoch's value.
const iterationsPerEpoch = 3;

function schedules() {
  const cls = cosineSchedule({
    baseValue: c.teacher_temp,
    finalValue: c.teacher_temp,
    startWarmupValue: c.warmup_teacher_temp,
    warmupEpochs: c.warmup_teacher_temp_epochs,
    epochs: c.nepochs,
    iterationsPerEpoch,
    updateEvery: 'epoch',
  });
  const patch = cosineSchedule({
    baseValue: c.teacher_temp2,
    finalValue: c.teacher_temp2,
    startWarmupValue: c.warmup_teacher_temp2,
    warmupEpochs: c.warmup_teacher_temp_epochs,
    holdEpochs: c.mim_start_epoch,
    epochs: c.nepochs,
    iterationsPerEpoch,
    updateEvery: 'epoch',
  });
  return { cls, patch };
}

/** The value of every iteration of each epoch, grouped by epoch: `[epoch][iteration in the epoch]`. */
function byEpoch(schedule: Schedule, epochs: number): number[][] {
  return Array.from({ length: epochs }, (_, epoch) => Array.from({ length: iterationsPerEpoch }, (_, k) => schedule.at(epoch * iterationsPerEpoch + k)));
}

/** Teacher targets and the fixture's inputs as tensors; call inside a tidy. */
function inputs() {
  const { cls, patch } = schedules();
  const iteration = fixture.epoch * iterationsPerEpoch; // the first iteration of the fixture's epoch
  const i = fixture.inputs;
  return {
    studentClass: fromFixture(i.student_cls) as tf.Tensor2D,
    studentPatch: fromFixture(i.student_patch) as tf.Tensor3D,
    studentLocalClass: hasLocalCrops ? (fromFixture(i.student_local_cls!) as tf.Tensor2D) : undefined,
    teacherClassTargets: teacherTargets(fromFixture(i.teacher_cls), { center: fromFixture(i.center), temperature: cls.at(iteration) }) as tf.Tensor2D,
    teacherPatchTargets: teacherTargets(fromFixture(i.teacher_patch), { center: fromFixture(i.center2), temperature: patch.at(iteration) }) as tf.Tensor3D,
    masks: i.masks.map((m) => fromFixture(m)), // one [B, h, w] per global crop, as the official list
  };
}

describe('ibotLoss parity with the official iBOTLoss (ibot-loss.json)', () => {
  it('builds the official teacher temperature schedules, [CLS] and patch (mim_start_epoch)', () => {
    const { cls, patch } = schedules();
    const epochs = fixture.expected.teacher_temp_schedule.length;
    expect(cls.length).toBe(epochs * iterationsPerEpoch);
    expect(patch.length).toBe(fixture.expected.teacher_temp2_schedule.length * iterationsPerEpoch);
    // every iteration of epoch e holds teacher_temp_schedule[e]; float64 host arithmetic as NumPy's
    // linspace: equal to the last bit or nearly
    const official = (values: number[]) => values.map((value) => Array.from({ length: iterationsPerEpoch }, () => value));
    expectClose(byEpoch(cls, epochs).flat(), official(fixture.expected.teacher_temp_schedule).flat(), { rtol: 1e-12, atol: 0 }, 'teacher_temp_schedule');
    expectClose(byEpoch(patch, epochs).flat(), official(fixture.expected.teacher_temp2_schedule).flat(), { rtol: 1e-12, atol: 0 }, 'teacher_temp2_schedule');
  });

  it('gives the official [CLS] loss, patch loss and total', async () => {
    const scalars = tf.tidy(() => {
      const terms = ibotLoss({ ...inputs(), globalCropCount: c.ngcrops, studentTemperature: c.student_temp, classWeight: c.lambda1, patchWeight: c.lambda2 });
      // the two terms alone, unweighted, through their own functions
      const x = inputs();
      const dino = dinoLoss({ studentGlobal: x.studentClass, studentLocal: x.studentLocalClass, teacherTargets: x.teacherClassTargets, globalCropCount: c.ngcrops, studentTemperature: c.student_temp });
      const patchOnly = ibotPatchLoss({ studentPatch: x.studentPatch, teacherPatchTargets: x.teacherPatchTargets, masks: x.masks, studentTemperature: c.student_temp });
      return [terms.classLoss, terms.patchLoss, terms.total, dino, patchOnly];
    });
    // read with await data(): dataSync throws on webgpu in Node.js
    const [classLoss, patchLoss, total, dino, patchOnly] = (await Promise.all(scalars.map((t) => t.data()))).map((values) => values[0]!) as [number, number, number, number, number];
    tf.dispose(scalars);
    expectClose([classLoss], [fixture.expected.cls], { rtol: 1e-5, atol: 0 }, 'cls');
    expectClose([patchLoss], [fixture.expected.patch], { rtol: 1e-5, atol: 0 }, 'patch');
    expectClose([total], [fixture.expected.loss], { rtol: 1e-5, atol: 0 }, 'loss');
    expectClose([dino * c.lambda1], [fixture.expected.cls], { rtol: 1e-5, atol: 0 }, 'dinoLoss');
    expectClose([patchOnly * c.lambda2], [fixture.expected.patch], { rtol: 1e-5, atol: 0 }, 'ibotPatchLoss');
  });

  it("gives the official gradients with respect to the student's [CLS], patch and local-crop outputs", () => {
    tf.tidy(() => {
      const x = inputs();
      const loss = (studentClass: tf.Tensor, studentPatch: tf.Tensor, studentLocalClass?: tf.Tensor) =>
        ibotLoss({
          ...x,
          studentClass: studentClass as tf.Tensor2D,
          studentPatch: studentPatch as tf.Tensor3D,
          studentLocalClass: studentLocalClass as tf.Tensor2D | undefined,
          globalCropCount: c.ngcrops,
          studentTemperature: c.student_temp,
          classWeight: c.lambda1,
          patchWeight: c.lambda2,
        }).total;
      const wrt = [x.studentClass, x.studentPatch, ...(x.studentLocalClass ? [x.studentLocalClass] : [])];
      const [gradClass, gradPatch, gradLocal] = tf.grads(loss as (...t: tf.Tensor[]) => tf.Tensor)(wrt) as [tf.Tensor, tf.Tensor, tf.Tensor | undefined];
      const e = fixture.expected;
      // rtol 1e-5; atol 1e-6 because many entries are differences of nearly equal probabilities
      // (softmax(s/T) - t, values down to 1e-24) whose float32 rounding is absolute, not relative
      expectClose(gradClass, e.grad_student_cls, { rtol: 1e-5, atol: 1e-6 }, 'grad_student_cls');
      expectClose(gradPatch, e.grad_student_patch, { rtol: 1e-5, atol: 1e-6 }, 'grad_student_patch');
      if (gradLocal) expectClose(gradLocal, e.grad_student_local_cls!, { rtol: 1e-5, atol: 1e-6 }, 'grad_student_local_cls');
    });
  });
});
