import * as tf from '@tensorflow/tfjs-core';
import {
  SslError,
  checkInteger,
  checkPositive,
  invalidArgument,
  type Parameter,
  type Recipe,
  type StepContext,
} from '@selfsup/core';
import { cancelGradientsLastLayer, clipGradientsByGlobalNorm, clipGradientsPerParameter } from '@selfsup/optim';
import { disposeTensorsIn, tidyKeeping } from './tensors-in.js';

/** What the step needs of an optimizer: `createAdamW` from `@selfsup/optim` is one. */
export interface StepOptimizer {
  /**
   * Updates the parameters that have a gradient (keyed by parameter name), with the schedules
   * evaluated at `iteration`; a parameter without a gradient is skipped entirely.
   */
  step(gradients: ReadonlyMap<string, tf.Tensor>, iteration: number): { readonly learningRate: number; readonly weightDecay: number };
}

/**
 * Gradients of matching parameters are dropped while `epoch < untilEpoch`, as DINO's and iBOT's
 * `cancel_gradients_last_layer`: the optimizer then skips those parameters entirely.
 */
export interface FreezeRule {
  /** True for the parameter names to freeze, e.g. `(name) => name.includes('last_layer')`. */
  match(name: string): boolean;
  /** The first epoch (0-based) in which they train (iBOT's `freeze_last_layer`, 1). */
  untilEpoch: number;
}

/** How the step treats the gradients between the backward pass and the optimizer. */
export interface GradientOptions {
  /**
   * Clip each parameter's gradient to about this L2 norm on its own (DINO/iBOT `clip_grad`, 3.0):
   * `g *= clip / (||g|| + 1e-6)` when that factor is below 1.
   * @defaultValue no per-parameter clipping
   */
  clipPerParameter?: number;
  /**
   * Scale all gradients together so their joint L2 norm is at most about this (PyTorch's
   * `clip_grad_norm_`, used by MAE and BEiT). Applied after `clipPerParameter` when both are given.
   * @defaultValue no global clipping
   */
  clipGlobalNorm?: number;
  /**
   * Parameters whose gradients are dropped during the first epochs.
   * @defaultValue [] (nothing frozen)
   */
  freeze?: readonly FreezeRule[];
}

/** Options of {@link trainStep} and {@link trainStepAccumulated}. */
export interface TrainStepOptions {
  /** The optimizer (its learning-rate and weight-decay schedules are evaluated at `context.iteration`). */
  optimizer: StepOptimizer;
  /** Where the step stands, and its randomness (see `stepRng`). */
  context: StepContext;
  /**
   * Clipping and freezing.
   * @defaultValue {} (gradients used as computed)
   */
  gradients?: GradientOptions;
  /**
   * Combines the step's gradients (the micro-batches' mean) across data-parallel ranks before the
   * norm, clipping and the optimizer: `reduceGradients(communicator)` of `@selfsup/train` averages
   * them over the ranks. The step disposes what it returns and its input.
   * @defaultValue none (one process)
   */
  reduceGradients?: (gradients: Map<string, tf.Tensor>) => Promise<Map<string, tf.Tensor>>;
}

/** What one training step did, as host numbers. */
export interface StepResult {
  /** The global iteration of the step, from 0. */
  readonly iteration: number;
  /** Its epoch, from 0. */
  readonly epoch: number;
  /** The summed loss (the mean over micro-batches with accumulation). */
  readonly loss: number;
  /** Each objective's loss by objective name. */
  readonly terms: Readonly<Record<string, number>>;
  /** The objectives' extra scalars (`momentum`, `teacherTemperature`, ...). */
  readonly metrics: Readonly<Record<string, number>>;
  /** The optimizer's base learning rate at this iteration (before group scales). */
  readonly learningRate: number;
  /** The optimizer's base weight decay at this iteration (before group scales). */
  readonly weightDecay: number;
  /** The L2 norm of all gradients together, before clipping. */
  readonly gradNorm: number;
  /** How many parameters received a gradient (frozen and unused ones excluded). */
  readonly updatedParameters: number;
  /** How many micro-batches made the step (1 without accumulation). */
  readonly microBatches: number;
}

