import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from '@selfsup/backbones';
import {
  SslError,
  checkNumber,
  checkShape,
  invalidArgument,
  sizeOf,
  type HostTensor,
  type Parameter,
  type Schedule,
} from '@selfsup/core';
import { gradientEntries, type Gradients } from './gradients.js';
import { createParameterGroups, type ParameterGroup } from './parameter-groups.js';
import { toSchedule } from './schedule.js';

/** Options of {@link createAdamW}. */
export interface AdamWOptions {
  /**
   * The parameter groups (see {@link createParameterGroups}). Give either `groups` or `parameters`.
   * @defaultValue createParameterGroups(parameters)
   */
  groups?: readonly ParameterGroup[];
  /** The parameters, split with iBOT's rule by {@link createParameterGroups}. Give either `groups` or `parameters`. */
  parameters?: readonly Parameter[];
  /**
   * The learning rate, a number or a per-iteration schedule; each group multiplies it by its
   * `learningRateScale`.
   * @defaultValue 1e-3 (PyTorch's default)
   */
  learningRate?: number | Schedule;
  /**
   * The decoupled weight decay, a number or a per-iteration schedule; each group multiplies it
   * by its `weightDecayScale` (0 for biases and 1-D parameters).
   * @defaultValue 0.01 (PyTorch's default)
   */
  weightDecay?: number | Schedule;
  /**
   * The decay rates of the first and second moment estimates.
   * @defaultValue [0.9, 0.999]
   */
  betas?: readonly [number, number];
  /**
   * Added to the bias-corrected root of the second moment (PyTorch's 1e-8; tfjs's Adam uses 1e-7).
   * @defaultValue 1e-8
   */
  eps?: number;
}

/** The hyper-parameters one {@link AdamW.step} used, before the group scales. */
export interface AdamWStepInfo {
  /** `learningRate.at(iteration)`. */
  readonly learningRate: number;
  /** `weightDecay.at(iteration)`. */
  readonly weightDecay: number;
  /** How many parameters had a gradient and were updated. */
  readonly updatedParameters: number;
}

/** The state of one parameter in {@link AdamWState}, in our layout (see `Parameter.torch`). */
export interface AdamWParameterState {
  /** How many updates this parameter has had (PyTorch's per-parameter `state["step"]`). */
  readonly step: number;
  /** The first moment estimate (`exp_avg`). */
  readonly firstMoment: HostTensor;
  /** The second moment estimate (`exp_avg_sq`). */
  readonly secondMoment: HostTensor;
}

/** Everything needed to resume an {@link AdamW} exactly: plain host data for checkpoints. */
export interface AdamWState {
  readonly format: 'selfsup.adamw.v1';
  /** By parameter name; a parameter that never had a gradient has no entry. */
  readonly parameters: Readonly<Record<string, AdamWParameterState>>;
}

/**
 * AdamW as PyTorch's `torch.optim.AdamW`: Adam with bias correction and weight decay decoupled
 * from the gradient. Its tensors are `tf.Variable`s updated in place.
 */
export interface AdamW {
  /** The groups, as given or as made from `parameters`. */
  readonly groups: readonly ParameterGroup[];
  /**
   * Updates every parameter that has a gradient, with the schedules evaluated at `iteration`
   * (the global iteration, `epoch * iterationsPerEpoch + i` in iBOT). A parameter with no entry in
   * `gradients` is skipped entirely, as PyTorch skips `p.grad is None`: no decay, no moment
   * update, no step count. Gradients are keyed by parameter name (`blocks.0.attn.qkv.weight`)
   * or by variable name (the keys of `tf.variableGrads`). Does not dispose `gradients`.
   */
  step(gradients: Gradients, iteration: number): AdamWStepInfo;
  /** The moments and step counts as host arrays. */
  getState(): Promise<AdamWState>;
  /** Replaces the moments and step counts with a saved state (parameters absent from it start afresh). */
  setState(state: AdamWState): void;
  /** Disposes the moment variables. The optimizer cannot be used afterwards. */
  dispose(): void;
}

/** One parameter with its group's scales, its moments (made at its first gradient) and its step count. */
interface Slot {
  readonly parameter: Parameter;
  readonly group: ParameterGroup;
  readonly learningRateScale: number;
  readonly weightDecayScale: number;
  firstMoment?: tf.Variable;
  secondMoment?: tf.Variable;
  step: number;
}

