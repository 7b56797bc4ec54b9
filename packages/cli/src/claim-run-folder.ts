import { join } from 'node:path';
import { stringify } from 'yaml';
import { acquireRunLock, latestCheckpoint, type RunLock, type RunLockOwner } from '@selfsup/train/node';
import { usageError } from './usage-error.js';
import { withFileSystemPath } from './file-system-error.js';
import { writeRunFile } from './run-files.js';
import type { PretrainPlan } from './plan-pretrain-run.js';

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
 * Makes the run folder this process's: takes its lock (`.selfsup.lock`; a dead owner's lock is
 * taken over, with a note), checks that nobody wrote in it since the run was planned, and writes
 * the resolved configuration to `config.yaml` (atomically). The caller releases the lock.
 *
 * @throws SslError `RUN_LOCKED` while another live process holds the folder; usage
 *   `INVALID_ARGUMENT` when the folder changed since it was planned.
 */
export async function claimRunFolder(plan: PretrainPlan, show: (path: string) => string, log: (line: string) => void): Promise<RunLock> {
  const lock = await acquireRunLock(plan.outDir, {
    command: plan.command,
    onStale: (owner) => log(`note: took over the lock of ${show(plan.outDir)}, left by ${describeLockOwner(owner)}, which no longer runs`),
  });
  try {
    await checkFolderUnchanged(plan, show);
    await writeRunFile(
      join(plan.outDir, 'config.yaml'),
      `# The resolved configuration of this run (every default filled in), as stored in its checkpoints.\n${stringify(plan.config)}`,
    );
  } catch (error) {
    await lock.release();
    // a file-system error without a path (a write on an open file) happened in the run folder
    throw withFileSystemPath(error, plan.outDir, 'folder');
  }
  return lock;
}
