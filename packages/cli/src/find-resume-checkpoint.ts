import { SslError, isSslError } from '@selfsup/core';
import { latestCheckpoint, listCheckpoints, readCheckpoint, type CheckpointMetadata } from '@selfsup/train/node';

/** A checkpoint read and verified (structure, metadata, checksums), without its tensors. */
export interface VerifiedCheckpoint {
  readonly path: string;
  readonly metadata: CheckpointMetadata;
}

/** Options of {@link findResumeCheckpoint}. */
export interface FindResumeCheckpointOptions {
  /** The run's checkpoints folder. */
  readonly checkpointDir: string;
  /** The checkpoint to continue from (`--resume-from`); else the latest of `checkpointDir`. */
  readonly explicit?: string | undefined;
  /** How a path is shown in messages. */
  readonly show: (path: string) => string;
  /** The command that continues the run from another checkpoint (`selfsup pretrain --resume-from <path> ...`). */
  readonly continueFrom: (checkpoint: string) => string;
  /** The command that resumes the run from its latest checkpoint (`selfsup pretrain --resume ...`). */
  readonly resumeLatest: string;
}

async function verify(path: string): Promise<VerifiedCheckpoint> {
  const { metadata } = await readCheckpoint(path);
  return { path, metadata };
}

/**
 * The checkpoint a resumed run continues from, read and verified before anything is created:
 * `explicit` when given, else the latest of the folder (`undefined` when it holds none). A damaged
 * one is refused with a message that names the run's other checkpoints (each verified), the exact
 * command to continue from the newest good one, and that deleting the damaged file works too.
 *
 * @throws SslError `CHECKPOINT_CORRUPT` for a damaged checkpoint; `INVALID_ARGUMENT` for one that
 *   cannot be read.
 */
export async function findResumeCheckpoint(options: FindResumeCheckpointOptions): Promise<VerifiedCheckpoint | undefined> {
  const path = options.explicit ?? (await latestCheckpoint(options.checkpointDir));
  if (path === undefined) return undefined;
  try {
    return await verify(path);
  } catch (error) {
    if (!isSslError(error, 'CHECKPOINT_CORRUPT')) throw error;
    throw await damagedCheckpointError(path, error, options);
  }
}

/** The refusal of a damaged checkpoint, with the way past it. */
async function damagedCheckpointError(path: string, error: SslError, options: FindResumeCheckpointOptions): Promise<SslError> {
  const others: { path: string; step: number; good: boolean }[] = [];
  for (const other of await listCheckpoints(options.checkpointDir)) {
    if (other.path === path) continue;
    const good = await verify(other.path).then(
      () => true,
      () => false,
    );
    others.push({ ...other, good });
  }
  const damaged = options.show(path);
  const best = others.find((o) => o.good);
  const listed =
    others.length === 0
      ? 'The run has no other checkpoint.'
      : `The run's other checkpoints: ${others.map((o) => `${options.show(o.path)} (step ${o.step}, ${o.good ? 'verified' : 'damaged too'})`).join(', ')}.`;
  const way = best
    ? `Continue from step ${best.step} with: ${options.continueFrom(options.show(best.path))} ` +
      `-- or delete ${damaged} and run ${options.resumeLatest} again (it continues from the newest checkpoint left).`
    : `No checkpoint of the run can be read: delete ${damaged} and start the run again, or start a new run in another folder (--out <folder>).`;
  return new SslError('CHECKPOINT_CORRUPT', `${error.message} ${listed} ${way}`, {
    cause: error,
    details: { ...error.details, path, others },
  });
}