/** The hyper-parameters of {@link createAdamW}, checked, with their defaults. */
interface AdamWSettings {
  readonly groups: readonly ParameterGroup[];
  readonly learningRate: Schedule;
  readonly weightDecay: Schedule;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

/** The slots of an optimizer, and the two ways gradients name them. */
interface SlotIndex {
  readonly slots: readonly Slot[];
  /** By parameter name (`blocks.0.attn.qkv.weight`). */
  readonly byName: ReadonlyMap<string, Slot>;
  /** By variable name (the keys of `tf.variableGrads`). */
  readonly byVariableName: ReadonlyMap<string, Slot>;
}

/** One parameter's gradient in a step. */
interface SlotUpdate {
  readonly slot: Slot;
  readonly gradient: tf.Tensor;
}

/** Checks the options of {@link createAdamW} and fills in PyTorch's defaults. */
function resolveSettings(options: AdamWOptions): AdamWSettings {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: 'createAdamW(options)', expected: 'an options object', actual: options });
  }
  if ((options.groups === undefined) === (options.parameters === undefined)) {
    throw invalidArgument({
      argument: 'createAdamW(options.groups | options.parameters)',
      expected: 'exactly one of groups and parameters',
      actual: options.groups === undefined ? 'neither' : 'both',
      fix: 'Pass groups from createParameterGroups(parameters), or the parameters alone.',
    });
  }
  const groups = options.groups ?? createParameterGroups(options.parameters!);
  const learningRate = toSchedule(options.learningRate ?? 1e-3, 'createAdamW(options.learningRate)');
  const weightDecay = toSchedule(options.weightDecay ?? 0.01, 'createAdamW(options.weightDecay)');
  const betas = options.betas ?? [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw invalidArgument({ argument: 'createAdamW(options.betas)', expected: 'a pair [beta1, beta2]', actual: betas });
  }
  const beta1 = checkNumber('createAdamW(options.betas[0])', betas[0], 0, 1 - Number.EPSILON);
  const beta2 = checkNumber('createAdamW(options.betas[1])', betas[1], 0, 1 - Number.EPSILON);
  const eps = checkNumber('createAdamW(options.eps)', options.eps ?? 1e-8, 0);
  return { groups, learningRate, weightDecay, beta1, beta2, eps };
}

/**
 * One slot per parameter of `groups`, indexed by parameter and variable name.
 * @throws SslError `INVALID_ARGUMENT` for a parameter in two groups, a variable listed twice or a
 * parameter whose variable is no `tf.Variable`.
 */
function indexParameters(groups: readonly ParameterGroup[]): SlotIndex {
  const slots: Slot[] = [];
  const byName = new Map<string, Slot>();
  const byVariableName = new Map<string, Slot>();
  const byVariable = new Map<tf.Variable, Slot>();
  for (const [g, group] of groups.entries()) {
    const learningRateScale = checkNumber(`createAdamW(options.groups[${g}].learningRateScale)`, group.learningRateScale ?? 1, 0);
    const weightDecayScale = checkNumber(`createAdamW(options.groups[${g}].weightDecayScale)`, group.weightDecayScale ?? 1, 0);
    for (const parameter of group.parameters) {
      if (byName.has(parameter.name)) {
        throw invalidArgument({
          argument: `createAdamW(options.groups[${g}] "${group.name}")`,
          expected: 'each parameter in one group only',
          actual: parameter.name,
        });
      }
      if (byVariable.has(parameter.variable)) {
        throw invalidArgument({
          argument: `createAdamW(options.groups[${g}] "${group.name}")`,
          expected: 'each variable once (it would be updated twice per step)',
          actual: `${parameter.name}, the same variable as ${byVariable.get(parameter.variable)!.parameter.name}`,
          fix: 'Build the groups with createParameterGroups, which lists a shared variable once.',
        });
      }
      if (!(parameter.variable instanceof tf.Variable)) {
        throw invalidArgument({
          argument: `createAdamW(parameter "${parameter.name}".variable)`,
          expected: 'a tf.Variable',
          actual: parameter.variable,
        });
      }
      const slot: Slot = { parameter, group, learningRateScale, weightDecayScale, step: 0 };
      slots.push(slot);
      byName.set(parameter.name, slot);
      byVariableName.set(parameter.variable.name, slot);
      byVariable.set(parameter.variable, slot);
    }
  }
  return { slots, byName, byVariableName };
}

