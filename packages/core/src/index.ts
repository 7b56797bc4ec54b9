export { SslError, isSslError, describeValue, type SslErrorCode, type SslErrorOptions } from './ssl-error.js';
export {
  invariant,
  invalidArgument,
  checkInteger,
  checkNumber,
  checkPositive,
  checkShape,
  checkOptions,
  checkNotDisposed,
  MAX_TENSOR_ELEMENTS,
  type InvalidArgumentReport,
} from './invariant.js';
export { createRng, restoreRng, type Rng, type RngState } from './rng.js';
export { hostTensor, sizeOf, stridesOf, transposeHost, type HostTensor } from './host-tensor.js';
export {
  readSafetensors,
  writeSafetensors,
  SAFETENSORS_MAX_HEADER_BYTES,
  toFloat32,
  halfToFloat,
  floatToHalf,
  floatToBfloat16,
  type SafetensorsDtype,
  type SafetensorsData,
  type SafetensorsTensor,
  type SafetensorsFile,
  type WriteSafetensorsOptions,
} from './safetensors.js';
export type { Module, Parameter, TorchLayout, Backbone, BackboneFeatures, EncodeOptions, TimmDescription, Schedule } from './module.js';
export {
  loadStateDict,
  exportStateDict,
  stateDictFromSafetensors,
  stateDictToSafetensors,
  stateDictFromRecords,
  type StateDict,
  type LoadStateDictResult,
  type LoadStateDictOptions,
} from './state-dict.js';
export type { StepContext, Objective, ObjectiveResult, Recipe } from './recipe.js';
export { concatTargets } from './recipe.js';
export { combineModules } from './combine-modules.js';
export { mergeModules } from './merge-modules.js';
