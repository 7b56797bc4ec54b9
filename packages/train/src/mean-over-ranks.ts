import type { Communicator } from '@selfsup/distributed';
import type { StepResult } from './train-step.js';

/** A step's numbers on one rank, and how many images it trained on (undefined when unknown). */
export interface RankStep {
  readonly result: StepResult;
  readonly images: number | undefined;
}

/** `[loss, ...terms, ...metrics, images]` in the order of the result's keys (the same recipe on every rank). */
function packScalars(step: RankStep): Float32Array {
  const { loss, terms, metrics } = step.result;
  return Float32Array.from([loss, ...Object.values(terms), ...Object.values(metrics), step.images ?? Number.NaN]);
}

/** Column `index` of the gathered rows, summed in float64 (constants stay exact; the order is the rank order). */
function columnSum(gathered: Float32Array, width: number, index: number): number {
  let sum = 0;
  for (let row = index; row < gathered.length; row += width) sum += gathered[row]!;
  return sum;
}

/**
 * What rank 0 logs for a data-parallel step: the loss, each term and each metric as their mean over
 * the ranks (each rank's is the mean over its own batch, so with equal batches this is the loss of
 * the global batch), and the images of every rank together (undefined when a rank does not know
 * its count). One small collective of `worldSize × (3 + terms + metrics)` floats, on its own,
 * after the step: the values are gathered and averaged in float64 in rank order, so a metric every
 * rank shares (a momentum, a temperature) stays exactly what it is. The learning rate, weight
 * decay and gradient norm are already the same on every rank (the norm is taken after the
 * gradients are averaged). On a world of one, the step itself and no collective.
 *
 * Every rank must call it after every step (it is a collective), with results of the same keys.
 *
 * @example
 * ```ts
 * const { result, images } = await meanOverRanks(communicator, { result: local, images: 32 });
 * ```
 */
export async function meanOverRanks(communicator: Communicator, step: RankStep): Promise<RankStep> {
  const { worldSize } = communicator;
  if (worldSize === 1) return step;
  const local = packScalars(step);
  const gathered = await communicator.allGather(local);
  const mean = (index: number): number => columnSum(gathered, local.length, index) / worldSize;
  let index = 0;
  const loss = mean(index++);
  const terms = Object.fromEntries(Object.keys(step.result.terms).map((name) => [name, mean(index++)]));
  const metrics = Object.fromEntries(Object.keys(step.result.metrics).map((name) => [name, mean(index++)]));
  const images = columnSum(gathered, local.length, index);
  return { result: { ...step.result, loss, terms, metrics }, images: Number.isNaN(images) ? undefined : images };
}
