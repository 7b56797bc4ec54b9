import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { isSslError, type Schedule } from '@selfsup/core';
import { createVit } from '@selfsup/backbones';
import { createDinoHead, createIbotHead } from '@selfsup/heads';
import { sinkhornKnopp, teacherTargets, teacherTemperatureSchedule } from '@selfsup/losses';
import { constantSchedule, scheduleFromValues } from '@selfsup/optim';
import { stepRng } from '@selfsup/train';
import { createIbotRecipe } from './ibot/ibot-recipe.js';
import { createDinoRecipe } from './dino/dino-recipe.js';
import { createDinov2StyleRecipe } from './dinov2/dinov2-recipe.js';

// Every schedule is counted in iterations: a recipe reads it at context.iteration, never at the
// epoch. These schedules change inside epoch 0 (3 iterations per epoch), so reading by epoch would
// give the first value (0.04) at iteration 2.
const classTemperature = scheduleFromValues([0.04, 0.05, 0.06, 0.07]);
const patchTemperature = scheduleFromValues([0.03, 0.045, 0.065, 0.08]);
const iteration2 = { iteration: 2, epoch: 0, iterationsPerEpoch: 3, rng: stepRng(0, 2) };

const backbone = (maskToken: boolean) => createVit({ imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 1, headCount: 2, maskToken });
const ibotNetwork = (maskToken: boolean) => ({
  backbone: backbone(maskToken),
  head: createIbotHead({ inDim: 16, outDim: 32, patchOutDim: 24, hiddenDim: 24, bottleneckDim: 8, sharedHead: false }),
});
const dinoNetwork = () => ({ backbone: backbone(false), head: createDinoHead({ inDim: 16, outDim: 32, hiddenDim: 24, bottleneckDim: 8 }) });

const images = () => tf.randomUniform([4, 16, 16, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
const ibotViews = () => ({ global: images(), masks: tf.tensor2d(Array.from({ length: 4 * 16 }, (_, i) => i % 3 === 0 ? 1 : 0), [4, 16]), globalCropCount: 2 });

function ibotRecipe(temperatures: { teacherTemperature: Schedule; patchTeacherTemperature: Schedule }) {
  return createIbotRecipe<null>({
    student: ibotNetwork(true),
    teacher: ibotNetwork(false),
    makeViews: ibotViews,
    ...temperatures,
    teacherMomentum: constantSchedule(0.99),
  });
}

async function maxDifference(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const difference = tf.max(tf.abs(tf.sub(a, b)));
  const value = (await difference.data())[0]!;
  difference.dispose();
  return value;
}

function refusal(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    expect(isSslError(e, 'INVALID_ARGUMENT')).toBe(true);
    return e as Error;
  }
  throw new Error('expected an SslError');
}

describe('recipes read their schedules at the iteration', () => {
  it('iBOT: the [CLS] and patch teacher temperatures of iteration 2, not of epoch 0', async () => {
    const recipe = ibotRecipe({ teacherTemperature: classTemperature, patchTeacherTemperature: patchTemperature });
    const views = recipe.makeViews(null, iteration2);
    const targets = recipe.makeTargets(views, iteration2);
    const classExpected = teacherTargets(targets.teacherClass, { center: recipe.center.value, temperature: 0.06 });
    const patchExpected = teacherTargets(targets.teacherPatch, { center: recipe.patchCenter.value, temperature: 0.065 });
    expect(await maxDifference(targets.classTargets, classExpected)).toBeLessThan(1e-7);
    expect(await maxDifference(targets.patchTargets, patchExpected)).toBeLessThan(1e-7);
    tf.dispose([views, targets, classExpected, patchExpected] as never);
    recipe.dispose();
  });

  it('DINO: the teacher temperature of iteration 2', async () => {
    const recipe = createDinoRecipe<null>({
      student: dinoNetwork(),
      teacher: dinoNetwork(),
      makeViews: () => ({ global: images(), globalCropCount: 2 }),
      teacherTemperature: classTemperature,
      teacherMomentum: constantSchedule(0.99),
    });
    const views = recipe.makeViews(null, iteration2);
    const targets = recipe.makeTargets(views, iteration2);
    const expected = teacherTargets(targets.teacherClass, { center: recipe.center.value, temperature: 0.06 });
    expect(await maxDifference(targets.classTargets, expected)).toBeLessThan(1e-7);
    tf.dispose([views, targets, expected] as never);
    recipe.dispose();
  });

  it('DINOv2-style: the Sinkhorn-Knopp temperature of iteration 2', async () => {
    const temperatures = { teacherTemperature: classTemperature, patchTeacherTemperature: patchTemperature };
    const recipe = createDinov2StyleRecipe(ibotRecipe(temperatures), { ...temperatures, teacherMomentum: constantSchedule(0.99) });
    const views = recipe.makeViews(null, iteration2);
    const targets = recipe.makeTargets(views, iteration2);
    const expected = sinkhornKnopp(targets.teacherClass, { temperature: 0.06, iterations: 3 });
    expect(await maxDifference(targets.classTargets, expected)).toBeLessThan(1e-6);
    tf.dispose([views, targets, expected] as never);
    recipe.dispose();
  });

  it('refuses a table of values per epoch (the deprecated teacherTemperatureSchedule), saying how to build a schedule', () => {
    const table = teacherTemperatureSchedule({ temperature: 0.07, warmupEpochs: 2, epochs: 4 }) as unknown as Schedule;
    const ibot = refusal(() => ibotRecipe({ teacherTemperature: table, patchTeacherTemperature: patchTemperature }));
    expect(ibot.message).toMatch(/createIbotRecipe\(options\.teacherTemperature\): expected a Schedule counted in iterations.*updateEvery: 'epoch'/);
    const dino = refusal(() =>
      createDinoRecipe<null>({ student: dinoNetwork(), teacher: dinoNetwork(), makeViews: () => ({ global: images(), globalCropCount: 2 }), teacherTemperature: table, teacherMomentum: constantSchedule(0.99) }),
    );
    expect(dino.message).toMatch(/createDinoRecipe\(options\.teacherTemperature\)/);
    const temperatures = { teacherTemperature: classTemperature, patchTeacherTemperature: patchTemperature };
    const ibotForDinov2 = ibotRecipe(temperatures);
    const dinov2 = refusal(() => createDinov2StyleRecipe(ibotForDinov2, { ...temperatures, patchTeacherTemperature: table, teacherMomentum: constantSchedule(0.99) }));
    expect(dinov2.message).toMatch(/createDinov2StyleRecipe\(options\.patchTeacherTemperature\)/);
    ibotForDinov2.dispose();
  });
});
