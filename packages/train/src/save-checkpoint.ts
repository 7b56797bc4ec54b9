import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkInteger, invalidArgument } from '@selfsup/core';
import { captureCheckpoint, type CaptureCheckpointOptions } from './capture-checkpoint.js';
import { writeFileAtomic } from './atomic-write.js';
import { LATEST_FILE, LATEST_FORMAT, checkpointFileName, listCheckpoints, type LatestCheckpointRecord } from './latest-checkpoint.js';

/** Options of {@link saveCheckpoint}: those of `captureCheckpoint`, and where to write. */
export interface SaveCheckpointOptions extends CaptureCheckpointOptions {
  /** The folder of the run's checkpoints (created if missing). */
  dir: string;
  /**
   * How many checkpoints to keep in `dir`: older `step-<n>.safetensors` files are deleted once
   * this one is safely written.
   * @defaultValue 3
   */
  keep?: number;
}

/** What {@link saveCheckpoint} wrote. */
export interface SavedCheckpoint {
  /** The checkpoint file. */
  readonly path: string;
  /** Optimizer steps completed. */
  readonly step: number;
  /** Its size in bytes. */
  readonly bytes: number;
  /** The older checkpoints it deleted (`keep`). */
  readonly removed: readonly string[];
}

/**
 * Saves everything a run needs to continue exactly: every module of the recipe (student, teacher,
 * centres) under `<module>.<PyTorch name>` in PyTorch layout, the optimizer's moments under
 * `optimizer.<parameter>.exp_avg` / `.exp_avg_sq` (same layout) with their step counts, and JSON
 * metadata: the step and epoch, the seed and the state of the next iteration's `Rng`, the run
 * configuration, a fingerprint of the model (every tensor name and shape) and a SHA-256 checksum.
 *
 * One safetensors file, `dir/step-<step>.safetensors`, written atomically (a temporary file, fsync,
 * rename), then `dir/latest.json` the same way; only then are checkpoints beyond the newest `keep`
 * deleted. A save that fails (disk full, killed process) leaves every earlier checkpoint and
 * `latest.json` as they were.
 *
 * Node.js only (it writes files). The whole file is assembled in memory first: expect about twice
 * the size of the model, teacher and moments together.
 *
 * @example
 * ```ts
 * await saveCheckpoint({ dir: 'runs/ibot', recipe, optimizer, step: 1000, iterationsPerEpoch: 500, seed: 0 });
 * ```
 */
export async function saveCheckpoint(options: SaveCheckpointOptions): Promise<SavedCheckpoint> {
  return writeCheckpoint(await prepareCheckpoint(options));
}

/** A checkpoint read to the host and encoded, not yet written: {@link writeCheckpoint} writes it. */
export interface PreparedCheckpoint {
  readonly dir: string;
  readonly step: number;
  readonly epoch: number;
  readonly keep: number;
  readonly createdAt: string;
  /** The whole safetensors file. */
  readonly bytes: Uint8Array;
}

/**
 * The first half of {@link saveCheckpoint}: checks the options, reads the modules and the
 * optimizer's state to the host and encodes the file. `train` prepares a checkpoint at its step
 * and writes it once the next step showed that its weights did not diverge.
 */
export async function prepareCheckpoint(options: SaveCheckpointOptions): Promise<PreparedCheckpoint> {
  if (options === null || typeof options !== 'object' || typeof options.dir !== 'string' || options.dir === '') {
    throw invalidArgument({ argument: 'saveCheckpoint(options.dir)', expected: 'a folder path', actual: options?.dir });
  }
  const keep = checkInteger('saveCheckpoint(options.keep)', options.keep ?? 3, 1);
  const { metadata, bytes } = await captureCheckpoint(options, 'saveCheckpoint');
  return { dir: options.dir, step: metadata.step, epoch: metadata.epoch, keep, createdAt: metadata.createdAt, bytes };
}

/** The second half of {@link saveCheckpoint}: writes a prepared checkpoint and `latest.json`, then prunes to `keep`. */
export async function writeCheckpoint(prepared: PreparedCheckpoint): Promise<SavedCheckpoint> {
  const { dir, step, epoch, keep, createdAt, bytes } = prepared;
  await mkdir(dir, { recursive: true });
  const file = checkpointFileName(step);
  const path = join(dir, file);
  await writeFileAtomic(path, bytes);
  const latest: LatestCheckpointRecord = { format: LATEST_FORMAT, file, step, epoch, createdAt };
  await writeFileAtomic(join(dir, LATEST_FILE), `${JSON.stringify(latest, null, 2)}\n`);

  const older = (await listCheckpoints(dir)).filter((c) => c.path !== path);
  const removed = older.slice(keep - 1).map((c) => c.path);
  await Promise.all(removed.map((p) => rm(p, { force: true })));
  return { path, step, bytes: bytes.byteLength, removed };
}
