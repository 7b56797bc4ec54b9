import * as tf from '@tensorflow/tfjs-core';
import {
  SslError,
  checkInteger,
  checkNumber,
  checkOptions,
  checkPositive,
  combineModules,
  concatTargets,
  invalidArgument,
  type Backbone,
  type Module,
  type Objective,
  type Parameter,
  type Recipe,
  type Schedule,
  type StepContext,
} from '@selfsup/core';

import type { DinoHead } from '@selfsup/heads';
import { dinoLoss, sinkhornKnopp, teacherTargets } from '@selfsup/losses';
import { createCenter, createEmaTeacher, type Center, type EmaTeacher } from '@selfsup/ema';
import { toSchedule } from '@selfsup/optim';
import { koleoObjective } from '../koleo-objective.js';

/** A backbone and its DINO head, named as DINO's `MultiCropWrapper` (`backbone.*`, `head.*`). */
export interface DinoNetwork {
  readonly backbone: Backbone;
  readonly head: DinoHead;
}

/** The inputs of one DINO step: every crop whole (no mask), each kind stacked crop after crop. */
export interface DinoViews {
  /** `[globalCrops * batch, H, W, C]`: seen by the teacher and the student. */
  readonly global: tf.Tensor4D;
  /** `[localCrops * batch, h, w, C]`: seen by the student only, when there are local crops. */
  readonly local?: tf.Tensor4D;
  /** Global crops per image (2 in DINO). */
  readonly globalCropCount: number;
}

/** The student's outputs in one DINO step. */
export interface DinoOutputs {
  /** `[globalCrops * batch, outDim]`. */
  readonly classLogits: tf.Tensor2D;
  /** `[localCrops * batch, outDim]`, when there are local crops. */
  readonly localClassLogits?: tf.Tensor2D;
  /** `[globalCrops * batch, embedDim]`: the backbone's [CLS] features of the global crops (for KoLeo). */
  readonly classTokens: tf.Tensor2D;
}

/** The teacher's targets in one DINO step, made before the tape. */
export interface DinoTargets {
  /** Centred (or Sinkhorn-Knopp balanced), sharpened distributions `[globalCrops * batch, outDim]`. */
  readonly classTargets: tf.Tensor2D;
  /** Raw teacher logits `[globalCrops * batch, outDim]`, for the centre update. */
  readonly teacherClass: tf.Tensor2D;
}

/**
 * How the teacher's outputs are kept from collapsing: DINO's running `center` subtracted before the
 * sharpening softmax, or DINOv2's `sinkhorn-knopp` balancing of the batch over the prototypes.
 */
export type Centering = 'center' | 'sinkhorn-knopp';

/** Options of {@link createDinoRecipe}. */
export interface DinoRecipeOptions<Batch> {
  /** The network trained by gradient descent (its backbone without a mask token). */
  student: DinoNetwork;
  /** A second network of the same architecture, driven as the EMA of the student. The recipe owns both. */
  teacher: DinoNetwork;
  /**
   * Copy the student's weights into the teacher at creation, as the official code does. Turn off
   * when both were loaded.
   * @defaultValue true
   */
  copyStudentToTeacher?: boolean;
  /** Makes a step's views (crops) from a batch, from the step's rng. */
  makeViews: (batch: Batch, context: StepContext) => DinoViews;
  /**
   * Teacher temperature, counted in iterations like every schedule. DINO's changes once per epoch
   * (`teacher_temp_schedule[epoch]`, 0.04 to 0.07 over 30 epochs):
   * `cosineSchedule({ ..., updateEvery: 'epoch' })`.
   */
  teacherTemperature: Schedule;
  /** Teacher EMA momentum, counted in iterations (`momentum_schedule`, cosine 0.996 to 1). */
  teacherMomentum: Schedule;
  /** @defaultValue 0.1 */
  studentTemperature?: number;
  /** Momentum of the running centre (with `centering: 'center'`). @defaultValue 0.9 */
  centerMomentum?: number;
  /**
   * The running centre (DINO) or Sinkhorn-Knopp (DINOv2). With Sinkhorn-Knopp the centre is kept
   * (checkpoints keep their layout) but not updated.
   * @defaultValue 'center'
   */
  centering?: Centering;
  /** Sinkhorn-Knopp iterations (DINOv2: 3). @defaultValue 3 */
  sinkhornIterations?: number;
  /**
   * Weight of DINOv2's KoLeo regulariser on the student's backbone [CLS] features, applied to each
   * global crop's batch and summed over crops (DINOv2: 0.1). 0 leaves the objective out.
   * @defaultValue 0
   */
  koleoWeight?: number;
}

/** The DINO recipe, with handles on its parts. */
export interface DinoRecipe<Batch> extends Recipe<Batch, DinoViews, DinoOutputs, DinoTargets> {
  /** `backbone.*` and `head.*` of the student. */
  readonly student: Module & { readonly parts: DinoNetwork };
  /** The EMA teacher (its `module` holds `backbone.*` and `head.*`). */
  readonly teacher: EmaTeacher<Module & { readonly parts: DinoNetwork }>;
  /** The running centre (`center`, `[1, outDim]`). */
  readonly center: Center;
}

