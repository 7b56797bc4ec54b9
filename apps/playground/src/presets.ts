import { parse as parseYaml } from 'yaml';
import { SslError, invalidArgument } from '@selfsup/core';
import { METHODS, type MethodDefinition } from '@selfsup/ibot';
import ibotSubsetYaml from '../../../examples/configs/ibot-fashion-mnist-subset.yaml?raw';
import dinoYaml from '../../../examples/configs/dino-fashion-mnist.yaml?raw';
import maeYaml from '../../../examples/configs/mae-fashion-mnist.yaml?raw';
import type { PlaygroundMethod, PlaygroundSize } from './options.js';
import type { Controls } from './protocol.js';

/** The training images of the bundled subset (`fashion-mnist-subset`). */
export const SUBSET_TRAIN_IMAGES = 1000;

/** The example configuration files each method starts from (what `selfsup pretrain --config` reads). */
const EXAMPLE_CONFIGS: Record<PlaygroundMethod, string> = { ibot: ibotSubsetYaml, dino: dinoYaml, mae: maeYaml };

type Section = Record<string, unknown>;

/** Sets `value` at a dotted `path` of a plain object, creating sections on the way. */
function setPath(target: Section, path: string, value: unknown): void {
  const keys = path.split('.');
  let section = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof section[key] !== 'object' || section[key] === null) section[key] = {};
    section = section[key] as Section;
  }
  section[keys.at(-1)!] = value;
}

/** The iBOT subset example's ViT and batch, applied to every method (so all three compare). */
const README_SIZE: Readonly<Record<string, unknown>> = {
  epochs: 30,
  batchSize: 64,
  'backbone.embedDim': 64,
  'backbone.depth': 4,
  'backbone.headCount': 4,
};

const TINY_SIZE: Readonly<Record<string, unknown>> = {
  epochs: 30,
  batchSize: 32,
  'backbone.embedDim': 32,
  'backbone.depth': 2,
  'backbone.headCount': 4,
};

/** Heads of the multi-crop methods at each size (MAE has a decoder instead). */
const HEAD_SIZES: Record<PlaygroundSize, Readonly<Record<string, unknown>>> = {
  readme: { 'head.outDim': 1024, 'head.hiddenDim': 256, 'head.bottleneckDim': 64 },
  tiny: { 'head.outDim': 256, 'head.hiddenDim': 128, 'head.bottleneckDim': 32, 'augmentation.localCrops': 2 },
};

const DECODER_SIZES: Record<PlaygroundSize, Readonly<Record<string, unknown>>> = {
  readme: { 'decoder.embedDim': 64, 'decoder.depth': 2, 'decoder.headCount': 4 },
  tiny: { 'decoder.embedDim': 32, 'decoder.depth': 1, 'decoder.headCount': 4 },
};

/** The method's definition from `METHODS` of `@selfsup/ibot` (the list the command line reads). */
export function methodDefinition(name: string): MethodDefinition {
  const method = METHODS.find((m) => m.name === name);
  if (!method) {
    throw invalidArgument({ argument: 'method', expected: METHODS.map((m) => m.name).join(' | '), actual: name });
  }
  return method;
}

/**
 * A complete configuration file, as `selfsup pretrain --config` reads one: the example of the
 * method, on the bundled subset, at `size`, with `overrides` set last. It is stored in every checkpoint the playground saves,
 * so `selfsup eval knn --checkpoint` and `selfsup pretrain --resume-from` rebuild the same model.
 */
export function playgroundConfig(method: PlaygroundMethod, size: PlaygroundSize, overrides: readonly (readonly [string, unknown])[] = []): Section {
  const config = parseYaml(EXAMPLE_CONFIGS[method]) as Section;
  const sizes = { ...(size === 'readme' ? README_SIZE : TINY_SIZE), ...(method === 'mae' ? DECODER_SIZES[size] : HEAD_SIZES[size]) };
  for (const [path, value] of Object.entries(sizes)) setPath(config, path, value);
  config.data = { dataset: 'fashion-mnist-subset', heldOut: 'test' };
  config.run = { knnEveryEpochs: 1, backend: 'auto' };
  for (const [path, value] of overrides) setPath(config, path, value);
  return config;
}

/** The method's own keys of a configuration file (without `method`, `data` and `run`). */
export function methodKeysOf(config: Section): Section {
  const { method: _method, data: _data, run: _run, ...keys } = config;
  return keys;
}

/** Steps in one epoch of the subset at the configuration's batch size (as `selfsup pretrain` counts them). */
export function iterationsPerEpochOf(config: Section): number {
  const batchSize = config.batchSize;
  if (typeof batchSize !== 'number' || batchSize < 1 || batchSize > SUBSET_TRAIN_IMAGES) {
    throw new SslError('INVALID_CONFIG', `batchSize: expected 1 to ${SUBSET_TRAIN_IMAGES} (the training images of the bundled subset), got ${String(batchSize)}.`);
  }
  const cap = (config.run as Section | undefined)?.maxStepsPerEpoch;
  const batches = Math.floor(SUBSET_TRAIN_IMAGES / batchSize);
  return typeof cap === 'number' ? Math.min(cap, batches) : batches;
}

/** The controls' values in a configuration (what the sliders show at the start). */
export function controlsOf(config: Section): Controls {
  const loss = (config.loss ?? {}) as Section;
  const teacher = (config.teacher ?? {}) as Section;
  const masking = (config.masking ?? {}) as Section;
  const ratio = masking.ratio;
  const maxRatio = Array.isArray(ratio) ? Math.max(...(ratio as number[])) : typeof ratio === 'number' ? ratio : 0.3;
  return {
    teacherTemperature: typeof loss.teacherTemperature === 'number' ? loss.teacherTemperature : 0.04,
    momentum: typeof teacher.momentum === 'number' ? teacher.momentum : 0.996,
    maskRatio: maxRatio,
  };
}

/** Which controls a method reads. */
export function controlsUsedBy(method: string): Record<keyof Controls, boolean> {
  const distills = method !== 'mae';
  return { teacherTemperature: distills, momentum: distills, maskRatio: method === 'ibot' || method === 'mae' };
}

/**
 * The configuration with the controls applied, held constant from now on: the [CLS] teacher
 * temperature (warm-up and final), the teacher momentum (start and end of its cosine), and the
 * mask ratio (iBOT: every global crop masked at this ratio; MAE: the share of patches removed).
 * Only the keys a control changed are written, so a configuration whose controls did not move stays
 * exactly as it was.
 */
export function withControls(config: Section, controls: Controls, previous: Controls): Section {
  const next = structuredClone(config);
  const uses = controlsUsedBy(String(config.method));
  if (uses.teacherTemperature && controls.teacherTemperature !== previous.teacherTemperature) {
    setPath(next, 'loss.teacherTemperature', controls.teacherTemperature);
    setPath(next, 'loss.warmupTeacherTemperature', controls.teacherTemperature);
  }
  if (uses.momentum && controls.momentum !== previous.momentum) {
    setPath(next, 'teacher.momentum', controls.momentum);
    setPath(next, 'teacher.finalMomentum', controls.momentum);
  }
  if (uses.maskRatio && controls.maskRatio !== previous.maskRatio) {
    setPath(next, 'masking.ratio', controls.maskRatio);
    if (config.method === 'ibot') setPath(next, 'masking.variance', 0);
  }
  return next;
}
