import * as tf from '@tensorflow/tfjs-core';
import {
  SslError,
  checkInteger,
  checkNumber,
  checkOptions,
  checkPositive,
  combineModules,
  concatTargets,
  type Backbone,
  type Module,
  type Parameter,
  type Recipe,
  type Schedule,
  type StepContext,
} from '@selfsup/core';
import type { IbotHead } from '@selfsup/heads';
import { ibotLoss, teacherTargets } from '@selfsup/losses';
import { createCenter, createEmaTeacher, type Center, type EmaTeacher } from '@selfsup/ema';
import { toSchedule } from '@selfsup/optim';
import type { IbotViews } from './ibot-views.js';

/** A backbone and its projection head, named as iBOT's `MultiCropWrapper` (`backbone.*`, `head.*`). */
export interface IbotNetwork {
  readonly backbone: Backbone;
  readonly head: IbotHead;
}

/** Options of {@link createIbotRecipe}. */
export interface IbotRecipeOptions<Batch> {
  /** The network trained by gradient descent. */
  student: IbotNetwork;
  /**
   * A second network with the same architecture (its backbone without a mask token), driven as the
   * EMA of the student. The recipe owns both networks.
   */
  teacher: IbotNetwork;
  /**
   * Copy the student's weights into the teacher at creation, as the official code does. Turn off
   * when both were loaded (a checkpoint, a parity fixture).
   * @defaultValue true
   */
  copyStudentToTeacher?: boolean;
  /** Makes a step's views (crops and masks) from a batch, from the step's rng. */
  makeViews: (batch: Batch, context: StepContext) => IbotViews;
  /**
   * Teacher [CLS] temperature, counted in iterations like every schedule. iBOT's changes once per
   * epoch (`teacher_temp_schedule[epoch]`): `cosineSchedule({ ..., updateEvery: 'epoch' })`.
   */
  teacherTemperature: Schedule;
  /** Teacher patch temperature, counted in iterations (`teacher_temp2_schedule`, per epoch in iBOT). */
  patchTeacherTemperature: Schedule;
  /** Teacher EMA momentum, counted in iterations (`momentum_schedule`, cosine 0.996 to 1). */
  teacherMomentum: Schedule;
  /** @defaultValue 0.1 */
  studentTemperature?: number;
  /** Weight of the [CLS] loss (`lambda1`). @defaultValue 1 */
  classWeight?: number;
  /** Weight of the patch loss (`lambda2`). @defaultValue 1 */
  patchWeight?: number;
  /** Momentum of the [CLS] centre. @defaultValue 0.9 */
  centerMomentum?: number;
  /** Momentum of the patch centre. @defaultValue 0.9 */
  patchCenterMomentum?: number;
}

/** The student's outputs in one step. */
export interface IbotOutputs {
  /** `[globalCrops * batch, outDim]`. */
  readonly classLogits: tf.Tensor2D;
  /** `[globalCrops * batch, patches, patchOutDim]`. */
  readonly patchLogits: tf.Tensor3D;
  /** `[localCrops * batch, outDim]`. */
  readonly localClassLogits?: tf.Tensor2D;
}

/** The teacher's targets in one step, made before the tape. */
export interface IbotTargets {
  /** Centred, sharpened [CLS] distributions `[globalCrops * batch, outDim]`. */
  readonly classTargets: tf.Tensor2D;
  /** Centred, sharpened patch distributions `[globalCrops * batch, patches, patchOutDim]`. */
  readonly patchTargets: tf.Tensor3D;
  /** Raw teacher [CLS] logits, for the centre update. */
  readonly teacherClass: tf.Tensor2D;
  /** Raw teacher patch logits, for the patch centre update. */
  readonly teacherPatch: tf.Tensor3D;
}

/** The iBOT recipe, with handles on its parts. */
export interface IbotRecipe<Batch> extends Recipe<Batch, IbotViews, IbotOutputs, IbotTargets> {
  /** `backbone.*` and `head.*` of the student. */
  readonly student: Module & { readonly parts: IbotNetwork };
  /** The EMA teacher (its `module` holds `backbone.*` and `head.*`). */
  readonly teacher: EmaTeacher<Module & { readonly parts: IbotNetwork }>;
  /** The [CLS] centre (`center`, `[1, outDim]`). */
  readonly center: Center;
  /** The patch centre (`center2`, `[1, 1, patchOutDim]`). */
  readonly patchCenter: Center;
}

/**
 * iBOT (Zhou et al., 2022): self-distillation with an online tokenizer. A student sees two global
 * crops with block-masked patches and several local crops; an EMA teacher sees the global crops
 * whole. The loss is the cross-entropy between the teacher's centred, sharpened distributions and
 * the student's, on the [CLS] token across different views (DINO) plus on the masked patch tokens
 * of the same view (masked image modelling, the teacher acting as tokenizer).
 *
 * The recipe is data for `@selfsup/train`'s generic step: views, targets (teacher forward and
 * centring, before the tape), the student forward, one objective (`ibot`: `cls` + `patch`), and
 * after the optimizer step the EMA teacher and the two centres.
 */
