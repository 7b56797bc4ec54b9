import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SslError, isSslError, type Backbone } from '@selfsup/core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { createDataLoader } from '@selfsup/data';
import { createMpiCommunicator, type Communicator } from '@selfsup/distributed';
import { acquireRunLock, formatDuration, latestCheckpoint, train, writeFileAtomic, type MetricsRecord, type RunLock, type RunLockOwner } from '@selfsup/train/node';
import { inputOf } from './method-registry.js';
import { loadDatasets } from './load-datasets.js';
import { createRunKnnMonitor } from './run-knn-monitor.js';
import { readRunMetrics, type KnnLine } from './run-metrics.js';
import { renderTrainingPlot } from './plot/training-plot.js';
import { svgToPng } from './plot/svg-to-png.js';
import { createLogger, displayPath, usesBar, type CliIo } from './cli-io.js';
import { usageError } from './usage-error.js';
import { withFileSystemPath } from './file-system-error.js';
import { shellWord } from './format-pretrain-command.js';
import { planPretrainRun, type PretrainOptions, type PretrainPlan } from './plan-pretrain-run.js';
import { createPretraining, describeBackbone, methodConfigOf, methodContext } from './run-parts.js';

export type { PretrainOptions } from './plan-pretrain-run.js';

/** What a pretraining run produced. */
export interface PretrainResult {
  readonly status: 'completed' | 'interrupted';
  readonly outDir: string;
  readonly checkpoint?: string;
  readonly metrics: string;
  readonly plot?: string;
  readonly knn: readonly KnnLine[];
}

/** Writes a file of the run folder atomically; a file-system error names the file. */
async function writeRunFile(path: string, content: string | Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, content);
  } catch (error) {
    throw withFileSystemPath(error, path);
  }
}

/** Appends lines to a file of the run folder; a file-system error names the file. */
function appendRunFile(path: string, text: string): void {
  try {
    appendFileSync(path, text);
  } catch (error) {
    throw withFileSystemPath(error, path);
  }
}

/**
 * Writes `plot.svg` and `plot.png` into the run folder; where `@resvg/resvg-js` has no binary for
 * the platform, only the SVG, with a note.
 *
 * @returns the PNG's path, or the SVG's when there is no PNG.
 */
async function writePlot(outDir: string, svg: string, log: (line: string) => void): Promise<string> {
  const svgPath = join(outDir, 'plot.svg');
  await writeRunFile(svgPath, svg);
  let png: Uint8Array;
  try {
    png = await svgToPng(svg);
  } catch (error) {
    if (!isSslError(error, 'NOT_SUPPORTED')) throw error;
    log(`note: plot.png not written (plot.svg was): ${error.message}`);
    return svgPath;
  }
  const pngPath = join(outDir, 'plot.png');
  await writeRunFile(pngPath, png);
  return pngPath;
}

/** `process 12 on host a (since ..., "selfsup pretrain ...")`. */
function describeLockOwner(owner: RunLockOwner): string {
  return `process ${owner.pid} on ${owner.hostname} (since ${owner.startedAt}, running "${owner.command}")`;
}

/**
 * Checks, holding the run lock, that the run folder is as it was planned: its latest checkpoint is
 * the same (another process may have started or continued a run in it in between).
 */
async function checkFolderUnchanged(plan: PretrainPlan, show: (path: string) => string): Promise<void> {
  const latest = await latestCheckpoint(plan.checkpointDir);
  if (latest === plan.latest) return;
  throw usageError(
    `selfsup pretrain: ${show(plan.outDir)} changed while this command started (its latest checkpoint is now ${latest === undefined ? 'none' : show(latest)}): ` +
      'another process wrote in it. Run the command again.',
  );
}

