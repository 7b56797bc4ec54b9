import { SslError } from '@selfsup/core';
import { createDataLoader, type DataLoader } from '@selfsup/data';
import type { Communicator } from '@selfsup/distributed';
import type { VerifiedCheckpoint } from './find-resume-checkpoint.js';
import type { CliConfig } from './cli-config-schema.js';
import { loadDatasets, type RunDatasets } from './load-datasets.js';

/** The data of a pretraining run, and the numbers of steps and images it implies. */
export interface RunData {
  readonly data: RunDatasets;
  /** This rank's loader (the whole batch on one process). */
  readonly loader: DataLoader;
  /** The seed of the data order and of the steps (a resumed run keeps its checkpoint's). */
  readonly seed: number;
  /** The configured batch, over every rank. */
  readonly globalBatch: number;
  readonly iterationsPerEpoch: number;
}

/** What {@link prepareRunData} reads. */
export interface PrepareRunDataOptions {
  readonly config: CliConfig;
  /** The method's own keys of the configuration (`batchSize`, `seed`, ...). */
  readonly methodConfig: Record<string, unknown>;
  /** Image channels of the backbone. */
  readonly channels: number;
  readonly resumeFrom?: VerifiedCheckpoint;
  readonly communicator?: Communicator;
  readonly cwd: string;
  readonly show: (path: string) => string;
}

/**
 * Loads the run's data sets and builds this rank's loader: checks the batch against the training
 * images, takes the seed (the checkpoint's when resuming), and counts the steps per epoch from the
 * global batch, refusing a resume whose data set gives another count.
 *
 * @throws SslError `INVALID_CONFIG` for a batch larger than the data, a batch the ranks cannot
 *   share evenly, or a resume on changed data.
 */
export async function prepareRunData(options: PrepareRunDataOptions): Promise<RunData> {
  const { config, methodConfig, resumeFrom, communicator } = options;
  const data = await loadDatasets(config.data, options.channels, options.cwd);
  const batchSize = methodConfig.batchSize;
  if (typeof batchSize === 'number' && batchSize > data.train.count) {
    throw new SslError('INVALID_CONFIG', `batchSize: expected at most ${data.train.count} (the training images of ${data.name}), got ${batchSize}. ` +
        `Lower batchSize (--set batchSize=${Math.max(1, Math.min(64, data.train.count))}), or train on more images.`, {
      details: { key: 'batchSize', expected: data.train.count, actual: batchSize },
    });
  }
  // one seed for the data order and the steps: a resumed run keeps its checkpoint's
  const configSeed = methodConfig.seed;
  const seed = resumeFrom?.metadata.seed ?? (typeof configSeed === 'number' ? configSeed : 0);
  const globalBatch = typeof batchSize === 'number' ? batchSize : 64;
  const loader = createDataLoader({
    dataset: data.train,
    batchSize: rankBatchSize(globalBatch, communicator),
    shuffle: true,
    seed,
    dropLast: true,
    ...(communicator ? { shard: { rank: communicator.rank, worldSize: communicator.worldSize } } : {}),
  });
  const iterationsPerEpoch = countIterationsPerEpoch(data, globalBatch, config.run.maxStepsPerEpoch);
  if (resumeFrom) checkResumeIterations(resumeFrom, iterationsPerEpoch, data, globalBatch, config.run.maxStepsPerEpoch, options.show);
  return { data, loader, seed, globalBatch, iterationsPerEpoch };
}

/**
 * Steps per epoch, counted from the global batch: the same whatever the number of ranks (a rank's
 * padded shard holds at least as many batches), so a run resumes with another number of ranks.
 */
function countIterationsPerEpoch(data: RunDatasets, globalBatch: number, maxStepsPerEpoch: number | undefined): number {
  const epochBatches = Math.floor(data.train.count / globalBatch);
  return Math.min(maxStepsPerEpoch ?? epochBatches, epochBatches);
}

/** Refuses a resume whose checkpoint counted another number of steps per epoch: the data set changed. */
function checkResumeIterations(
  resumeFrom: VerifiedCheckpoint,
  iterationsPerEpoch: number,
  data: RunDatasets,
  globalBatch: number,
  maxStepsPerEpoch: number | undefined,
  show: (path: string) => string,
): void {
  if (resumeFrom.metadata.iterationsPerEpoch === iterationsPerEpoch) return;
  throw new SslError(
    'INVALID_CONFIG',
    `selfsup pretrain --resume: the run has ${resumeFrom.metadata.iterationsPerEpoch} steps per epoch (${show(resumeFrom.path)}), ` +
      `but ${iterationsPerEpoch} with the data now (${data.train.count} images of ${data.name} in batches of ${globalBatch}` +
      `${maxStepsPerEpoch === undefined ? '' : `, at most ${maxStepsPerEpoch}`}): the data set changed. Resume with the run's data, or start a new run in another folder.`,
    { details: { checkpoint: resumeFrom.path, expected: resumeFrom.metadata.iterationsPerEpoch, actual: iterationsPerEpoch } },
  );
}

/** This rank's batch: the configured (global) batch split evenly over the ranks. */
function rankBatchSize(globalBatch: number, communicator: Communicator | undefined): number {
  if (!communicator || communicator.worldSize === 1) return globalBatch;
  if (globalBatch % communicator.worldSize !== 0) {
    throw new SslError(
      'INVALID_CONFIG',
      `batchSize: expected a multiple of the ${communicator.worldSize} MPI ranks (it is the global batch, split evenly over the ranks), got ${globalBatch}. ` +
        `Use batchSize ${Math.max(1, Math.round(globalBatch / communicator.worldSize)) * communicator.worldSize}, or another number of ranks.`,
      { details: { key: 'batchSize', expected: `a multiple of ${communicator.worldSize}`, actual: globalBatch } },
    );
  }
  return globalBatch / communicator.worldSize;
}
