import type { Backbone } from '@selfsup/core';
import type { ImageDataset } from '@selfsup/data';
import type { FeatureToken } from '@selfsup/eval';
import type { MethodInput } from './method-registry.js';
import type { LinearLine } from './run-metrics.js';
import { runLinearProbe } from './run-linear-probe.js';
import type { TrainingClock } from './train-seconds.js';

/** Options of {@link createLinearSchedule}. */
export interface LinearScheduleOptions {
  /** The backbones to probe, by name (`teacher`, `student`), as `run.knnOf` picks them. */
  readonly backbones: readonly (readonly [string, Backbone])[];
  /** The images the probes are fitted on. */
  readonly train: ImageDataset;
  /** The images they are scored on (`data.heldOut`). */
  readonly heldOut: ImageDataset;
  /** `data.heldOut` as {@link heldOutLabel} names it, for the lines. */
  readonly heldOutLabel: string;
  readonly input: MethodInput;
  /** @defaultValue 'class' */
  readonly token?: FeatureToken;
  /** `run.linearEveryEpochs`: every this many epochs; 0 only after the last. */
  readonly everyEpochs: number;
  /** The run's epochs (the last is always probed). */
  readonly epochs: number;
  /** `run.linearEpochs`: epochs of each probe. */
  readonly probeEpochs: number;
  /** The run's seed (validation fifth, initial weights, batch orders of the probes). */
  readonly seed: number;
  /** The run's training seconds, for `trainSeconds`. */
  readonly clock: TrainingClock;
  /** Prints a line (above the progress bar). */
  readonly log: (line: string) => void;
  /** Appends the lines to the metrics (a no-op on ranks that do not write). */
  readonly append: (lines: readonly LinearLine[]) => void;
}

/** The linear probes of a run, as `train()`'s `onStep` runs them (see {@link createLinearSchedule}). */
export interface LinearSchedule {
  /** Probes after the last step of a due epoch; returns the lines it appended. */
  onStep(record: { readonly iteration: number }, iterationsPerEpoch: number): Promise<LinearLine[]>;
}

/**
 * Whether the 0-based `epoch` is due under `everyEpochs` (0: only the last of `epochs`): epochs
 * `everyEpochs - 1`, `2 * everyEpochs - 1`, ... and always the last one.
 */
export function isEpochDue(epoch: number, everyEpochs: number, epochs: number): boolean {
  if (epoch === epochs - 1) return true;
  return everyEpochs > 0 && (epoch + 1) % everyEpochs === 0;
}

/**
 * The linear probes of a `selfsup pretrain` run (`run.linearEveryEpochs`): after each due epoch,
 * each backbone gets {@link runLinearProbe} (raw features, a learning-rate sweep chosen on a fifth of
 * the training images, scored on the held-out images), printed in one line and appended to the
 * metrics as a `type: 'linear'` line carrying the training seconds so far. A probe costs the
 * features of every image plus 5 probes of `probeEpochs` epochs: minutes on the full Fashion-MNIST.
 *
 * @example
 * ```ts
 * const linear = createLinearSchedule({ backbones, train, heldOut, heldOutLabel: 'train-last-10000', input, everyEpochs: 0, epochs, probeEpochs: 100, seed, clock, log, append });
 * // in onStep, after the clock: await linear.onStep(record, iterationsPerEpoch);
 * ```
 */
export function createLinearSchedule(options: LinearScheduleOptions): LinearSchedule {
  const probe = async (epoch: number, iteration: number): Promise<LinearLine[]> => {
    const lines: LinearLine[] = [];
    const parts: string[] = [];
    for (const [which, backbone] of options.backbones) {
      const started = performance.now();
      const result = await runLinearProbe(backbone, options.train, options.heldOut, {
        input: options.input,
        token: options.token ?? 'class',
        epochs: options.probeEpochs,
        seed: options.seed,
      });
      const line: LinearLine = {
        type: 'linear',
        epoch,
        iteration,
        step: iteration + 1,
        which,
        top1: result.test.top1,
        top5: result.test.top5,
        learningRate: result.learningRate,
        validationTop1: result.validation.top1,
        probeEpochs: options.probeEpochs,
        trainImages: options.train.count,
        testImages: options.heldOut.count,
        heldOut: options.heldOutLabel,
        seconds: (performance.now() - started) / 1000,
        trainSeconds: options.clock.seconds(),
        time: new Date().toISOString(),
      };
      lines.push(line);
      parts.push(`${which} top-1 ${line.top1.toFixed(1)}% (lr ${line.learningRate}, ${line.seconds.toFixed(0)} s)`);
    }
    options.log(`linear probe after epoch ${epoch + 1}/${options.epochs}: ${parts.join(', ')}`);
    options.append(lines);
    return lines;
  };
  return {
    onStep: async (record, iterationsPerEpoch) => {
      const done = record.iteration + 1;
      if (done % iterationsPerEpoch !== 0) return [];
      const epoch = done / iterationsPerEpoch - 1;
      return isEpochDue(epoch, options.everyEpochs, options.epochs) ? probe(epoch, record.iteration) : [];
    },
  };
}