interface TrainableVariable {
  readonly parameter: Parameter;
  readonly variable: tf.Variable;
}

interface MicroBatchResult<Views, Targets> {
  /** Gradients by parameter name (parameters without a gradient are absent). */
  readonly gradients: Map<string, tf.Tensor>;
  /** `[1 + terms + metrics]`: the summed loss, each term, each metric. */
  readonly values: tf.Tensor1D;
  readonly termNames: readonly string[];
  readonly metricNames: readonly string[];
  readonly views: Views;
  readonly targets: Targets;
}

/** The recipe's trainable parameters whose variables tfjs can differentiate, each variable once. */
function trainableVariables(recipe: Recipe<unknown, unknown, unknown, unknown>): TrainableVariable[] {
  const parameters = recipe.trainableParameters();
  if (!Array.isArray(parameters)) {
    throw invalidArgument({ argument: `recipe "${recipe.name}".trainableParameters()`, expected: 'an array of Parameter', actual: parameters });
  }
  const out: TrainableVariable[] = [];
  const seen = new Set<tf.Variable>();
  const names = new Set<string>();
  for (const parameter of parameters) {
    if (!parameter.trainable || !parameter.variable.trainable || seen.has(parameter.variable)) continue;
    if (names.has(parameter.name)) {
      throw invalidArgument({
        argument: `recipe "${recipe.name}".trainableParameters()`,
        expected: 'unique parameter names (the optimizer and checkpoints key by name)',
        actual: `"${parameter.name}" twice`,
        fix: 'Prefix the names of each sub-module (backbone., head.).',
      });
    }
    seen.add(parameter.variable);
    names.add(parameter.name);
    out.push({ parameter, variable: parameter.variable });
  }
  if (out.length === 0) {
    throw invalidArgument({
      argument: `recipe "${recipe.name}".trainableParameters()`,
      expected: 'at least one trainable parameter',
      actual: 'none',
    });
  }
  return out;
}

function checkScalar(label: string, value: unknown): tf.Scalar {
  if (!(value instanceof tf.Tensor) || value.rank !== 0) {
    throw invalidArgument({
      argument: label,
      expected: 'a scalar tf.Tensor (rank 0)',
      actual: value instanceof tf.Tensor ? `a tensor of shape [${value.shape.join(', ')}]` : value,
      fix: 'Reduce the loss with tf.mean or tf.sum before returning it.',
    });
  }
  return value as tf.Scalar;
}

/** The objectives' scalars of one forward pass, in objective order, with their names. */
interface ObjectiveValues {
  readonly losses: tf.Scalar[];
  readonly metrics: tf.Scalar[];
}

/**
 * Runs every objective on the outputs (under the tape) and collects its loss and metrics, pushing
 * their names onto `termNames` and `metricNames`; names must be unique.
 */
function computeObjectives<Batch, Views, Outputs, Targets>(
  recipe: Recipe<Batch, Views, Outputs, Targets>,
  outputs: Outputs,
  targets: Targets,
  views: Views,
  context: StepContext,
  termNames: string[],
  metricNames: string[],
): ObjectiveValues {
  const losses: tf.Scalar[] = [];
  const metrics: tf.Scalar[] = [];
  for (const objective of recipe.objectives) {
    const result = objective.compute(outputs, targets, views, context);
    if (termNames.includes(objective.name)) {
      throw invalidArgument({ argument: `recipe "${recipe.name}".objectives`, expected: 'unique objective names', actual: objective.name });
    }
    termNames.push(objective.name);
    losses.push(checkScalar(`objective "${objective.name}" loss`, result?.loss));
    for (const [name, metric] of Object.entries(result.metrics ?? {})) {
      if (metricNames.includes(name)) {
        throw invalidArgument({
          argument: `objective "${objective.name}" metrics`,
          expected: 'metric names unique across the objectives',
          actual: name,
        });
      }
      metricNames.push(name);
      metrics.push(checkScalar(`objective "${objective.name}" metric "${name}"`, metric));
    }
  }
  return { losses, metrics };
}

