import type { StepLine, StepsSummaryLine } from '../run-metrics.js';
import { stepSeconds } from '../train-seconds.js';

/** Steps slower than this many images per second are counted as slow in a summary. */
export const SLOW_STEP_IMAGES_PER_SECOND = 150;

/** The median of some numbers (undefined for none). */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The step lines of a run in one summary line: how many, their training seconds (the sum of
 * {@link stepSeconds}), the median images per second and how many steps ran below
 * {@link SLOW_STEP_IMAGES_PER_SECOND}.
 *
 * @example
 * ```ts
 * const { trainSeconds, imagesPerSecond } = summarizeSteps(readRunMetrics('runs/ibot/metrics.jsonl').steps);
 * ```
 */
export function summarizeSteps(steps: readonly StepLine[]): StepsSummaryLine {
  const speeds = steps.flatMap((step) => (typeof step.imagesPerSecond === 'number' ? [step.imagesPerSecond] : []));
  const imagesPerSecond = median(speeds);
  return {
    type: 'steps',
    steps: steps.length,
    trainSeconds: steps.reduce((sum, step) => sum + stepSeconds(step), 0),
    ...(imagesPerSecond !== undefined
      ? {
          imagesPerSecond,
          slowSteps: speeds.filter((speed) => speed < SLOW_STEP_IMAGES_PER_SECOND).length,
          slowBelow: SLOW_STEP_IMAGES_PER_SECOND,
        }
      : {}),
  };
}
