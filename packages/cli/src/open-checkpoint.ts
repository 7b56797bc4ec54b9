import { SslError, isSslError, type Backbone } from '@selfsup/core';
import { useBackend, type BackendInfo, type BackendName } from '@selfsup/backend';
import type { Pretraining } from '@selfsup/ibot';
import { loadCheckpoint, readCheckpoint, type Checkpoint, type CheckpointMetadata } from '@selfsup/train/node';
import { inputOf, type MethodDefinition } from './method-registry.js';
import type { CliConfig } from './cli-config-schema.js';
import { parseCliConfig } from './parse-cli-config.js';
import { loadDatasets, type RunDatasets } from './load-datasets.js';
import { createPretraining, methodConfigOf, methodContext } from './run-parts.js';
import { usageError } from './usage-error.js';
import { checkNamedFiles } from './check-named-files.js';
import { resolveCheckpoint } from './resolve-checkpoint.js';
import { withStoredDataHint } from './with-stored-data-hint.js';

/** A checkpoint of `selfsup pretrain` loaded into its rebuilt pretraining. */
export interface OpenedCheckpoint {
  readonly path: string;
  readonly metadata: CheckpointMetadata;
  readonly method: MethodDefinition;
  readonly config: CliConfig;
  readonly backend: BackendInfo;
  /** The pretraining rebuilt from the stored configuration, every module loaded; dispose it. */
  readonly pretraining: Pretraining;
  /** The run's data sets (`data:` of the configuration), loaded on the first call. */
  datasets(): Promise<RunDatasets>;
}

/** `readCheckpoint`, with a safetensors file that is no training checkpoint (an exported backbone) refused as a usage error naming the flag. */
async function readSelfsupCheckpoint(full: string, path: string): Promise<Checkpoint> {
  try {
    return await readCheckpoint(full);
  } catch (error) {
    if (!isSslError(error, 'CHECKPOINT_CORRUPT') || error.details.reason !== 'no-training-metadata') throw error;
    throw usageError(
      `--checkpoint: ${path} is a safetensors file without selfsup's training metadata, such as a backbone written by selfsup export. ` +
        'Pass a checkpoint of selfsup pretrain (runs/<name>/checkpoints/step-<n>.safetensors) or its run folder.',
    );
  }
}

/**
 * Opens a checkpoint written by `selfsup pretrain` (a checkpoint file, or a run folder or
 * checkpoints folder: its latest checkpoint): verifies it, validates the configuration stored
 * in it, selects the backend, rebuilds the method's networks from that configuration and loads the
 * saved state into them.
 *
 * @param options - `backend`: else the configuration's `run.backend`; `threads`: else `run.threads`;
 *   `cwd`: where a relative `path` is read from.
 */
export async function openCheckpoint(path: string, options: { backend?: string; threads?: number; cwd?: string } = {}): Promise<OpenedCheckpoint> {
  const cwd = options.cwd ?? process.cwd();
  const full = await resolveCheckpoint(path, cwd);
  const checkpoint = await readSelfsupCheckpoint(full, path);
  if (checkpoint.metadata.config === undefined) {
    throw usageError(
      `${path}: this checkpoint stores no configuration, so its networks cannot be rebuilt. Pass a checkpoint written by selfsup pretrain.`,
    );
  }
  const source = `the configuration stored in ${path}`;
  const { method, config } = parseCliConfig(checkpoint.metadata.config, source);
  await checkNamedFiles(method, config, cwd, source);
  const name = (options.backend ?? config.run.backend) as BackendName;
  const threads = options.threads ?? config.run.threads;
  const backend = await useBackend(name, threads === undefined ? {} : { threads });
  let loaded: Promise<RunDatasets> | undefined;
  const datasets = () => (loaded ??= withStoredDataHint(loadDatasets(config.data, inputOf(method, config).channels, cwd), config.data, cwd));
  const context = methodContext(checkpoint.metadata.iterationsPerEpoch, async () => (await datasets()).train, cwd, true);
  const pretraining = await createPretraining(method, methodConfigOf(config), context);
  try {
    await loadCheckpoint(checkpoint, { recipe: pretraining.recipe, optimizer: pretraining.optimizer });
  } catch (error) {
    pretraining.dispose();
    throw error;
  }
  return { path: full, metadata: checkpoint.metadata, method, config, backend, pretraining, datasets };
}

/**
 * The backbone `which` of an opened checkpoint: the teacher by default when the method has one
 * (DINO and iBOT evaluate and release the teacher), else the student.
 */
export function pickBackbone(opened: OpenedCheckpoint, which: string | undefined): { which: 'teacher' | 'student'; backbone: Backbone } {
  const { student, teacher } = opened.pretraining.backbones();
  if (which !== undefined && which !== 'teacher' && which !== 'student') {
    throw usageError(`--which: expected teacher or student, got ${JSON.stringify(which)}.`);
  }
  if (which === 'teacher' && !teacher) {
    throw usageError(`--which teacher: ${opened.method.title} has no teacher; use --which student.`);
  }
  if (which === 'student' || !teacher) return { which: 'student', backbone: student };
  return { which: 'teacher', backbone: teacher };
}
