import { createHash } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, open, readFile, realpath, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { SslError, invalidArgument } from '@selfsup/core';
import { isProcessGone, syncDirectory, temporaryPath } from './atomic-write.js';
import { formatDuration } from './progress.js';

/** The lock file's name inside a run folder. */
export const RUN_LOCK_FILE = '.selfsup.lock';

const LOCK_FORMAT = 'selfsup.lock.v1';

/** The process that holds a run folder's lock, as its lock file records it. */
export interface RunLockOwner {
  /** Its process id. */
  pid: number;
  /** The host it runs on (`os.hostname()`). */
  hostname: string;
  /** When it took the lock (ISO 8601). */
  startedAt: string;
  /** What it runs (a command line), for people reading the lock. */
  command: string;
}

/** A held lock on a run folder. */
export interface RunLock {
  /** The lock file, `<dir>/.selfsup.lock`. */
  readonly path: string;
  /** The owner written in it: this process. */
  readonly owner: RunLockOwner;
  /** Gives this handle back; the file is removed when the process's last handle on the folder is released. Idempotent. */
  release(): Promise<void>;
}

/** Options of {@link acquireRunLock}. */
export interface AcquireRunLockOptions {
  /**
   * What this process runs, recorded in the lock for the message another process shows.
   * @defaultValue the process's command line
   */
  command?: string;
  /**
   * Called with the previous owner when a stale lock (left by a process of this host that no
   * longer exists) is taken over, so that the caller can say so.
   * @defaultValue undefined
   */
  onStale?: (owner: RunLockOwner) => void;
}

interface HeldLock {
  readonly path: string;
  readonly owner: RunLockOwner;
  /** The file's exact content, to remove only our own file. */
  readonly text: string;
  handles: number;
}

interface Registry {
  /** Folders this process holds, by real path. */
  readonly held: Map<string, HeldLock>;
  /** The acquisition in progress per folder, so that two calls of one process take turns. */
  readonly queue: Map<string, Promise<unknown>>;
  exitHook: boolean;
}

/** One registry per process, shared by every copy of this module (a source and a built copy may both be loaded). */
const registry: Registry = ((globalThis as Record<symbol, unknown>)[Symbol.for('@selfsup/train.runLocks')] ??= {
  held: new Map(),
  queue: new Map(),
  exitHook: false,
} satisfies Registry) as Registry;

const ATTEMPTS = 20;
/** A takeover claim without content this long after its creation was left by a process killed while writing it. */
const CLAIM_WRITE_MS = 5000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function defaultCommand(): string {
  return [basename(process.argv[0] ?? 'node'), ...process.argv.slice(1)].join(' ');
}

/** `process 123 on this host (name), since <time> (5:02 ago), running "<command>"`. */
function describeOwner(owner: RunLockOwner): string {
  const started = Date.parse(owner.startedAt);
  const age = Number.isNaN(started) ? '' : ` (${formatDuration((Date.now() - started) / 1000)} ago)`;
  const host = owner.hostname === hostname() ? `this host (${owner.hostname})` : `host ${owner.hostname}`;
  return `process ${owner.pid} on ${host}, since ${owner.startedAt}${age}, running "${owner.command}"`;
}

type LockRead = { kind: 'missing' } | { kind: 'corrupt'; reason: string } | { kind: 'owned'; owner: RunLockOwner; text: string };

function parseOwner(text: string): RunLockOwner | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text.trim() === '' ? 'it is empty' : 'it is not JSON';
  }
  const record = (value ?? {}) as Partial<Record<keyof RunLockOwner | 'format', unknown>>;
  if (typeof value !== 'object' || value === null || record.format !== LOCK_FORMAT) return `it is not a ${LOCK_FORMAT} record`;
  const { pid, hostname: host, startedAt, command } = record;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return `its pid is ${JSON.stringify(pid)}, not a process id`;
  if (typeof host !== 'string' || typeof startedAt !== 'string' || typeof command !== 'string') {
    return 'its hostname, startedAt or command is not a string';
  }
  return { pid, hostname: host, startedAt, command };
}

/**
 * Reads a lock file. A file that does not parse is read again a few times first: on file systems
 * without hard links the lock is created in place, and may be caught between its creation and its
 * content.
 */
async function readLock(path: string): Promise<LockRead> {
  let reason = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) await sleep(25 * attempt);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { kind: 'missing' };
      reason = `it cannot be read (${(error as Error).message})`;
      continue;
    }
    const owner = parseOwner(text);
    if (typeof owner !== 'string') return { kind: 'owned', owner, text };
    reason = owner;
  }
  return { kind: 'corrupt', reason };
}

