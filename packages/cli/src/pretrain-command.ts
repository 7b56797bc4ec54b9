import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { SslError, type Backbone } from '@selfsup/core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { createDataLoader } from '@selfsup/data';
import { formatDuration, latestCheckpoint, readCheckpoint, train, type MetricsRecord } from '@selfsup/train';
import { inputOf } from './method-registry.js';
import { parseCliConfig } from './parse-cli-config.js';
import { loadConfigFile } from './load-config-file.js';
import { setKeyPath } from './apply-overrides.js';
import { loadDatasets } from './load-datasets.js';
import { evaluateKnn } from './knn-evaluation.js';
import { readRunMetrics, type KnnLine } from './run-metrics.js';
import { renderTrainingPlot } from './plot/training-plot.js';
import { createLogger, displayPath, usesBar, type CliIo } from './cli-io.js';
import { usageError } from './usage-error.js';
import { createPretraining, describeBackbone, methodConfigOf, methodContext } from './run-parts.js';

/** What `selfsup pretrain` was asked, flags already parsed. */
export interface PretrainOptions {
  /** The config file (JSON or YAML). Optional with `resume` and `outDir`: the checkpoint's config is used. */
  readonly config?: string;
  /** Continue the run of the output folder from its latest checkpoint. */
  readonly resume?: boolean;
  /** `[key.path, value]` overrides, applied in order before validation (`--out`, `--epochs`, `--set`, ...). */
  readonly overrides?: readonly (readonly [string, unknown])[];
}

/** What a pretraining run produced. */
export interface PretrainResult {
  readonly status: 'completed' | 'interrupted';
  readonly outDir: string;
  readonly checkpoint?: string;
  readonly metrics: string;
  readonly plot?: string;
  readonly knn: readonly KnnLine[];
}

/**
 * `selfsup pretrain`: validates the configuration (before anything is created), selects the
 * backend, loads the data, builds the method's pretraining and runs `train()` with checkpoints,
 * metrics (JSON lines), progress, Ctrl-C handling and `--resume`; evaluates k-NN on the held-out
 * images every `run.knnEveryEpochs` epochs and at the end (appended to the metrics as
 * `type: 'knn'` lines); writes `plot.png`; prints where everything is.
 */