/** The slot a gradient key names, by parameter name or else by variable name. */
function slotOf(index: SlotIndex, key: string): Slot {
  const slot = index.byName.get(key) ?? index.byVariableName.get(key);
  if (!slot) {
    const known = [...index.byName.keys()];
    throw invalidArgument({
      argument: `adamw.step(gradients["${key}"])`,
      expected: `the name of a parameter of the optimizer (${known.slice(0, 6).join(', ')}${known.length > 6 ? ', ...' : ''})`,
      actual: key,
      fix: 'Key gradients by parameter name or by variable name, and give the optimizer every trainable parameter.',
    });
  }
  return slot;
}

/** Pairs each gradient with its slot: one gradient per parameter, of the parameter's shape. */
function matchGradients(index: SlotIndex, entries: ReadonlyMap<string, tf.Tensor>): SlotUpdate[] {
  const updates: SlotUpdate[] = [];
  const updated = new Set<Slot>();
  for (const [key, gradient] of entries) {
    const slot = slotOf(index, key);
    if (updated.has(slot)) {
      throw invalidArgument({
        argument: `adamw.step(gradients["${key}"])`,
        expected: 'one gradient per parameter',
        actual: `a second gradient for ${slot.parameter.name}`,
      });
    }
    checkShape(`adamw.step(gradients["${key}"])`, gradient.shape, slot.parameter.variable.shape, 'the parameter shape');
    updated.add(slot);
    updates.push({ slot, gradient });
  }
  return updates;
}

/** Zero moments for a slot that has none yet (its first gradient). */
function ensureMoments(slot: Slot): void {
  if (!slot.firstMoment || !slot.secondMoment) {
    const variable = slot.parameter.variable;
    slot.firstMoment = tf.tidy(() => tf.variable(tf.zeros(variable.shape, 'float32'), false));
    slot.secondMoment = tf.tidy(() => tf.variable(tf.zeros(variable.shape, 'float32'), false));
  }
}

/** Disposes a slot's moments; with `resetStep`, it starts afresh. */
function disposeMoments(slot: Slot, resetStep: boolean): void {
  slot.firstMoment?.dispose();
  slot.secondMoment?.dispose();
  slot.firstMoment = undefined;
  slot.secondMoment = undefined;
  if (resetStep) slot.step = 0;
}

/**
 * The numbers of one parameter's update at its next step `t` (counted here), in float64; each
 * becomes a float32 scalar (the composite's `tf.scalar`, the fused kernel's rounding). They are the
 * attributes of the fused kernel `SelfsupAdamW` (docs/concepts/fused-kernels.md).
 */
interface UpdateScalars {
  /** `1 - lr * wd`; undefined when `wd == 0` (PyTorch skips the multiplication; the kernel gets 1, and `p * 1` is `p`). */
  readonly decay: number | undefined;
  readonly beta1: number;
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  readonly oneMinusBeta2: number;
  /** `sqrt(1 - beta2^t)`. */
  readonly biasCorrection2Sqrt: number;
  readonly eps: number;
  /** `lr / (1 - beta1^t)`. */
  readonly stepSize: number;
}

/** Counts the slot's step and returns the scalars of its update (the group's scales applied). */
function nextStep(slot: Slot, baseLearningRate: number, baseWeightDecay: number, settings: AdamWSettings): UpdateScalars {
  const { beta1, beta2, eps } = settings;
  const lr = baseLearningRate * slot.learningRateScale;
  const wd = baseWeightDecay * slot.weightDecayScale;
  slot.step += 1;
  const t = slot.step;
  return {
    decay: wd !== 0 ? 1 - lr * wd : undefined,
    beta1,
    oneMinusBeta1: 1 - beta1,
    beta2,
    oneMinusBeta2: 1 - beta2,
    biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** t),
    eps,
    stepSize: lr / (1 - beta1 ** t),
  };
}

/** Updates one parameter in place from its gradient (float32) and scalars, inside the caller's tidy. */
type UpdateParameter = (slot: Slot, gradient: tf.Tensor, scalars: UpdateScalars) => void;

/**
 * The update as tfjs ops: decays the weights, updates both moments and takes the bias-corrected
 * step; 14 kernel calls per parameter (13 without weight decay).
 */
