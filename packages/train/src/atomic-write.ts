import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { RunLock } from './run-lock.js';

/**
 * `.<name>.tmp-<pid>-<host>-<random>`: the writer's process id and a tag of its host, so that a
 * clean-up can tell a live writer's file from a dead one's. `<host>` is absent in the names of
 * earlier versions, which are taken as this host's.
 */
const TEMPORARY = /^\..+\.tmp-(\d+)-(?:([0-9a-f]{8})-)?[0-9a-f]+$/;

/** Eight hex digits naming this host in temporary file names. */
export const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** The temporary files this process is writing now, by name (shared by every copy of this module). */
const writing: Set<string> = ((globalThis as Record<symbol, unknown>)[Symbol.for('@selfsup/train.temporaryFilesInFlight')] ??=
  new Set<string>()) as Set<string>;

/** A new temporary path beside `path`, named after this process and host. */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${HOST_TAG}-${randomBytes(4).toString('hex')}`);
}

/** Flushes a folder's entries (a rename) to disk; a no-op where folders cannot be opened (Windows). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // not supported on this platform: the rename is still atomic, only its durability is weaker
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes `bytes` to `path` so that `path` holds either its previous content or all of `bytes`,
 * never a part: the bytes go to a temporary file in the same folder, are flushed to disk (fsync),
 * and the file is renamed over `path` (atomic on POSIX and NTFS); the folder is flushed last. On
 * failure the temporary file is removed and `path` is untouched.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const temporary = temporaryPath(path);
  writing.add(basename(temporary));
  let handle;
  try {
    handle = await open(temporary, 'wx');
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  } finally {
    writing.delete(basename(temporary));
  }
  await syncDirectory(dir);
}

/**
 * True when process `pid` of this host is gone: `kill(pid, 0)` fails with ESRCH, or (Linux) the
 * process has exited and only its entry remains, a zombie its parent has not reaped. A container
 * whose first process reaps nobody keeps such zombies for ever (an mpirun rank whose mpirun died).
 */
export function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, as another user's process
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  return isZombie(pid);
}

/** Whether `/proc/<pid>/stat` says the process has exited (state Z or X); false where there is no /proc. */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "<pid> (<command, may hold spaces and parentheses>) <state> ..."
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

/** True when the temporary file `name` was left by a writer that can no longer finish it. */
function isAbandoned(name: string): boolean {
  const match = TEMPORARY.exec(name);
  if (!match) return false;
  const pid = Number(match[1]);
  const host = match[2];
  if (host !== undefined && host !== HOST_TAG) return false; // another host's writer: its liveness is unknown here
  if (pid === process.pid) return !writing.has(name); // ours, and not being written: an earlier process with our pid left it
  return pid > 0 && isProcessGone(pid);
}

/**
 * Removes the temporary files {@link writeFileAtomic} left in the locked folder when their writer
 * was killed mid-write: those of this host's processes that no longer exist, and this process's own
 * that it is not writing. A live writer's file, and any other host's, is left alone. Taking the
 * folder's {@link RunLock} makes sure that no other run is writing there.
 *
 * @returns the names of the removed files.
 */
export async function removeTemporaryFiles(lock: RunLock): Promise<string[]> {
  const dir = dirname(lock.path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const abandoned = names.filter(isAbandoned);
  await Promise.all(abandoned.map((name) => rm(join(dir, name), { force: true })));
  return abandoned;
}
