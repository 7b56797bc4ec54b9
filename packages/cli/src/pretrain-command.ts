import { join } from 'node:path';
import { SslError } from '@selfsup/core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { createMpiCommunicator } from '@selfsup/distributed';
import type { RunLock } from '@selfsup/train/node';
import { inputOf } from './method-registry.js';
import { createLogger, displayPath, usesBar, type CliIo } from './cli-io.js';
import { withFileSystemPath } from './file-system-error.js';
import { planPretrainRun, type PretrainOptions } from './plan-pretrain-run.js';
import { prepareRunData } from './prepare-run-data.js';
import { claimRunFolder } from './claim-run-folder.js';
import { logRunHeader } from './log-run-header.js';
import { createRunEvaluations } from './run-evaluations.js';
import { trainFromPlan } from './train-from-plan.js';
import { reportRun, type PretrainResult } from './report-run.js';
import type { PretrainRun } from './pretrain-run.js';
import { createPretraining, methodConfigOf, methodContext } from './run-parts.js';

export type { PretrainOptions } from './plan-pretrain-run.js';
export type { PretrainResult } from './report-run.js';

/**
 * `selfsup pretrain`: validates the configuration (before anything is created), selects the
 * backend, loads the data, builds the method's pretraining, locks the run folder and runs
 * `train()` with checkpoints, metrics (JSON lines), progress, Ctrl-C handling and `--resume`;
 * evaluates k-NN on the held-out images every `run.knnEveryEpochs` epochs and at the end (appended
 * to the metrics as `type: 'knn'` lines), and linear probes with `run.linearEveryEpochs` (`type:
 * 'linear'`), each line with the training seconds so far; writes `plot.svg` and `plot.png`; prints where everything is.
 *
 * Nothing is written in the run folder before the configuration, the data, the method's rules and
 * the resume (the checkpoint verified, the configuration kept) are accepted and the folder's lock
 * (`.selfsup.lock`) is held; `config.yaml`, `plot.svg` and `plot.png` are written atomically.
 *
 * The steps, in order: {@link planPretrainRun}, `useBackend`, {@link prepareRunData}, the method's
 * pretraining, {@link claimRunFolder}, {@link logRunHeader}, {@link createRunEvaluations} (k-NN, linear probes),
 * {@link trainFromPlan}, {@link reportRun}.
 */
export async function runPretrain(options: PretrainOptions, io: CliIo): Promise<PretrainResult> {
  const cwd = io.cwd ?? process.cwd();
  const show = (path: string) => displayPath(path, cwd);
  // under mpirun, every rank plans the run (reads only); rank 0 alone prints and writes
  const communicator = options.distributed === 'mpi' ? createMpiCommunicator() : undefined;
  const writes = (communicator?.rank ?? 0) === 0;
  const plan = await planPretrainRun(options, cwd);
  const { method, config } = plan;
  const input = inputOf(method, config);
  const methodConfig = methodConfigOf(config);
  const log = writes ? createLogger(io, usesBar(config.run.progress, io)) : () => undefined;

  const backend = await useBackend(config.run.backend as BackendName, config.run.threads === undefined ? {} : { threads: config.run.threads });
  const runData = await prepareRunData({ config, methodConfig, channels: input.channels, resumeFrom: plan.resumeFrom, communicator, cwd, show });
  const pretraining = await createPretraining(method, methodConfig, methodContext(runData.iterationsPerEpoch, async () => runData.data.train, cwd, plan.resumeFrom !== undefined));
  let lock: RunLock | undefined;
  try {
    const epochs = (pretraining.config as { epochs?: unknown }).epochs;
    if (typeof epochs !== 'number') {
      throw new SslError('INVALID_CONFIG', `method ${method.name}: its configuration has no "epochs" key, which the command line needs.`);
    }
    // every rank has planned (read the folder) before rank 0 writes in it
    await communicator?.barrier();
    // everything is checked: from here on the run folder is written, by this process only
    if (writes) lock = await claimRunFolder(plan, show, log);
    const run: PretrainRun = {
      options,
      plan,
      io,
      cwd,
      show,
      log,
      writes,
      ...(communicator ? { communicator } : {}),
      backend,
      input,
      runData,
      pretraining,
      epochs,
      metricsPath: join(plan.outDir, 'metrics.jsonl'),
    };
    logRunHeader(run);
    const evaluations = createRunEvaluations(run);
    await evaluations.beforeTraining();
    const trained = await trainFromPlan(run, evaluations.onStep);
    const result = await reportRun(run, trained);
    await communicator?.dispose();
    return result;
  } catch (error) {
    // a file-system error without a path (a write on an open file) happened in the run folder
    throw lock ? withFileSystemPath(error, plan.outDir, 'folder') : error;
  } finally {
    await lock?.release();
    pretraining.dispose();
  }
}