function updateParameterComposite(slot: Slot, g: tf.Tensor, s: UpdateScalars): void {
  const variable = slot.parameter.variable;
  const m = slot.firstMoment!;
  const v = slot.secondMoment!;
  // p <- p * (1 - lr * wd): PyTorch skips it when wd == 0
  const decayed = s.decay !== undefined ? tf.mul(variable, tf.scalar(s.decay)) : variable;
  const nextM = tf.add(tf.mul(m, tf.scalar(s.beta1)), tf.mul(g, tf.scalar(s.oneMinusBeta1)));
  const nextV = tf.add(tf.mul(v, tf.scalar(s.beta2)), tf.mul(tf.mul(g, g), tf.scalar(s.oneMinusBeta2)));
  const denominator = tf.add(tf.div(tf.sqrt(nextV), tf.scalar(s.biasCorrection2Sqrt)), tf.scalar(s.eps));
  const nextP = tf.sub(decayed, tf.div(tf.mul(nextM, tf.scalar(s.stepSize)), denominator));
  m.assign(nextM);
  v.assign(nextV);
  variable.assign(nextP);
}

/**
 * The same update as the backend's fused kernel `SelfsupAdamW`: one call, the same float32
 * operations in the same order (on the native backend the same numbers bit for bit).
 */
function updateParameterFused(slot: Slot, g: tf.Tensor, s: UpdateScalars): void {
  const variable = slot.parameter.variable;
  const attrs = { ...s, decay: s.decay ?? 1 };
  const [nextP, nextM, nextV] = runFusedKernel(FUSED_KERNELS.adamw, { p: variable, g, m: slot.firstMoment!, v: slot.secondMoment! }, attrs);
  slot.firstMoment!.assign(nextM!);
  slot.secondMoment!.assign(nextV!);
  variable.assign(nextP!);
}

/** The fused kernel when the active backend registers it, else the composite formula. */
function chooseUpdate(): UpdateParameter {
  return hasFusedKernel(FUSED_KERNELS.adamw) ? updateParameterFused : updateParameterComposite;
}

/** The moments and step counts of the slots that have had a gradient, as host arrays. */
async function readState(slots: readonly Slot[]): Promise<AdamWState> {
  const parameters: Record<string, AdamWParameterState> = {};
  for (const slot of slots) {
    if (!slot.firstMoment || !slot.secondMoment) continue;
    const shape = [...slot.parameter.variable.shape];
    const [m, v] = await Promise.all([slot.firstMoment.data(), slot.secondMoment.data()]);
    parameters[slot.parameter.name] = {
      step: slot.step,
      firstMoment: { shape, data: Float32Array.from(m as Float32Array) },
      secondMoment: { shape: [...shape], data: Float32Array.from(v as Float32Array) },
    };
  }
  return { format: 'selfsup.adamw.v1', parameters };
}

/**
 * Checks a saved state against the slots (format, known parameters, step counts, moment shapes)
 * before anything is changed.
 * @throws SslError `CHECKPOINT_INCOMPATIBLE` naming the first problem.
 */
function checkState(index: SlotIndex, state: AdamWState): void {
  if (state === null || typeof state !== 'object' || state.format !== 'selfsup.adamw.v1' || typeof state.parameters !== 'object') {
    throw new SslError(
      'CHECKPOINT_INCOMPATIBLE',
      `adamw.setState(state): expected { format: "selfsup.adamw.v1", parameters }, got ${JSON.stringify(state)?.slice(0, 200)}. Pass a value returned by adamw.getState().`,
    );
  }
  for (const [name, entry] of Object.entries(state.parameters)) {
    const slot = index.byName.get(name);
    if (!slot) {
      throw new SslError('CHECKPOINT_INCOMPATIBLE', `adamw.setState(state): the state has parameter "${name}", which this optimizer does not hold. Was it saved from another model?`);
    }
    const shape = slot.parameter.variable.shape;
    if (!Number.isInteger(entry.step) || entry.step < 1) {
      throw new SslError('CHECKPOINT_INCOMPATIBLE', `adamw.setState(state.parameters["${name}"].step): expected an integer >= 1, got ${entry.step}.`);
    }
    for (const key of ['firstMoment', 'secondMoment'] as const) {
      const tensor = entry[key];
      const ok =
        tensor !== null &&
        typeof tensor === 'object' &&
        Array.isArray(tensor.shape) &&
        tensor.shape.length === shape.length &&
        tensor.shape.every((d, i) => d === shape[i]) &&
        tensor.data !== undefined &&
        tensor.data.length === sizeOf(shape);
      if (!ok) {
        throw new SslError(
          'CHECKPOINT_INCOMPATIBLE',
          `adamw.setState(state.parameters["${name}"].${key}): expected shape [${shape.join(', ')}] with ${sizeOf(shape)} values, got shape ${JSON.stringify(tensor?.shape)} with ${tensor?.data?.length} values.`,
        );
      }
    }
  }
}