/** Writes `text` to a new file `path`, failing with EEXIST if it exists; flushed before it is closed. */
/** Creates `path` (O_EXCL) holding `text`, flushed; a file this call created but could not fill (a full disk) is removed. */
async function writeNewFile(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
}

/**
 * Creates `path` holding `text` if it does not exist, atomically: the text is written and flushed to
 * a temporary file first, then hard-linked to `path` (link fails if `path` exists), so that a reader
 * sees the whole owner or no file. Where hard links are not supported the file is created in place
 * with O_EXCL. Returns false when `path` exists.
 */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const temporary = temporaryPath(path);
  await writeNewFile(temporary, text);
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  try {
    await writeNewFile(path, text);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Removes the stale lock whose content is `text`, so that at most one of several processes racing
 * for it does: each first creates a claim file named after that content (O_EXCL), and only the
 * claim's holder checks that the lock still holds `text` and removes it. A claim left by a process
 * that died is skipped for the next one, and removed once the stale lock is gone (not before: a
 * freed claim could be taken by a second process while the live claim's holder works). Returns
 * false when another process is taking the lock over or got there first.
 */
async function removeStaleLock(path: string, text: string): Promise<boolean> {
  const id = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const abandoned: string[] = [];
  for (let n = 0; ; n++) {
    const claim = `${path}.takeover-${id}-${n}`;
    try {
      await writeNewFile(claim, JSON.stringify({ pid: process.pid, hostname: hostname() }));
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
      if (!(await isAbandonedClaim(claim))) return false; // a live process is taking it over
      abandoned.push(claim);
      continue;
    }
    try {
      const current = await readFile(path, 'utf8').catch((error: unknown) => {
        if (errnoCode(error) === 'ENOENT') return undefined;
        throw error;
      });
      if (current !== text) return false;
      await unlink(path).catch((error: unknown) => {
        if (errnoCode(error) !== 'ENOENT') throw error;
      });
      await Promise.all(abandoned.map((c) => unlink(c).catch(() => undefined)));
      return true;
    } finally {
      await unlink(claim).catch(() => undefined);
    }
  }
}

/** A claim is abandoned when its holder is gone, or when it has no holder a while after its creation (it died writing it). */
async function isAbandonedClaim(claim: string): Promise<boolean> {
  const text = await readFile(claim, 'utf8').catch(() => '');
  try {
    const { pid, hostname: host } = JSON.parse(text) as { pid?: unknown; hostname?: unknown };
    if (typeof pid === 'number' && host === hostname()) return isProcessGone(pid);
  } catch {
    // being written, or its writer died before writing
  }
  const created = await stat(claim).catch(() => undefined);
  return created !== undefined && Date.now() - created.mtimeMs > CLAIM_WRITE_MS;
}

function lockedError(dir: string, path: string, owner: RunLockOwner): SslError {
  const sameHost = owner.hostname === hostname();
  const fix = sameHost
    ? `Wait for that run to end, stop it (kill -INT ${owner.pid}: it saves a checkpoint and exits), or use another folder. ` +
      `If no selfsup run uses this folder any more (the process id may have been reused), delete ${path}.`
    : `Its liveness cannot be checked from this host (${hostname()}). ` +
      `If ${owner.hostname} no longer runs it, delete ${path} and run again; otherwise use another folder.`;
  return new SslError(
    'RUN_LOCKED',
    `The run folder ${dir} is in use by ${describeOwner(owner)}: two runs writing one folder would mix their checkpoints and metrics. ${fix}`,
    { details: { dir, lockPath: path, owner } },
  );
}

function corruptError(dir: string, path: string, reason: string): SslError {
  return new SslError(
    'RUN_LOCKED',
    `The run folder ${dir} has a lock file ${path} that is not a selfsup lock: ${reason}. It may be damaged or written by another program. ` +
      `If no run uses this folder, delete ${path} and run again.`,
    { details: { dir, lockPath: path, reason } },
  );
}

/** Removes every lock this process holds, synchronously: at exit, and before a signal ends the process. */
export function releaseRunLocksSync(): void {
  for (const [key, held] of registry.held) {
    registry.held.delete(key);
    try {
      if (readFileSync(held.path, 'utf8') === held.text) unlinkSync(held.path);
    } catch {
      // already gone
    }
  }
}

/** Runs `task` after the lock operations of this process on folder `key` that are in progress. */
async function inTurn<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = registry.queue.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const settled = run.catch(() => undefined);
  registry.queue.set(key, settled);
  try {
    return await run;
  } finally {
    if (registry.queue.get(key) === settled) registry.queue.delete(key);
  }
}

function handleOf(key: string, held: HeldLock): RunLock {
  let released = false;
  return {
    path: held.path,
    owner: held.owner,
    release(): Promise<void> {
      if (released) return Promise.resolve();
      released = true;
      return inTurn(key, async () => {
        held.handles -= 1;
        if (held.handles > 0 || registry.held.get(key) !== held) return;
        const current = await readFile(held.path, 'utf8').catch(() => undefined);
        if (current === held.text) await unlink(held.path).catch(() => undefined);
        registry.held.delete(key);
      });
    },
  };
}

async function lockOnce(dir: string, key: string, options: AcquireRunLockOptions): Promise<RunLock> {
  const existing = registry.held.get(key);
  if (existing) {
    existing.handles += 1;
    return handleOf(key, existing);
  }
  const path = join(key, RUN_LOCK_FILE);
  const command = options.command ?? defaultCommand();
  const owner: RunLockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), command };
  const text = `${JSON.stringify({ format: LOCK_FORMAT, ...owner }, null, 2)}\n`;
  let stale: RunLockOwner | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await createExclusive(path, text)) {
      await syncDirectory(key);
      const held: HeldLock = { path, owner, text, handles: 1 };
      registry.held.set(key, held);
      if (!registry.exitHook) {
        registry.exitHook = true;
        process.once('exit', releaseRunLocksSync);
      }
      if (stale) options.onStale?.(stale);
      return handleOf(key, held);
    }
    const found = await readLock(path);
    if (found.kind === 'missing') continue; // released meanwhile
    if (found.kind === 'corrupt') throw corruptError(dir, path, found.reason);
    const other = found.owner;
    if (other.hostname !== hostname()) throw lockedError(dir, path, other);
    // our own pid without our registry entry: an earlier process with this id left it
    const gone = other.pid === process.pid || isProcessGone(other.pid);
    if (!gone) throw lockedError(dir, path, other);
    if (await removeStaleLock(path, found.text)) stale = other;
    else await sleep(10 + 20 * attempt); // another process is taking it over: see who won
  }
  throw new SslError(
    'RUN_LOCKED',
    `The run folder ${dir}: its lock ${path} kept changing hands over ${ATTEMPTS} attempts; other processes are starting runs in it. Use another folder, or start one run at a time.`,
    { details: { dir, lockPath: path } },
  );
}