/** tfjs's error for a loss that reaches no variable, as an `SslError` that says what to fix; other errors unchanged. */
function explainDisconnectedLoss(error: unknown, recipeName: string): unknown {
  if (error instanceof Error && !(error instanceof SslError) && /Cannot find a connection between any variable/.test(error.message)) {
    return new SslError(
      'INVALID_ARGUMENT',
      `trainStep: the loss of recipe "${recipeName}" does not depend on any of its trainableParameters(). ` +
        'Compute the loss from the outputs of forward(), under the tape, and list the student\'s parameters in trainableParameters().',
      { cause: error },
    );
  }
  return error;
}

/** `tf.variableGrads`' gradients (by variable name) by parameter name; a parameter the loss does not reach has none. */
function gradientsByParameterName(trainable: readonly TrainableVariable[], grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
  const byVariableName = new Map(trainable.map((t) => [t.variable.name, t.parameter.name]));
  const gradients = new Map<string, tf.Tensor>();
  for (const [variableName, gradient] of Object.entries(grads)) {
    if (gradient == null) continue; // a parameter the loss does not reach: no update this step
    gradients.set(byVariableName.get(variableName)!, gradient);
  }
  return gradients;
}

/** Views, targets, forward and objectives of one (micro-)batch, with the gradients of their sum. */
function lossAndGradients<Batch, Views, Outputs, Targets>(
  recipe: Recipe<Batch, Views, Outputs, Targets>,
  batch: Batch,
  context: StepContext,
  trainable: readonly TrainableVariable[],
): MicroBatchResult<Views, Targets> {
  const views = tidyKeeping('makeViews', () => recipe.makeViews(batch, context));
  let targets: Targets | undefined;
  let values: tf.Tensor1D | undefined;
  const termNames: string[] = [];
  const metricNames: string[] = [];
  try {
    // no tape is recording here: the targets carry no gradient
    targets = tidyKeeping('makeTargets', () => recipe.makeTargets(views, context));
    const fixedTargets = targets;
    const objectives = recipe.objectives;
    if (!Array.isArray(objectives) || objectives.length === 0) {
      throw invalidArgument({ argument: `recipe "${recipe.name}".objectives`, expected: 'at least one objective', actual: objectives });
    }
    let raw: { value: tf.Scalar; grads: tf.NamedTensorMap };
    try {
      raw = tf.variableGrads(() => {
        const outputs = recipe.forward(views, context);
        const { losses, metrics } = computeObjectives(recipe, outputs, fixedTargets, views, context, termNames, metricNames);
        const total = (losses.length === 1 ? losses[0]! : tf.addN(losses)) as tf.Scalar;
        // every logged number in one vector, kept past the tape's tidy: [total, terms..., metrics...]
        values = tf.keep(tf.stack([total, ...losses, ...metrics].map((s) => tf.cast(s, 'float32'))) as tf.Tensor1D);
        return total;
      }, trainable.map((t) => t.variable));
    } catch (error) {
      throw explainDisconnectedLoss(error, recipe.name);
    }
    raw.value.dispose();
    return { gradients: gradientsByParameterName(trainable, raw.grads), values: values!, termNames, metricNames, views, targets };
  } catch (error) {
    disposeTensorsIn([views, targets, values]);
    throw error;
  }
}

