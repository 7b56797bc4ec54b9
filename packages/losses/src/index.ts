export { dinoLoss, type DinoLossInputs } from './dino-loss.js';
export { ibotPatchLoss, type IbotPatchLossInputs } from './ibot-patch-loss.js';
export { ibotLoss, type IbotLossInputs, type IbotLossTerms } from './ibot-loss.js';
export { teacherTargets, type TeacherTargetsOptions } from './teacher-targets.js';
export {
  teacherTemperatureSchedule,
  type TeacherTemperatureScheduleOptions,
  type TeacherTemperatureTable,
} from './teacher-temperature-schedule.js';
export { maeLoss, type MaeLossInputs } from './mae-loss.js';
export { patchify, unpatchify } from './patchify.js';
export { maskedTokenCrossEntropy, type MaskedTokenCrossEntropyInputs } from './masked-token-cross-entropy.js';
export { koleoLoss, type KoleoLossOptions } from './koleo-loss.js';
export { sinkhornKnopp, type SinkhornKnoppOptions } from './sinkhorn-knopp.js';
export type { TokenMaskInput } from './token-mask.js';
