import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkNumber, checkOptions, invalidArgument, type Recipe, type Schedule } from '@selfsup/core';
import { sinkhornKnopp } from '@selfsup/losses';
import { toSchedule } from '@selfsup/optim';
import type { IbotOutputs, IbotRecipe, IbotTargets } from '../ibot/ibot-recipe.js';
import type { IbotViews } from '../ibot/ibot-views.js';
import type { Centering } from '../dino/dino-recipe.js';
import { koleoObjective } from '../koleo-objective.js';
import { maskedSinkhornKnopp } from './masked-sinkhorn-knopp.js';

/** Options of {@link createDinov2StyleRecipe}. */
export interface Dinov2StyleOptions {
  /**
   * Weight of the KoLeo regulariser on the student's backbone [CLS] features of each global crop
   * (`koleo_loss_weight`). 0 leaves the objective out.
   * @defaultValue 0.1 (DINOv2's)
   */
  koleoWeight?: number;
  /**
   * Sinkhorn-Knopp balancing of the teacher's [CLS] outputs and of its outputs on the masked
   * patches (DINOv2), or iBOT's running centres.
   * @defaultValue 'sinkhorn-knopp'
   */
  centering?: Centering;
  /** @defaultValue 3 (DINOv2's) */
  sinkhornIterations?: number;
  /** The teacher [CLS] temperature, counted in iterations, as given to the iBOT recipe. */
  teacherTemperature: Schedule;
  /** The teacher patch temperature, counted in iterations, as given to the iBOT recipe. */
  patchTeacherTemperature: Schedule;
  /** The teacher momentum, counted in iterations, as given to the iBOT recipe. */
  teacherMomentum: Schedule;
}

/** The student's outputs of a DINOv2-style step: iBOT's, plus the backbone [CLS] features for KoLeo. */
export interface Dinov2StyleOutputs extends IbotOutputs {
  /** `[globalCrops * batch, embedDim]`. */
  readonly classTokens: tf.Tensor2D;
}

/** A DINOv2-style recipe: the iBOT recipe's parts under a new name, targets and objectives. */
export interface Dinov2StyleRecipe<Batch> extends Recipe<Batch, IbotViews, Dinov2StyleOutputs, IbotTargets> {
  readonly student: IbotRecipe<Batch>['student'];
  readonly teacher: IbotRecipe<Batch>['teacher'];
  readonly center: IbotRecipe<Batch>['center'];
  readonly patchCenter: IbotRecipe<Batch>['patchCenter'];
}

/**
 * DINOv2's additions (Oquab et al., 2024) swapped into an iBOT recipe: Sinkhorn-Knopp centring of
 * the teacher's [CLS] outputs and of its outputs on the masked patches instead of the running
 * centres (the centres are then kept, not updated), and the KoLeo regulariser on the student's
 * backbone [CLS] features as a second objective. DINOv2's third change, a separate head for the
 * patch tokens, is the iBOT head's `sharedHead: false` (a separate last layer; DINOv2 also
 * separates the MLP).
 *
 * The result reuses the iBOT recipe's networks, teacher, centres, views, trainable parameters and
 * checkpoint modules; disposing either disposes both.
 *
 * @example
 * ```ts
 * const ibot = createIbotRecipe({ student, teacher, makeViews, teacherTemperature, patchTeacherTemperature, teacherMomentum });
 * const dinov2 = createDinov2StyleRecipe(ibot, { teacherTemperature, patchTeacherTemperature, teacherMomentum });
 * await trainStep(dinov2, batch, { optimizer, context }); // metrics: ibot, koleo, cls, patch, ...
 * ```
 */
export function createDinov2StyleRecipe<Batch>(ibot: IbotRecipe<Batch>, options: Dinov2StyleOptions): Dinov2StyleRecipe<Batch> {
  checkOptions('createDinov2StyleRecipe(options)', options);
  const koleoWeight = checkNumber('createDinov2StyleRecipe(options.koleoWeight)', options.koleoWeight ?? 0.1, 0);
  const iterations = checkInteger('createDinov2StyleRecipe(options.sinkhornIterations)', options.sinkhornIterations ?? 3, 0);
  const centering = options.centering ?? 'sinkhorn-knopp';
  const teacherTemperature = toSchedule(options.teacherTemperature, 'createDinov2StyleRecipe(options.teacherTemperature)');
  const patchTeacherTemperature = toSchedule(options.patchTeacherTemperature, 'createDinov2StyleRecipe(options.patchTeacherTemperature)');
  const teacherMomentum = toSchedule(options.teacherMomentum, 'createDinov2StyleRecipe(options.teacherMomentum)');
  if (centering !== 'center' && centering !== 'sinkhorn-knopp') {
    throw invalidArgument({ argument: 'createDinov2StyleRecipe(options.centering)', expected: '"center" or "sinkhorn-knopp"', actual: centering });
  }
  const s = ibot.student.parts;
  const { mergeTargets, ...shared } = ibot;
  return {
    ...shared,
    // the running centres see every micro-batch; Sinkhorn-Knopp keeps no centre
    ...(centering === 'center' && mergeTargets ? { mergeTargets } : {}),
    name: 'dinov2',
    makeTargets:
      centering === 'center'
        ? ibot.makeTargets
        : (views, context) =>
            tf.tidy('dinov2.makeTargets', () => {
              const teacherNet = ibot.teacher.module!.parts;
              const { classLogits, patchLogits } = teacherNet.head.project(teacherNet.backbone.encode(views.global));
              return {
                classTargets: sinkhornKnopp(classLogits, { temperature: teacherTemperature.at(context.iteration), iterations }),
                patchTargets: maskedSinkhornKnopp(patchLogits, views.masks, patchTeacherTemperature.at(context.iteration), iterations),
                teacherClass: classLogits,
                teacherPatch: patchLogits,
              };
            }),
    forward: (views, context) => {
      const drop = { training: true, rng: context.rng } as const;
      const global = s.backbone.encode(views.global, { tokenMask: views.masks, ...drop });
      const { classLogits, patchLogits } = s.head.project(global);
      const outputs = { classLogits, patchLogits, classTokens: global.classToken };
      if (!views.local) return outputs;
      return { ...outputs, localClassLogits: s.head.projectClass(s.backbone.encode(views.local, drop).classToken) };
    },
    objectives: koleoWeight > 0 ? [...ibot.objectives, koleoObjective<IbotViews, Dinov2StyleOutputs>(koleoWeight)] : [...ibot.objectives],
    afterStep:
      centering === 'center'
        ? ibot.afterStep
        : (_views, _targets, context) => ibot.teacher.update(ibot.student, teacherMomentum.at(context.iteration)),
  };
}