export async function runPretrain(options: PretrainOptions, io: CliIo): Promise<PretrainResult> {
  const cwd = io.cwd ?? process.cwd();
  const overrides = options.overrides ?? [];
  let raw: unknown;
  let source: string;
  if (options.config !== undefined) {
    raw = loadConfigFile(resolve(cwd, options.config));
    source = options.config;
  } else {
    const out = overrides.find(([key]) => key === 'run.outDir')?.[1];
    if (!options.resume || typeof out !== 'string') {
      throw usageError('selfsup pretrain: expected --config <file> (or --resume --out <run folder> to continue a run with its own configuration).');
    }
    const latest = await latestCheckpoint(join(resolve(cwd, out), 'checkpoints'));
    if (!latest) throw usageError(`selfsup pretrain --resume: ${out} holds no checkpoint to continue; pass --config <file> to start a run.`);
    raw = (await readCheckpoint(latest)).metadata.config;
    source = `the configuration stored in ${displayPath(latest, cwd)}`;
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    raw = structuredClone(raw);
    for (const [key, value] of overrides) setKeyPath(raw as Record<string, unknown>, key, value);
  }
  const { method, config } = parseCliConfig(raw, source);
  const run = config.run;
  const outDir = resolve(cwd, run.outDir ?? join('runs', method.name));
  const checkpointDir = join(outDir, 'checkpoints');
  const metricsPath = join(outDir, 'metrics.jsonl');
  const shownOut = displayPath(outDir, cwd);
  if (!options.resume) {
    const existing = await latestCheckpoint(checkpointDir);
    if (existing) {
      throw usageError(
        `selfsup pretrain: ${shownOut} already holds a run (${displayPath(existing, cwd)}). ` +
          'Pass --resume to continue it, or --out <folder> (run.outDir) to start a new one.',
        { outDir },
      );
    }
  }
  const input = inputOf(method, config);
  const methodConfig = methodConfigOf(config);
  const barMode = usesBar(run.progress, io);
  const log = createLogger(io, barMode);

  const backend = await useBackend(run.backend as BackendName, run.threads === undefined ? {} : { threads: run.threads });
  const data = await loadDatasets(config.data, input.channels, cwd);
  const batchSize = (methodConfig as { batchSize?: unknown }).batchSize;
  if (typeof batchSize === 'number' && batchSize > data.train.count) {
    throw new SslError('INVALID_CONFIG', `batchSize: expected at most ${data.train.count} (the training images of ${data.name}), got ${batchSize}.`, {
      details: { key: 'batchSize', expected: data.train.count, actual: batchSize },
    });
  }
  const seed = (methodConfig as { seed?: unknown }).seed;
  const loader = createDataLoader({
    dataset: data.train,
    batchSize: typeof batchSize === 'number' ? batchSize : 64,
    shuffle: true,
    seed: typeof seed === 'number' ? seed : 0,
    dropLast: true,
  });
  const iterationsPerEpoch = Math.min(run.maxStepsPerEpoch ?? loader.batchesPerEpoch, loader.batchesPerEpoch);
  const pretraining = await createPretraining(method, methodConfig, methodContext(iterationsPerEpoch, async () => data.train, cwd));
  try {
    const epochs = (pretraining.config as { epochs?: unknown }).epochs;
    if (typeof epochs !== 'number') {
      throw new SslError('INVALID_CONFIG', `method ${method.name}: its configuration has no "epochs" key, which the command line needs.`);
    }
    // everything is checked: from here on the run folder is written
    mkdirSync(outDir, { recursive: true });
    writeFileSync(
      join(outDir, 'config.yaml'),
      `# The resolved configuration of this run (every default filled in), as stored in its checkpoints.\n${stringify(config)}`,
    );
    const backbones = pretraining.backbones();
    log(`selfsup pretrain: ${method.title} on ${data.name} (${data.train.count} training images${data.heldOut ? `, ${data.heldOut.count} held out` : ''})`);
    log(`  backend ${backend.name}, ${backend.threads} thread(s) (${backend.reason})`);
    log(`  ${describeBackbone(backbones.student)}; ${epochs} epoch(s) x ${iterationsPerEpoch} steps of ${loader.batchSize} images`);
    log(`  run folder ${shownOut}${options.resume ? ' (resuming)' : ''}`);

    const knnBackbones: [string, Backbone][] = [];
    for (const which of run.knnOf) {
      const backbone = which === 'teacher' ? backbones.teacher : backbones.student;
      if (backbone) knnBackbones.push([which, backbone]);
      else log(`  note: ${method.title} has no teacher; k-NN evaluates the student only`);
    }
    const evaluate = async (epoch: number, iteration: number): Promise<KnnLine[]> => {
      if (!data.heldOut || knnBackbones.length === 0) return [];
      const parts: string[] = [];
      const lines: KnnLine[] = [];
      for (const [which, backbone] of knnBackbones) {
        const start = performance.now();
        const { top1, top5 } = await evaluateKnn(backbone, data.train, data.heldOut, {
          input,
          token: method.featureToken ?? 'class',
          k: run.knnK,
          temperature: run.knnTemperature,
        });
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
      for (const line of lines) appendFileSync(metricsPath, `${JSON.stringify(line)}\n`);
    };
    // the starting point (a fresh run only), written once train() has created the metrics file
    let pending: KnnLine[] = [];
    if (run.knnBeforeTraining && !(options.resume && (await latestCheckpoint(checkpointDir)))) pending = await evaluate(-1, -1);
    const onStep = async (record: MetricsRecord): Promise<void> => {
      append(pending);
      pending = [];
      const done = record.iteration + 1;
      if (done % iterationsPerEpoch !== 0) return;
      const finished = done / iterationsPerEpoch; // epochs completed
      if ((run.knnEveryEpochs > 0 && finished % run.knnEveryEpochs === 0) || finished === epochs) {
        append(await evaluate(finished - 1, record.iteration));
      }
    };

    const started = performance.now();
    const result = await train({
      recipe: pretraining.recipe,
      optimizer: pretraining.optimizer,
      gradients: pretraining.gradients,
      batches: (epoch, position) => loader.epoch(epoch, position),
      epochs,
      iterationsPerEpoch,
      seed: typeof seed === 'number' ? seed : 0,
      checkpoint: {
        dir: checkpointDir,
        everySteps: run.checkpointEverySteps ?? iterationsPerEpoch,
        keep: run.keepCheckpoints,
      },
      resume: options.resume ?? false,
      metricsFile: metricsPath,
      progress: { mode: run.progress, stream: io.stderr, ...(io.env ? { env: io.env } : {}) },
      onStep,
      config,
    });
    const seconds = (performance.now() - started) / 1000;
    const metrics = readRunMetrics(metricsPath);
    let plot: string | undefined;
    if (run.plot) {
      plot = join(outDir, 'plot.png');
      const title = `${method.title} on ${data.name} - ${describeBackbone(backbones.student)} - ${result.step} steps`;
      writeFileSync(plot, renderTrainingPlot(metrics, { title, ...(method.lossParts ? { lossParts: method.lossParts } : {}) }));
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
    if (plot) out(`plot:       ${displayPath(plot, cwd)}`);
    out(`config:     ${displayPath(join(outDir, 'config.yaml'), cwd)}`);
    if (result.status === 'interrupted') {
      out(`continue with: selfsup pretrain --resume --out ${shownOut}`);
    } else if (result.checkpoint) {
      const checkpoint = displayPath(result.checkpoint, cwd);
      out(`next: selfsup eval knn --checkpoint ${checkpoint}`);
      out(`      selfsup export --checkpoint ${checkpoint} --out ${join(shownOut, 'backbone.safetensors')}`);
    }
    return {
      status: result.status,
      outDir,
      ...(result.checkpoint ? { checkpoint: result.checkpoint } : {}),
      metrics: metricsPath,
      ...(plot ? { plot } : {}),
      knn: metrics.knn,
    };
  } finally {
    pretraining.dispose();
  }
}