/** Adds `next` into `sums` (disposing the replaced tensors and `next`'s). */
function accumulate(sums: Map<string, tf.Tensor>, next: Map<string, tf.Tensor>): void {
  for (const [name, gradient] of next) {
    const previous = sums.get(name);
    if (!previous) {
      sums.set(name, gradient);
      continue;
    }
    sums.set(name, tf.tidy('accumulateGradients', () => tf.add(previous, gradient)));
    previous.dispose();
    gradient.dispose();
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function checkContext(context: StepContext): void {
  if (context === null || typeof context !== 'object') {
    throw invalidArgument({ argument: 'trainStep(options.context)', expected: 'a StepContext { iteration, epoch, iterationsPerEpoch, rng }', actual: context });
  }
  checkInteger('trainStep(options.context.iteration)', context.iteration, 0);
  checkInteger('trainStep(options.context.epoch)', context.epoch, 0);
  checkInteger('trainStep(options.context.iterationsPerEpoch)', context.iterationsPerEpoch, 1);
  if (!context.rng || typeof context.rng.next !== 'function') {
    throw invalidArgument({
      argument: 'trainStep(options.context.rng)',
      expected: 'an Rng',
      actual: context.rng,
      fix: 'Pass stepRng(seed, iteration) from @selfsup/train.',
    });
  }
}

/** The checked options of a step, with their defaults. */
interface ResolvedStepOptions {
  readonly optimizer: StepOptimizer;
  readonly context: StepContext;
  readonly clipPerParameter: number | undefined;
  readonly clipGlobalNorm: number | undefined;
  readonly freeze: readonly FreezeRule[];
}

/** Checks the micro-batches and options of {@link trainStepAccumulated}. */
function resolveStepOptions(microBatches: readonly unknown[], options: TrainStepOptions): ResolvedStepOptions {
  if (!Array.isArray(microBatches) || microBatches.length === 0) {
    throw invalidArgument({ argument: 'trainStepAccumulated(microBatches)', expected: 'a non-empty array of batches', actual: microBatches });
  }
  if (options === null || typeof options !== 'object' || !options.optimizer || typeof options.optimizer.step !== 'function') {
    throw invalidArgument({
      argument: 'trainStep(options.optimizer)',
      expected: 'an optimizer with step(gradients, iteration)',
      actual: options?.optimizer,
      fix: 'Pass createAdamW({ parameters: recipe.trainableParameters(), ... }) from @selfsup/optim.',
    });
  }
  const { optimizer, context, gradients: gradientOptions = {} } = options;
  checkContext(context);
  const { clipPerParameter, clipGlobalNorm, freeze = [] } = gradientOptions;
  if (clipPerParameter !== undefined) checkPositive('trainStep(options.gradients.clipPerParameter)', clipPerParameter);
  if (clipGlobalNorm !== undefined) checkPositive('trainStep(options.gradients.clipGlobalNorm)', clipGlobalNorm);
  for (const [i, rule] of freeze.entries()) {
    if (typeof rule?.match !== 'function') {
      throw invalidArgument({ argument: `trainStep(options.gradients.freeze[${i}].match)`, expected: 'a function (name) => boolean', actual: rule?.match });
    }
    checkInteger(`trainStep(options.gradients.freeze[${i}].untilEpoch)`, rule.untilEpoch, 0);
  }
  return { optimizer, context, clipPerParameter, clipGlobalNorm, freeze };
}

/**
 * Everything a step holds until it ends, disposed by {@link disposeStepTensors} whether it
 * succeeds or throws.
 */
interface StepTensors<Views, Targets> {
  /** The last micro-batch (its views and targets go to `afterStep`). */
  last: MicroBatchResult<Views, Targets> | undefined;
  /** With `mergeTargets`, the targets of the micro-batches before the last. */
  readonly earlierTargets: Targets[];
  /** Each micro-batch's `[total, terms..., metrics...]`. */
  readonly valueVectors: tf.Tensor1D[];
  /** The summed (then averaged) gradients by parameter name. */
  gradients: Map<string, tf.Tensor>;
  /** Anything else the step made (norms, clipped gradients, the read vector, merged targets). */
  readonly others: unknown[];
}

function disposeStepTensors<Views, Targets>(held: StepTensors<Views, Targets>): void {
  if (held.last) disposeTensorsIn([held.last.views, held.last.targets]);
  disposeTensorsIn(held.earlierTargets);
  disposeTensorsIn(held.valueVectors);
  disposeTensorsIn(held.gradients);
  for (const item of held.others) disposeTensorsIn(item);
}

/** The names of one micro-batch's logged values. */
interface ValueNames {
  readonly termNames: readonly string[];
  readonly metricNames: readonly string[];
}

/**
 * Steps 1-3 for every micro-batch: views, targets, loss and gradients; the gradients are summed
 * into `held.gradients`. Only the last micro-batch's views are kept (and, with `mergeTargets`,
 * every micro-batch's targets). Every micro-batch must have the same objectives and metrics.
 */
function runMicroBatches<Batch, Views, Outputs, Targets>(
  recipe: Recipe<Batch, Views, Outputs, Targets>,
  microBatches: readonly Batch[],
  context: StepContext,
  trainable: readonly TrainableVariable[],
  held: StepTensors<Views, Targets>,
): ValueNames {
  let termNames: readonly string[] = [];
  let metricNames: readonly string[] = [];
  for (const [i, batch] of microBatches.entries()) {
    const micro = lossAndGradients(recipe, batch, context, trainable);
    held.valueVectors.push(micro.values);
    accumulate(held.gradients, micro.gradients);
    if (held.last) {
      // with mergeTargets, every micro-batch's targets are kept for afterStep
      if (recipe.mergeTargets) held.earlierTargets.push(held.last.targets);
      disposeTensorsIn(recipe.mergeTargets ? held.last.views : [held.last.views, held.last.targets]);
    }
    held.last = micro;
    if (i === 0) {
      termNames = micro.termNames;
      metricNames = micro.metricNames;
    } else if (!sameNames(termNames, micro.termNames) || !sameNames(metricNames, micro.metricNames)) {
      throw invalidArgument({
        argument: `trainStepAccumulated(microBatches[${i}])`,
        expected: `the same objectives and metrics as micro-batch 0 (${[...termNames, ...metricNames].join(', ')})`,
        actual: [...micro.termNames, ...micro.metricNames].join(', '),
      });
    }
  }
  return { termNames, metricNames };
}

/** Divides the summed gradients by the micro-batch count (disposing the sums). */
function averageGradients<Views, Targets>(held: StepTensors<Views, Targets>, count: number): void {
  if (count <= 1) return;
  const sums = held.gradients;
  const names = [...sums.keys()];
  const means = tf.tidy('meanGradients', () => names.map((name) => tf.div(sums.get(name)!, tf.scalar(count))));
  disposeTensorsIn(sums);
  held.gradients = new Map(names.map((name, i) => [name, means[i]!]));
}

/** Combines the averaged gradients across data-parallel ranks (`options.reduceGradients`), disposing the local ones. */
async function reduceAcrossRanks<Views, Targets>(held: StepTensors<Views, Targets>, reduce: TrainStepOptions['reduceGradients']): Promise<void> {
  if (!reduce) return;
  const local = held.gradients;
  const reduced = await reduce(local);
  if (reduced === local) return;
  held.gradients = reduced;
  disposeTensorsIn(local);
}

/** The L2 norm of all gradients together (0 without gradients). The caller owns it. */
function globalGradientNorm(gradients: ReadonlyMap<string, tf.Tensor>): tf.Scalar {
  return tf.tidy('gradientNorm', () => {
    const squares = [...gradients.values()].map((g) => tf.sum(tf.square(g)));
    return (squares.length === 0 ? tf.scalar(0) : tf.sqrt(squares.length === 1 ? squares[0]! : tf.addN(squares))) as tf.Scalar;
  });
}

/** Per-parameter clipping, then global-norm clipping, as configured; what they make goes to `others`. */
function clipGradients(gradients: Map<string, tf.Tensor>, options: ResolvedStepOptions, others: unknown[]): Map<string, tf.Tensor> {
  let processed = gradients;
  if (options.clipPerParameter !== undefined) {
    const clipped = clipGradientsPerParameter(processed, options.clipPerParameter);
    others.push(clipped.gradients, clipped.norms);
    processed = clipped.gradients;
  }
  if (options.clipGlobalNorm !== undefined) {
    const clipped = clipGradientsByGlobalNorm(processed, options.clipGlobalNorm);
    others.push(clipped.gradients, clipped.totalNorm);
    processed = clipped.gradients;
  }
  return processed;
}

/** A step's numbers on the host: means over the micro-batches, and whether each loss was finite. */
interface StepValues {
  readonly loss: number;
  readonly terms: Record<string, number>;
  readonly metrics: Record<string, number>;
  readonly gradientNorm: number;
  readonly lossesFinite: boolean;
}

/** Step 5: every logged number of the step in one read from the device. */
async function readStepValues(valueVectors: readonly tf.Tensor1D[], gradNorm: tf.Scalar, names: ValueNames, others: unknown[]): Promise<StepValues> {
  const { termNames, metricNames } = names;
  const all = tf.tidy('stepValues', () => tf.concat([...valueVectors, tf.reshape(gradNorm, [1])]));
  others.push(all);
  const host = await all.data();
  const width = 1 + termNames.length + metricNames.length;
  const count = valueVectors.length;
  const mean = (offset: number): number => {
    let sum = 0;
    for (let m = 0; m < count; m++) sum += host[m * width + offset]!;
    return sum / count;
  };
  const terms: Record<string, number> = {};
  termNames.forEach((name, i) => (terms[name] = mean(1 + i)));
  const metrics: Record<string, number> = {};
  metricNames.forEach((name, i) => (metrics[name] = mean(1 + termNames.length + i)));
  const lossesFinite = Array.from(host.subarray(0, count * width)).every(
    (value, index) => index % width > termNames.length || Number.isFinite(value),
  );
  return { loss: mean(0), terms, metrics, gradientNorm: host[count * width]!, lossesFinite };
}

/**
 * Refuses a step whose loss (a total or a term, of any micro-batch) or gradient norm is not
 * finite, before anything is updated.
 * @throws SslError `NON_FINITE_LOSS` naming the iteration, the recipe and each term.
 */
function checkFinite(values: StepValues, termNames: readonly string[], context: StepContext, recipeName: string): void {
  const { loss, terms, gradientNorm, lossesFinite } = values;
  if (lossesFinite && Number.isFinite(gradientNorm)) return;
  const described = termNames.map((name) => `${name} = ${terms[name]}`).join(', ');
  const what = lossesFinite ? `the gradient norm is ${gradientNorm} although the loss (${loss}) is finite` : `the loss is ${loss} (${described})`;
  throw new SslError(
    'NON_FINITE_LOSS',
    `trainStep: at iteration ${context.iteration} (epoch ${context.epoch}) of recipe "${recipeName}", ${what}. ` +
      'The parameters were not updated. Lower the learning rate or lengthen its warm-up, clip the gradients ' +
      '(gradients.clipPerParameter, 3.0 in iBOT), check the inputs for NaN, and resume from the last checkpoint.',
    { details: { iteration: context.iteration, epoch: context.epoch, loss, terms, gradNorm: gradientNorm } },
  );
}

/** Step 6: drops the gradients of parameters frozen at this epoch (the optimizer then skips them). */
function dropFrozen(gradients: Map<string, tf.Tensor>, freeze: readonly FreezeRule[], epoch: number): Map<string, tf.Tensor> {
  let kept = gradients;
  for (const rule of freeze) kept = cancelGradientsLastLayer(kept, epoch, rule.untilEpoch, (name) => rule.match(name));
  return kept;
}

/**
 * `recipe.afterStep` (EMA teacher, centres) with the last micro-batch's views and its targets or,
 * with `mergeTargets` and several micro-batches, all of them merged.
 */
function runAfterStep<Batch, Views, Outputs, Targets>(
  recipe: Recipe<Batch, Views, Outputs, Targets>,
  held: StepTensors<Views, Targets>,
  context: StepContext,
): void {
  const last = held.last!;
  if (recipe.mergeTargets && held.earlierTargets.length > 0) {
    const merged = tidyKeeping('mergeTargets', () => recipe.mergeTargets!([...held.earlierTargets, last.targets]));
    held.others.push(merged);
    tf.tidy('afterStep', () => recipe.afterStep(last.views, merged, context));
  } else {
    tf.tidy('afterStep', () => recipe.afterStep(last.views, last.targets, context));
  }
}

/**
 * One optimisation step over several micro-batches whose gradients are averaged before the
 * update (gradient accumulation: a large batch processed in pieces that fit in memory). Each
 * micro-batch runs `makeViews`, `makeTargets`, `forward` and the objectives with the same
 * `context` (its `rng` continues from one micro-batch to the next). With losses averaged over
 * each micro-batch and micro-batches of equal size, the update is the one of the whole batch.
 * `afterStep` runs once, after the update, with the views of the last micro-batch and the targets
 * of the last one or, when the recipe has `mergeTargets`, of all of them merged (so centres see
 * the whole batch).
 *
 * Otherwise exactly {@link trainStep}.
 *
 * @example
 * ```ts
 * const result = await trainStepAccumulated(recipe, [firstHalf, secondHalf], { optimizer, context });
 * ```
 */
export async function trainStepAccumulated<Batch, Views, Outputs, Targets>(
  recipe: Recipe<Batch, Views, Outputs, Targets>,
  microBatches: readonly Batch[],
  options: TrainStepOptions,
): Promise<StepResult> {
  const resolved = resolveStepOptions(microBatches, options);
  const { optimizer, context } = resolved;
  const trainable = trainableVariables(recipe as Recipe<unknown, unknown, unknown, unknown>);
  const held: StepTensors<Views, Targets> = { last: undefined, earlierTargets: [], valueVectors: [], gradients: new Map(), others: [] };
  try {
    // 1-3. views, targets, loss and gradients of every micro-batch; gradients averaged
    const names = runMicroBatches(recipe, microBatches, context, trainable, held);
    averageGradients(held, microBatches.length);
    await reduceAcrossRanks(held, options.reduceGradients);
    // 4. the global norm before clipping, then clipping
    const gradNorm = globalGradientNorm(held.gradients);
    held.others.push(gradNorm);
    const processed = clipGradients(held.gradients, resolved, held.others);
    // 5. every logged number in one read, and the finiteness check before any update
    const values = await readStepValues(held.valueVectors, gradNorm, names, held.others);
    checkFinite(values, names.termNames, context, recipe.name);
    // 6. freezing: dropped gradients are skipped by the optimizer
    const kept = dropFrozen(processed, resolved.freeze, context.epoch);
    // 7. the update, then what follows it (EMA teacher, centres)
    const info = optimizer.step(kept, context.iteration);
    runAfterStep(recipe, held, context);
    return {
      iteration: context.iteration,
      epoch: context.epoch,
      loss: values.loss,
      terms: values.terms,
      metrics: values.metrics,
      learningRate: info.learningRate,
      weightDecay: info.weightDecay,
      gradNorm: values.gradientNorm,
      updatedParameters: kept.size,
      microBatches: microBatches.length,
    };
  } finally {
    disposeStepTensors(held);
  }
}

/**
 * The one generic training step of selfsup: every recipe (iBOT, DINO, MAE, BEiT-style) runs
 * through it unchanged. In order:
 *
 * 1. `views = recipe.makeViews(batch)`: crops and masks, from `context.rng`;
 * 2. `targets = recipe.makeTargets(views)`: teacher outputs and anything else without gradient,
 *    before the tape;
 * 3. under the tape, `recipe.forward(views)` and every objective; their losses are summed and
 *    differentiated w.r.t. `recipe.trainableParameters()` only (a parameter the loss does not
 *    reach, such as an unused mask token, gets no gradient and no update: no weight decay either);
 * 4. the global gradient norm, then per-parameter and/or global-norm clipping;
 * 5. one read of every logged number; a non-finite loss (or gradient) throws
 *    `SslError('NON_FINITE_LOSS')` before anything is updated;
 * 6. frozen parameters' gradients are dropped (`freeze`, iBOT's `cancel_gradients_last_layer`);
 * 7. `optimizer.step(gradients, iteration)`, then `recipe.afterStep` (EMA teacher, centres).
 *
 * Every tensor the step creates is disposed, so the tensor count is the same after each step
 * (after the first, which creates the optimizer's moments). Views and targets may hold tensors
 * in arrays, plain objects and Maps; the step disposes them all (variables excepted).
 *
 * @returns the step's numbers, read from the device once.
 * @throws SslError `NON_FINITE_LOSS` naming the iteration and each term; the parameters, the
 * optimizer and the recipe's state are then as they were before the step.
 * @example
 * ```ts
 * const optimizer = createAdamW({ parameters: recipe.trainableParameters(), learningRate: 1e-3 });
 * for (let iteration = 0; iteration < 100; iteration++) {
 *   const context = { iteration, epoch: 0, iterationsPerEpoch: 100, rng: stepRng(0, iteration) };
 *   const { loss } = await trainStep(recipe, batches[iteration]!, { optimizer, context, gradients: { clipPerParameter: 3 } });
 * }
 * ```
 */
export function trainStep<Batch, Views, Outputs, Targets>(
  recipe: Recipe<Batch, Views, Outputs, Targets>,
  batch: Batch,
  options: TrainStepOptions,
): Promise<StepResult> {
  return trainStepAccumulated(recipe, [batch], options);
}