/**
 * Locks the run folder `dir` (created if missing) for this process, so that no other process
 * trains, resumes or writes checkpoints in it meanwhile: creates `<dir>/.selfsup.lock`
 * exclusively, holding the owner (pid, host, start time, command) as JSON, written and flushed
 * before it appears so that a reader never sees half an owner.
 *
 * - **Re-entrant** within one process: a second acquire of the same folder returns another handle;
 *   the file is removed when the last handle is released.
 * - A folder locked by a **live process** is refused with `SslError('RUN_LOCKED')`, naming the
 *   owner and the fix.
 * - A **stale** lock, left by a process of this host that no longer exists (`kill(pid, 0)` gives
 *   ESRCH), is taken over, atomically (of several processes racing for it, one wins), and
 *   `onStale(previousOwner)` is called. A lock of **another host** is refused, as its owner's
 *   liveness cannot be checked from here; its message says to delete the file if that host no
 *   longer runs it. An unreadable or damaged lock file is refused with the same code.
 * - Released by {@link RunLock.release}, and at the latest when the process exits normally;
 *   `train`'s Ctrl-C handling releases it before a second Ctrl-C ends the process.
 *
 * Node.js only.
 *
 * @example
 * ```ts
 * const lock = await acquireRunLock('runs/ibot', { command: 'selfsup pretrain', onStale: (o) => console.warn(`took over the lock of process ${o.pid}`) });
 * try { await train({ ...options, checkpoint: { dir: 'runs/ibot' } }); } finally { await lock.release(); }
 * ```
 * @throws SslError `RUN_LOCKED` when another process holds the folder, or its lock file is damaged.
 */
export async function acquireRunLock(dir: string, options: AcquireRunLockOptions = {}): Promise<RunLock> {
  if (typeof dir !== 'string' || dir === '') {
    throw invalidArgument({ argument: 'acquireRunLock(dir)', expected: 'a folder path', actual: dir });
  }
  await mkdir(dir, { recursive: true });
  const key = await realpath(dir);
  return inTurn(key, () => lockOnce(dir, key, options));
}