/**
 * DINO (Caron et al., 2021): self-distillation with no labels. The student sees two global crops
 * and several local crops; an EMA teacher sees the global crops. The loss is the cross-entropy
 * between the teacher's centred, sharpened distribution over `outDim` prototypes for one global
 * crop and the student's for every other crop (local-to-global correspondence). iBOT without the
 * masks and the patch loss.
 *
 * DINOv2's [CLS]-side additions are options: Sinkhorn-Knopp centring (`centering`) and the KoLeo
 * regulariser (`koleoWeight`).
 *
 * The recipe is data for `@selfsup/train`'s generic step: views, targets (teacher forward and
 * centring, before the tape), the student forward, the `dino` objective (and `koleo`), and after
 * the optimizer step the EMA teacher and the centre.
 *
 * @example
 * ```ts
 * const make = () => ({ backbone: createVit({ preset: 'tiny', imageSize: 28, patchSize: 4, inChannels: 1, maskToken: false }),
 *   head: createDinoHead({ inDim: 192, outDim: 1024 }) });
 * const recipe = createDinoRecipe({ student: make(), teacher: make(), makeViews,
 *   teacherTemperature: cosineSchedule({ baseValue: 0.07, finalValue: 0.07, startWarmupValue: 0.04, warmupEpochs: 30,
 *     epochs: 100, iterationsPerEpoch, updateEvery: 'epoch' }),
 *   teacherMomentum: cosineSchedule({ baseValue: 0.996, finalValue: 1, epochs: 100, iterationsPerEpoch }) });
 * await trainStep(recipe, batch, { optimizer, context });
 * ```
 */
export function createDinoRecipe<Batch>(options: DinoRecipeOptions<Batch>): DinoRecipe<Batch> {
  checkOptions('createDinoRecipe(options)', options);
  const studentTemperature = checkPositive('createDinoRecipe(options.studentTemperature)', options.studentTemperature ?? 0.1);
  const centerMomentum = checkNumber('createDinoRecipe(options.centerMomentum)', options.centerMomentum ?? 0.9, 0, 1);
  const sinkhornIterations = checkInteger('createDinoRecipe(options.sinkhornIterations)', options.sinkhornIterations ?? 3, 0);
  const teacherTemperature = toSchedule(options.teacherTemperature, 'createDinoRecipe(options.teacherTemperature)');
  const teacherMomentum = toSchedule(options.teacherMomentum, 'createDinoRecipe(options.teacherMomentum)');
  const koleoWeight = checkNumber('createDinoRecipe(options.koleoWeight)', options.koleoWeight ?? 0, 0);
  const centering = options.centering ?? 'center';
  if (centering !== 'center' && centering !== 'sinkhorn-knopp') {
    throw invalidArgument({ argument: 'createDinoRecipe(options.centering)', expected: '"center" or "sinkhorn-knopp"', actual: centering });
  }
  const { student: s, teacher: t } = options;
  if (s.head.config.outDim !== t.head.config.outDim) {
    throw new SslError(
      'INVALID_CONFIG',
      `createDinoRecipe: the student head has outDim ${s.head.config.outDim} but the teacher's has ${t.head.config.outDim}. Build both with the same head options.`,
    );
  }
  const student = combineModules({ backbone: s.backbone, head: s.head });
  const teacher = createEmaTeacher({
    student,
    teacher: combineModules({ backbone: t.backbone, head: t.head }),
    copyStudent: options.copyStudentToTeacher ?? true,
  });
  const center = createCenter({ dim: s.head.config.outDim, momentum: centerMomentum, name: 'center' });

  const dino: Objective<DinoViews, DinoOutputs, DinoTargets> = {
    name: 'dino',
    compute: (outputs, targets, views, context) => ({
      loss: dinoLoss({
        studentGlobal: outputs.classLogits,
        ...(outputs.localClassLogits ? { studentLocal: outputs.localClassLogits } : {}),
        teacherTargets: targets.classTargets,
        globalCropCount: views.globalCropCount,
        studentTemperature,
      }),
      metrics: {
        teacherTemperature: tf.scalar(teacherTemperature.at(context.iteration)),
        momentum: tf.scalar(teacherMomentum.at(context.iteration)),
      },
    }),
  };

  return {
    name: 'dino',
    student,
    teacher,
    center,
    trainableParameters: (): Parameter[] => student.parameters().filter((p) => p.trainable),
    modules: () => ({ student, teacher, center }),
    makeViews: (batch, context) => {
      const views = options.makeViews(batch, context);
      checkInteger('DinoViews.globalCropCount', views.globalCropCount, 1);
      return views;
    },
    makeTargets: (views, context) =>
      tf.tidy('dino.makeTargets', () => {
        const teacherNet = teacher.module!.parts;
        const classLogits = teacherNet.head.project(teacherNet.backbone.encode(views.global).classToken) as tf.Tensor2D;
        const temperature = teacherTemperature.at(context.iteration);
        const classTargets =
          centering === 'center'
            ? (teacherTargets(classLogits, { center: center.value, temperature }) as tf.Tensor2D)
            : sinkhornKnopp(classLogits, { temperature, iterations: sinkhornIterations });
        return { classTargets, teacherClass: classLogits };
      }),
    forward: (views, context) => {
      const drop = { training: true, rng: context.rng } as const;
      const global = s.backbone.encode(views.global, drop);
      const classLogits = s.head.project(global.classToken) as tf.Tensor2D;
      if (!views.local) return { classLogits, classTokens: global.classToken };
      const local = s.backbone.encode(views.local, drop);
      return { classLogits, classTokens: global.classToken, localClassLogits: s.head.project(local.classToken) as tf.Tensor2D };
    },
    objectives: koleoWeight > 0 ? [dino, koleoObjective<DinoViews, DinoOutputs>(koleoWeight)] : [dino],
    afterStep: (_views, targets, context) => {
      teacher.update(student, teacherMomentum.at(context.iteration));
      if (centering === 'center') center.update(targets.teacherClass);
    },
    // with gradient accumulation the centre sees every micro-batch's teacher outputs (Sinkhorn-Knopp keeps none)
    ...(centering === 'center' ? { mergeTargets: concatTargets } : {}),
    dispose: () => {
      student.dispose();
      teacher.dispose();
      center.dispose();
    },
  };
}
