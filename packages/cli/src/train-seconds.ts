import type { StepLine } from './run-metrics.js';

/** The wall-clock seconds of one step line: the step and the wait for its batch (0 when not recorded). */
export function stepSeconds(step: Pick<StepLine, 'stepMs' | 'dataMs'>): number {
  return ((step.stepMs ?? 0) + (step.dataMs ?? 0)) / 1000;
}

/**
 * Seconds of training up to and including `iteration`: the sum of {@link stepSeconds} over the step
 * lines of iterations `<= iteration`. A resumed run's `metrics.jsonl` holds each iteration once
 * (the lines of steps run again are replaced), so the sum counts every step once; evaluations,
 * checkpoint writes and start-up are not steps, so they are not counted. `-1` gives 0.
 *
 * @example
 * ```ts
 * const { steps, knn } = readRunMetrics('runs/ibot/metrics.jsonl');
 * const hours = trainSecondsAt(steps, knn.at(-1)!.iteration) / 3600;
 * ```
 */
export function trainSecondsAt(steps: readonly StepLine[], iteration: number): number {
  let seconds = 0;
  for (const step of steps) if (step.iteration <= iteration) seconds += stepSeconds(step);
  return seconds;
}

/** The clock of a run's training time, advanced by each step (see {@link createTrainingClock}). */
export interface TrainingClock {
  /** Adds a finished step's wall-clock (`stepMs + dataMs` of its metrics record). */
  step(record: Pick<StepLine, 'stepMs' | 'dataMs'>): void;
  /** Seconds of training so far. */
  seconds(): number;
}

/**
 * A clock of training seconds that carries a k-NN or linear-probe line of the metrics
 * (`trainSeconds`): it starts at `startSeconds` (a resumed run: {@link trainSecondsAt} of the
 * steps before the resumed one, read before `train()` rewrites the file) and adds each step's
 * wall-clock, so it equals what {@link trainSecondsAt} computes from the file afterwards.
 *
 * @example
 * ```ts
 * const clock = createTrainingClock(resumeFrom ? trainSecondsAt(readRunMetrics(path).steps, resumeFrom.metadata.step - 1) : 0);
 * // in train()'s onStep: clock.step(record); ... { trainSeconds: clock.seconds() }
 * ```
 */
export function createTrainingClock(startSeconds = 0): TrainingClock {
  let seconds = startSeconds;
  return {
    step: (record) => {
      seconds += stepSeconds(record);
    },
    seconds: () => seconds,
  };
}