/**
 * `selfsup pretrain`: validates the configuration (before anything is created), selects the
 * backend, loads the data, builds the method's pretraining, locks the run folder and runs
 * `train()` with checkpoints, metrics (JSON lines), progress, Ctrl-C handling and `--resume`;
 * evaluates k-NN on the held-out images every `run.knnEveryEpochs` epochs and at the end (appended
 * to the metrics as `type: 'knn'` lines); writes `plot.svg` and `plot.png`; prints where everything is.
 *
 * Nothing is written in the run folder before the configuration, the data, the method's rules and
 * the resume (the checkpoint verified, the configuration kept) are accepted and the folder's lock
 * (`.selfsup.lock`) is held; `config.yaml`, `plot.svg` and `plot.png` are written atomically.
 */
export async function runPretrain(options: PretrainOptions, io: CliIo): Promise<PretrainResult> {
  const cwd = io.cwd ?? process.cwd();
  const show = (path: string) => displayPath(path, cwd);
  // under mpirun, every rank plans the run (reads only); rank 0 alone prints and writes
  const communicator = options.distributed === 'mpi' ? createMpiCommunicator() : undefined;
  const writes = (communicator?.rank ?? 0) === 0;
  const plan = await planPretrainRun(options, cwd);
  const { method, config, outDir, checkpointDir, resumeFrom } = plan;
  const run = config.run;
  const metricsPath = join(outDir, 'metrics.jsonl');
  const shownOut = show(outDir);
  const input = inputOf(method, config);
  const methodConfig = methodConfigOf(config);
  const barMode = usesBar(run.progress, io);
  const log = writes ? createLogger(io, barMode) : () => undefined;

  const backend = await useBackend(run.backend as BackendName, run.threads === undefined ? {} : { threads: run.threads });
  const data = await loadDatasets(config.data, input.channels, cwd);
  const batchSize = (methodConfig as { batchSize?: unknown }).batchSize;
  if (typeof batchSize === 'number' && batchSize > data.train.count) {
    throw new SslError('INVALID_CONFIG', `batchSize: expected at most ${data.train.count} (the training images of ${data.name}), got ${batchSize}.`, {
      details: { key: 'batchSize', expected: data.train.count, actual: batchSize },
    });
  }
  // one seed for the data order and the steps: a resumed run keeps its checkpoint's
  const configSeed = (methodConfig as { seed?: unknown }).seed;
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
  // counted from the global batch: the same steps per epoch whatever the number of ranks (a rank's
  // padded shard holds at least as many batches), so a run resumes with another number of ranks
  const epochBatches = Math.floor(data.train.count / globalBatch);
  const iterationsPerEpoch = Math.min(run.maxStepsPerEpoch ?? epochBatches, epochBatches);
  if (resumeFrom && resumeFrom.metadata.iterationsPerEpoch !== iterationsPerEpoch) {
    throw new SslError(
      'INVALID_CONFIG',
      `selfsup pretrain --resume: the run has ${resumeFrom.metadata.iterationsPerEpoch} steps per epoch (${show(resumeFrom.path)}), ` +
        `but ${iterationsPerEpoch} with the data now (${data.train.count} images of ${data.name} in batches of ${globalBatch}` +
        `${run.maxStepsPerEpoch === undefined ? '' : `, at most ${run.maxStepsPerEpoch}`}): the data set changed. Resume with the run's data, or start a new run in another folder.`,
      { details: { checkpoint: resumeFrom.path, expected: resumeFrom.metadata.iterationsPerEpoch, actual: iterationsPerEpoch } },
    );
  }
  const pretraining = await createPretraining(method, methodConfig, methodContext(iterationsPerEpoch, async () => data.train, cwd));
  let lock: RunLock | undefined;
  try {
    const epochs = (pretraining.config as { epochs?: unknown }).epochs;
    if (typeof epochs !== 'number') {
      throw new SslError('INVALID_CONFIG', `method ${method.name}: its configuration has no "epochs" key, which the command line needs.`);
    }
    // every rank has planned (read the folder) before rank 0 writes in it
    await communicator?.barrier();
    // everything is checked: from here on the run folder is written, by this process only
    if (writes) {
      lock = await acquireRunLock(outDir, {
        command: plan.command,
        onStale: (owner) => log(`note: took over the lock of ${shownOut}, left by ${describeLockOwner(owner)}, which no longer runs`),
      });
      await checkFolderUnchanged(plan, show);
      await writeRunFile(
        join(outDir, 'config.yaml'),
        `# The resolved configuration of this run (every default filled in), as stored in its checkpoints.\n${stringify(config)}`,
      );
    }
    const backbones = pretraining.backbones();
    log(`selfsup pretrain: ${method.title} on ${data.name} (${data.train.count} training images${data.heldOut ? `, ${data.heldOut.count} held out` : ''})`);
    log(`  backend ${backend.name}, ${backend.threads} thread(s) (${backend.reason})${communicator ? ` on each of ${communicator.worldSize} MPI ranks` : ''}`);
    log(
      `  ${describeBackbone(backbones.student)}; ${epochs} epoch(s) x ${iterationsPerEpoch} steps of ${globalBatch} images` +
        (communicator ? ` (${loader.batchSize} on each of ${communicator.worldSize} ranks)` : ''),
    );
    log(`  run folder ${shownOut}${resumeFrom ? ` (resuming from ${show(resumeFrom.path)})` : ''}`);
    for (const { path, reason } of data.skipped) log(`  skipped ${show(path)}: ${reason}`);
    const changes = plan.changes.filter((c) => c.key !== 'run.outDir'); // the run folder is shown above
    if (changes.length > 0) log(`  changed on resume: ${changes.map((c) => `${c.key} ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`).join(', ')}`);
    if ((options.resume || options.resumeFrom !== undefined) && !resumeFrom) log(`  ${shownOut} holds no checkpoint yet: starting the run`);

    const knnBackbones: [string, Backbone][] = [];
    for (const which of run.knnOf) {
      const backbone = which === 'teacher' ? backbones.teacher : backbones.student;
      if (backbone) knnBackbones.push([which, backbone]);
      else log(`  note: ${method.title} has no teacher; k-NN evaluates the student only`);
    }
    const knn =
      data.heldOut && knnBackbones.length > 0
        ? createRunKnnMonitor(data.train, data.heldOut, {
            input,
            token: method.featureToken ?? 'class',
            k: run.knnK,
            temperature: run.knnTemperature,
            everyEpochs: run.knnEveryEpochs,
            epochs,
            beforeTraining: run.knnBeforeTraining,
            ...(communicator ? { ranks: communicator } : {}),
          })
        : undefined;
    /** The k-NN lines of the backbones after the 0-based `epoch` (-1: before training), when the schedule says so. */
    const evaluate = async (epoch: number, iteration: number): Promise<KnnLine[]> => {
      if (!knn?.isDue(epoch) || !data.heldOut) return [];
      const parts: string[] = [];
      const lines: KnnLine[] = [];
      for (const [which, backbone] of knnBackbones) {
        const start = performance.now();
        const { top1, top5 } = await knn.evaluate(backbone, epoch);
        const line: KnnLine = {
          type: 'knn',
          epoch,
          iteration,
          step: iteration + 1,
          which,
          k: run.knnK,
          temperature: run.knnTemperature,
          top1,
          top5,
          trainImages: data.train.count,
          testImages: data.heldOut.count,
          seconds: (performance.now() - start) / 1000,
          time: new Date().toISOString(),
        };
        lines.push(line);
        parts.push(`${which} top-1 ${top1.toFixed(1)}% top-5 ${top5.toFixed(1)}% (${line.seconds.toFixed(1)} s)`);
      }
      log(`k-NN ${epoch < 0 ? 'before training' : `after epoch ${epoch + 1}/${epochs}`}: ${parts.join(', ')}`);
      return lines;
    };
    const append = (lines: readonly KnnLine[]) => {
      if (!writes) return;
      for (const line of lines) appendRunFile(metricsPath, `${JSON.stringify(line)}\n`);
    };
    // the starting point (a fresh run only), written once train() has created the metrics file
    let pending: KnnLine[] = resumeFrom ? [] : await evaluate(-1, -1);
    const onStep = async (record: MetricsRecord): Promise<void> => {
      append(pending);
      pending = [];
      const done = record.iteration + 1;
      if (done % iterationsPerEpoch !== 0) return;
      append(await evaluate(done / iterationsPerEpoch - 1, record.iteration));
    };

    const started = performance.now();
    const result = await train({
      recipe: pretraining.recipe,
      optimizer: pretraining.optimizer,
      gradients: pretraining.gradients,
      batches: (epoch, position) => loader.epoch(epoch, position),
      epochs,
      iterationsPerEpoch,
      seed,
      checkpoint: {
        dir: checkpointDir,
        everySteps: run.checkpointEverySteps ?? iterationsPerEpoch,
        keep: run.keepCheckpoints,
      },
      resume: resumeFrom?.path ?? false,
      metricsFile: metricsPath,
      progress: { mode: run.progress, stream: io.stderr, ...(io.env ? { env: io.env } : {}) },
      onStep,
      config,
      ...(communicator ? { communicator } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    if (!writes) {
      await communicator?.dispose();
      return { status: result.status, outDir, metrics: metricsPath, knn: [] };
    }
    const metrics = readRunMetrics(metricsPath);
    let plot: string | undefined;
    if (run.plot) {
      const title = `${method.title} on ${data.name} - ${describeBackbone(backbones.student)} - ${result.step} steps`;
      plot = await writePlot(outDir, await renderTrainingPlot(metrics, { title, ...(method.lossParts ? { lossParts: method.lossParts } : {}) }), log);
    }

    const out = (line: string) => io.stdout.write(`${line}\n`);
    out(
      `${result.status === 'completed' ? 'done' : 'interrupted'}: step ${result.step}/${epochs * iterationsPerEpoch} ` +
        `(epoch ${Math.min(result.epoch, epochs)}/${epochs}) in ${formatDuration(seconds)}` +
        (result.resumedFrom ? `, resumed from ${displayPath(result.resumedFrom, cwd)}` : ''),
    );
    const lastEpoch = Math.max(-1, ...metrics.knn.map((r) => r.epoch));
    const last = metrics.knn.filter((r) => r.epoch === lastEpoch);
    if (last.length > 0) {
      const before = (which: string) => metrics.knn.find((r) => r.epoch === -1 && r.which === which);
      out(
        `k-NN (k=${run.knnK}, T=${run.knnTemperature}) on ${data.name} ${config.data.heldOut}, ${lastEpoch < 0 ? 'before training' : `after epoch ${lastEpoch + 1}`}: ` +
          last
            .map((r) => {
              const start = lastEpoch >= 0 ? before(r.which) : undefined;
              return `${r.which} top-1 ${r.top1.toFixed(1)}%${start ? ` (${start.top1.toFixed(1)}% before training)` : ''}, top-5 ${r.top5.toFixed(1)}%`;
            })
            .join('; '),
      );
    }
    if (result.checkpoint) out(`checkpoint: ${displayPath(result.checkpoint, cwd)}`);
    out(`metrics:    ${displayPath(metricsPath, cwd)}`);
    if (plot) out(`plot:       ${displayPath(plot, cwd)}${plot.endsWith('.png') ? ` (and ${displayPath(join(outDir, 'plot.svg'), cwd)})` : ''}`);
    out(`config:     ${displayPath(join(outDir, 'config.yaml'), cwd)}`);
    if (result.status === 'interrupted') {
      out(`continue with: selfsup pretrain --resume --out ${shellWord(shownOut)}`);
    } else if (result.checkpoint) {
      const checkpoint = displayPath(result.checkpoint, cwd);
      out(`next: selfsup eval knn --checkpoint ${checkpoint}`);
      out(`      selfsup export --checkpoint ${checkpoint} --out ${join(shownOut, 'backbone.safetensors')}`);
    }
    await communicator?.dispose();
    return {
      status: result.status,
      outDir,
      ...(result.checkpoint ? { checkpoint: result.checkpoint } : {}),
      metrics: metricsPath,
      ...(plot ? { plot } : {}),
      knn: metrics.knn,
    };
  } catch (error) {
    // a file-system error without a path (a write on an open file) happened in the run folder
    throw lock ? withFileSystemPath(error, outDir, 'folder') : error;
  } finally {
    await lock?.release();
    pretraining.dispose();
  }
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