/** Replaces every slot's moments and step count with a checked state (see {@link checkState}). */
function loadState(index: SlotIndex, state: AdamWState): void {
  for (const slot of index.slots) disposeMoments(slot, true);
  for (const [name, entry] of Object.entries(state.parameters)) {
    const slot = index.byName.get(name)!;
    const shape = slot.parameter.variable.shape;
    slot.step = entry.step;
    slot.firstMoment = tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(entry.firstMoment.data), shape, 'float32'), false));
    slot.secondMoment = tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(entry.secondMoment.data), shape, 'float32'), false));
  }
}

/**
 * Creates an AdamW optimizer that matches PyTorch's `torch.optim.AdamW` step for step. At each
 * step, for a parameter `p` with gradient `g`, learning rate `lr` and weight decay `wd` (the
 * schedules at `iteration` times the group's scales) and its own step count `t`:
 *
 * ```
 * p = p * (1 - lr * wd)                                  // decoupled weight decay
 * m = beta1 * m + (1 - beta1) * g                         // first moment
 * v = beta2 * v + (1 - beta2) * g^2                       // second moment
 * p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * ```
 *
 * Unlike `tf.train.adam`, the decay is decoupled (Loshchilov & Hutter), `eps` is added after the
 * bias correction (1e-8 by default) and the hyper-parameters follow schedules.
 *
 * Each parameter's update is one call of the fused kernel `SelfsupAdamW` on backends that register
 * it (`native`, `webgpu`; docs/concepts/fused-kernels.md), else 13 tfjs ops (14 with weight decay):
 * the same float32 operations in the same order either way (bit for bit on the native backend).
 *
 * @example
 * ```ts
 * const optimizer = createAdamW({
 *   groups: createParameterGroups([...vit.parameters(), ...head.parameters()]),
 *   learningRate: cosineSchedule({ baseValue: 5e-4, finalValue: 1e-6, epochs, iterationsPerEpoch, warmupEpochs: 10 }),
 *   weightDecay: cosineSchedule({ baseValue: 0.04, finalValue: 0.4, epochs, iterationsPerEpoch }),
 * });
 * const { grads } = tf.variableGrads(loss, variables);
 * optimizer.step(grads, iteration);
 * tf.dispose(grads);
 * ```
 */
export function createAdamW(options: AdamWOptions): AdamW {
  const settings = resolveSettings(options);
  const index = indexParameters(settings.groups);
  let disposed = false;

  function assertLive(method: string): void {
    if (disposed) throw new SslError('DISPOSED', `adamw.${method}(): the optimizer was disposed. Create a new one with createAdamW.`);
  }

  return {
    groups: settings.groups,

    step(gradients: Gradients, iteration: number): AdamWStepInfo {
      assertLive('step');
      const entries = gradientEntries(gradients, 'adamw.step(gradients)');
      const baseLearningRate = settings.learningRate.at(iteration);
      const baseWeightDecay = settings.weightDecay.at(iteration);
      const updates = matchGradients(index, entries);
      for (const { slot } of updates) ensureMoments(slot);
      const update = chooseUpdate();
      tf.tidy('adamwStep', () => {
        for (const { slot, gradient } of updates) {
          const scalars = nextStep(slot, baseLearningRate, baseWeightDecay, settings);
          update(slot, gradient.dtype === 'float32' ? gradient : tf.cast(gradient, 'float32'), scalars);
        }
      });
      return { learningRate: baseLearningRate, weightDecay: baseWeightDecay, updatedParameters: updates.length };
    },

    async getState(): Promise<AdamWState> {
      assertLive('getState');
      return readState(index.slots);
    },

    setState(state: AdamWState): void {
      assertLive('setState');
      checkState(index, state); // everything is checked before anything changes
      loadState(index, state);
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const slot of index.slots) disposeMoments(slot, false);
    },
  };
}
