import { readFile } from 'node:fs/promises';
import { SslError, invalidArgument } from '@selfsup/core';
import { applyCheckpoint, type ApplyCheckpointOptions } from './apply-checkpoint.js';
import { decodeCheckpoint, type Checkpoint, type CheckpointMetadata } from './checkpoint-format.js';

/**
 * Reads and verifies a checkpoint file without loading it into anything: the safetensors
 * structure, the metadata, the SHA-256 checksum of every tensor. Useful to inspect a run
 * (`metadata.step`, `metadata.config`) or to export its weights.
 *
 * @throws SslError `CHECKPOINT_CORRUPT` when the file is truncated, damaged or not a selfsup
 * checkpoint; `INVALID_ARGUMENT` when it cannot be read.
 * @example
 * ```ts
 * const { metadata, tensors } = await readCheckpoint('runs/ibot/step-1000.safetensors');
 * console.log(metadata.step, metadata.config);
 * ```
 */
export async function readCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new SslError(
      'INVALID_ARGUMENT',
      `readCheckpoint(${JSON.stringify(path)}): the file cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)}). ` +
        'Pass the path of a step-<n>.safetensors file, or use latestCheckpoint(dir) to find one.',
      { cause, details: { path } },
    );
  }
  return { ...decodeCheckpoint(bytes, path), path };
}

/** Options of {@link loadCheckpoint}: the recipe and optimizer that receive the saved state. */
export type LoadCheckpointOptions = ApplyCheckpointOptions;

/**
 * Loads a checkpoint written by `saveCheckpoint` (or `train`) into a recipe's modules and an
 * optimizer, so that training continues exactly where it stopped. Everything is verified before
 * anything is assigned: the file (truncation, checksum, metadata), then that it was written for
 * this model (the recipe's name, every tensor's name and shape, the optimizer's parameters). A
 * refused checkpoint changes nothing, neither in memory nor on disk.
 *
 * @param source - A path, or a checkpoint already read with {@link readCheckpoint}.
 * @returns the checkpoint's metadata (`step`, `epoch`, `seed`, `rng`, `config`, ...).
 * @throws SslError `CHECKPOINT_CORRUPT` for a damaged file; `CHECKPOINT_INCOMPATIBLE` for one from
 * another recipe or model, naming the first differing tensor and both shapes.
 * @example
 * ```ts
 * const { step, epoch } = await loadCheckpoint('runs/ibot/step-1000.safetensors', { recipe, optimizer });
 * ```
 */
export async function loadCheckpoint(source: string | Checkpoint, options: LoadCheckpointOptions): Promise<CheckpointMetadata> {
  if (options === null || typeof options !== 'object' || !options.recipe || !options.optimizer) {
    throw invalidArgument({ argument: 'loadCheckpoint(options)', expected: '{ recipe, optimizer }', actual: options });
  }
  const checkpoint = typeof source === 'string' ? await readCheckpoint(source) : source;
  return applyCheckpoint(checkpoint, options);
}
