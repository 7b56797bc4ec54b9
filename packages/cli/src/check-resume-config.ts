import { SslError, describeValue } from '@selfsup/core';
import type { CliConfig } from './cli-config-schema.js';

/**
 * The keys a resumed run may change, with why each is safe: they say how long to train, where and
 * how fast to compute, and how often to save and evaluate, not what is computed. Any other key
 * (the seed, the model, the data, the batch size, the optimizer, the augmentation, ...) would mix
 * two runs in one, so `--resume` refuses a change to it.
 */
export const RESUME_SAFE_KEYS: Readonly<Record<string, string>> = {
  epochs: 'train longer (or stop sooner, not before the checkpoint): the schedules are stretched to the new length from the resumed step on',
  'run.outDir': 'the run folder may have been moved',
  'run.checkpointEverySteps': 'how often checkpoints are saved',
  'run.keepCheckpoints': 'how many checkpoints are kept',
  'run.knnEveryEpochs': 'how often k-NN is evaluated',
  'run.knnBeforeTraining': 'a resumed run does not evaluate before training',
  'run.knnK': 'the k-NN evaluation only',
  'run.knnTemperature': 'the k-NN evaluation only',
  'run.knnOf': 'the k-NN evaluation only',
  'run.linearEveryEpochs': 'the linear-probe evaluation only',
  'run.linearEpochs': 'the linear-probe evaluation only',
  'run.backend': 'where it computes (another backend may differ in the last bits)',
  'run.threads': 'how fast it computes',
  'run.progress': 'the progress display',
  'run.plot': 'whether plot.png is written',
  'data.download': 'how the data set is found, not which one',
};

/** A key whose value differs between two configurations. */
export interface ConfigDifference {
  readonly key: string;
  readonly before: unknown;
  readonly after: unknown;
}

function isSection(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The keys whose values differ between two configurations, as key paths (`optimizer.learningRate`),
 * in the order of `before` then of keys only `after` has. Sections are compared key by key;
 * lists and values as wholes.
 *
 * @example
 * ```ts
 * configDifferences({ seed: 0, run: { knnK: 20 } }, { seed: 5, run: { knnK: 20 } }); // [{ key: 'seed', before: 0, after: 5 }]
 * ```
 */
export function configDifferences(before: unknown, after: unknown, prefix = ''): ConfigDifference[] {
  if (isSection(before) && isSection(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => configDifferences(before[key], after[key], prefix === '' ? key : `${prefix}.${key}`));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ key: prefix === '' ? '(root)' : prefix, before, after }];
}

function shown(value: unknown): string {
  return value === undefined ? '(not set)' : describeValue(value);
}

/**
 * Checks that a resumed run keeps its configuration: `now` may differ from the configuration the
 * run was started with (`stored`, from its checkpoint) only in {@link RESUME_SAFE_KEYS}.
 *
 * @param where - the checkpoint, for the message.
 * @returns the safe changes that apply.
 * @throws SslError `INVALID_CONFIG` listing every other key that differs, its value in the run and
 *   now, and how to go on.
 */
export function checkResumeConfig(stored: CliConfig, now: CliConfig, where: string): ConfigDifference[] {
  const differences = configDifferences(stored, now);
  const refused = differences.filter((d) => !(d.key in RESUME_SAFE_KEYS));
  if (refused.length > 0) {
    throw new SslError(
      'INVALID_CONFIG',
      `selfsup pretrain --resume: the configuration differs from the one the run was started with (stored in ${where}) ` +
        `in key(s) a resumed run cannot change, as the run would mix two configurations:\n` +
        refused.map((d) => `  - ${d.key}: ${shown(d.before)} in the run, ${shown(d.after)} now`).join('\n') +
        `\nResume with the run's configuration (drop these changes; without --config, --resume uses the one stored in the run), ` +
        `or start a new run with them in another folder (--out <folder>). A resume may change only: ${Object.keys(RESUME_SAFE_KEYS).join(', ')}.`,
      { details: { checkpoint: where, differences: refused } },
    );
  }
  return differences;
}