export function createIbotRecipe<Batch>(options: IbotRecipeOptions<Batch>): IbotRecipe<Batch> {
  checkOptions('createIbotRecipe(options)', options);
  const studentTemperature = checkPositive('createIbotRecipe(options.studentTemperature)', options.studentTemperature ?? 0.1);
  const classWeight = checkNumber('createIbotRecipe(options.classWeight)', options.classWeight ?? 1, 0);
  const patchWeight = checkNumber('createIbotRecipe(options.patchWeight)', options.patchWeight ?? 1, 0);
  const centerMomentum = checkNumber('createIbotRecipe(options.centerMomentum)', options.centerMomentum ?? 0.9, 0, 1);
  const patchCenterMomentum = checkNumber('createIbotRecipe(options.patchCenterMomentum)', options.patchCenterMomentum ?? 0.9, 0, 1);
  const teacherTemperature = toSchedule(options.teacherTemperature, 'createIbotRecipe(options.teacherTemperature)');
  const patchTeacherTemperature = toSchedule(options.patchTeacherTemperature, 'createIbotRecipe(options.patchTeacherTemperature)');
  const teacherMomentum = toSchedule(options.teacherMomentum, 'createIbotRecipe(options.teacherMomentum)');
  const { student: s, teacher: t } = options;
  if (s.head.config.outDim !== t.head.config.outDim || s.head.config.patchOutDim !== t.head.config.patchOutDim) {
    throw new SslError(
      'INVALID_CONFIG',
      `createIbotRecipe: the student head has outDim ${s.head.config.outDim} / patchOutDim ${s.head.config.patchOutDim} but the teacher's has ${t.head.config.outDim} / ${t.head.config.patchOutDim}. Build both with the same head options.`,
    );
  }
  const student = combineModules({ backbone: s.backbone, head: s.head });
  const teacher = createEmaTeacher({
    student,
    teacher: combineModules({ backbone: t.backbone, head: t.head }),
    copyStudent: options.copyStudentToTeacher ?? true,
  });
  const center = createCenter({ dim: s.head.config.outDim, momentum: centerMomentum, name: 'center' });
  const patchCenter = createCenter({
    dim: s.head.config.patchOutDim,
    momentum: patchCenterMomentum,
    name: 'center2',
    torchShape: [1, 1, s.head.config.patchOutDim],
  });
  const trainable = (): Parameter[] => student.parameters().filter((p) => p.trainable);

  return {
    name: 'ibot',
    student,
    teacher,
    center,
    patchCenter,
    trainableParameters: trainable,
    modules: () => ({ student, teacher, center, patchCenter }),
    makeViews: (batch, context) => {
      const views = options.makeViews(batch, context);
      checkInteger('IbotViews.globalCropCount', views.globalCropCount, 1);
      return views;
    },
    makeTargets: (views, context) =>
      tf.tidy('ibot.makeTargets', () => {
        const teacherNet = teacher.module!.parts;
        const features = teacherNet.backbone.encode(views.global);
        const { classLogits, patchLogits } = teacherNet.head.project(features);
        return {
          classTargets: teacherTargets(classLogits, {
            center: center.value,
            temperature: teacherTemperature.at(context.iteration),
          }) as tf.Tensor2D,
          patchTargets: teacherTargets(patchLogits, {
            center: patchCenter.value,
            temperature: patchTeacherTemperature.at(context.iteration),
          }) as tf.Tensor3D,
          teacherClass: classLogits,
          teacherPatch: patchLogits,
        };
      }),
    forward: (views, context) => {
      const drop = { training: true, rng: context.rng } as const;
      const global = s.backbone.encode(views.global, { tokenMask: views.masks, ...drop });
      const { classLogits, patchLogits } = s.head.project(global);
      if (!views.local) return { classLogits, patchLogits };
      const local = s.backbone.encode(views.local, drop);
      return { classLogits, patchLogits, localClassLogits: s.head.projectClass(local.classToken) };
    },
    objectives: [
      {
        name: 'ibot',
        compute: (outputs, targets, views, context) => {
          const terms = ibotLoss({
            studentClass: outputs.classLogits,
            studentPatch: outputs.patchLogits,
            ...(outputs.localClassLogits ? { studentLocalClass: outputs.localClassLogits } : {}),
            teacherClassTargets: targets.classTargets,
            teacherPatchTargets: targets.patchTargets,
            masks: views.masks,
            globalCropCount: views.globalCropCount,
            studentTemperature,
            classWeight,
            patchWeight,
          });
          return {
            loss: terms.total,
            metrics: {
              cls: terms.classLoss,
              patch: terms.patchLoss,
              teacherTemperature: tf.scalar(teacherTemperature.at(context.iteration)),
              momentum: tf.scalar(teacherMomentum.at(context.iteration)),
            },
          };
        },
      },
    ],
    afterStep: (_views, targets, context) => {
      teacher.update(student, teacherMomentum.at(context.iteration));
      center.update(targets.teacherClass);
      patchCenter.update(targets.teacherPatch);
    },
    // with gradient accumulation the centres see every micro-batch's teacher outputs
    mergeTargets: concatTargets,
    dispose: () => {
      student.dispose();
      teacher.dispose();
      center.dispose();
      patchCenter.dispose();
    },
  };
}
