import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { SslError } from '@selfsup/core';
import { RUN_LOCK_FILE, acquireRunLock, type RunLockOwner } from './run-lock.js';
import { startScript, type Child } from './testing/child-run.js';
import type { LockChildOptions } from './testing/lock-child.js';
import { removeTempDirs, tempDir } from './testing/helpers.js';

afterAll(removeTempDirs);

function startLockChild(options: LockChildOptions): Child {
  return startScript('lock-child.ts', options, { stdin: true });
}

/** The id of a process that has ended: nothing runs under it (until the system reuses it). */
function deadPid(): number {
  const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(ended.stdout);
}

function writeLock(dir: string, owner: RunLockOwner): void {
  writeFileSync(join(dir, RUN_LOCK_FILE), JSON.stringify({ format: 'selfsup.lock.v1', ...owner }));
}

function readOwner(dir: string): RunLockOwner & { format: string } {
  return JSON.parse(readFileSync(join(dir, RUN_LOCK_FILE), 'utf8')) as RunLockOwner & { format: string };
}

async function refusal(promise: Promise<unknown>): Promise<SslError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SslError);
  expect((error as SslError).code).toBe('RUN_LOCKED');
  return error as SslError;
}

/** Runs `use` on a full disk (a 4 KiB tmpfs whose one page a filler file takes); skips, saying why, where none can be mounted. */
function onFullDisk(context: TestContext, use: (dir: string) => Promise<void>): Promise<void> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    context.skip(`a full disk needs a tmpfs mount: this process is not root on Linux (platform ${process.platform}, uid ${process.getuid?.()})`);
  }
  const mount = mkdtempSync(join(tmpdir(), 'selfsup-lock-full-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', mount], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmdirSync(mount);
    context.skip(`mount -t tmpfs failed (${(mounted.stderr || String(mounted.error)).trim()}): a full disk cannot be simulated here`);
  }
  try {
    writeFileSync(join(mount, 'filler'), Buffer.alloc(4096));
  } catch {
    // the filler takes what it can; the disk is full either way
  }
  return use(mount).finally(() => {
    spawnSync('umount', [mount]);
    rmdirSync(mount);
  });
}

describe('acquireRunLock', () => {
  it('fails with ENOSPC on a full disk and leaves no file behind', async (context) => {
    await onFullDisk(context, async (mount) => {
      const error = await acquireRunLock(join(mount, 'run')).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as NodeJS.ErrnoException | undefined)?.code).toBe('ENOSPC');
      expect(readdirSync(join(mount, 'run'))).toEqual([]);
    });
  });

  it('creates the folder and a lock file naming this process; re-entrant, removed with the last handle', async () => {
    const dir = join(tempDir(), 'run');
    const first = await acquireRunLock(dir, { command: 'selfsup pretrain --config a.yaml' });
    expect(first.path).toBe(join(dir, RUN_LOCK_FILE));
    expect(readOwner(dir)).toEqual({
      format: 'selfsup.lock.v1',
      pid: process.pid,
      hostname: hostname(),
      startedAt: first.owner.startedAt,
      command: 'selfsup pretrain --config a.yaml',
    });
    const second = await acquireRunLock(dir);
    expect(second.owner).toEqual(first.owner); // the file is not rewritten
    await first.release();
    await first.release(); // idempotent: does not give back the second handle
    expect(existsSync(first.path)).toBe(true);
    await second.release();
    expect(existsSync(first.path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]); // no temporary file left
    // and it can be taken again
    const third = await acquireRunLock(dir);
    expect(existsSync(third.path)).toBe(true);
    await third.release();
  });

  it('takes turns when one process acquires and releases a folder concurrently', async () => {
    const dir = tempDir();
    const handles = await Promise.all([acquireRunLock(dir), acquireRunLock(dir), acquireRunLock(dir)]);
    expect(new Set(handles.map((h) => h.owner.startedAt)).size).toBe(1);
    await Promise.all(handles.map((h) => h.release()));
    expect(existsSync(join(dir, RUN_LOCK_FILE))).toBe(false);
  });

  it('refuses a folder another live process holds, naming it; free again once it releases', async () => {
    const dir = tempDir();
    const child = startLockChild({ dir, command: 'selfsup pretrain --out runs/a' });
    const line = await child.waitFor(/^LOCKED /);
    const pid = Number(line.split(' ')[1]);
    expect(pid).toBe(child.process.pid);
    const error = await refusal(acquireRunLock(dir));
    expect(error.message).toContain(`process ${pid} on this host (${hostname()})`);
    expect(error.message).toContain('running "selfsup pretrain --out runs/a"');
    expect(error.message).toMatch(/since \d{4}-\d\d-\d\dT[\d:.]+Z \(\d+:\d\d ago\)/);
    expect(error.message).toContain(`kill -INT ${pid}`);
    expect(error.details).toMatchObject({ owner: { pid, hostname: hostname() } });
    expect(readOwner(dir).pid).toBe(pid); // untouched
    child.process.stdin!.write('RELEASE\n');
    await child.waitFor(/^RELEASED$/);
    expect((await child.exit).code).toBe(0);
    const lock = await acquireRunLock(dir);
    expect(readOwner(dir).pid).toBe(process.pid);
    await lock.release();
  });

  it('removes its lock when the process exits without releasing it', async () => {
    const dir = tempDir();
    const child = startLockChild({ dir, exitHolding: true });
    await child.waitFor(/^LOCKED /);
    expect((await child.exit).code).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("takes over a dead process's lock (and one left under this process's own id), and says so", async () => {
    const dir = tempDir();
    const dead: RunLockOwner = { pid: deadPid(), hostname: hostname(), startedAt: '2024-01-01T00:00:00.000Z', command: 'selfsup pretrain' };
    writeLock(dir, dead);
    const stale: RunLockOwner[] = [];
    const lock = await acquireRunLock(dir, { onStale: (owner) => stale.push(owner) });
    expect(stale).toEqual([dead]);
    expect(readOwner(dir).pid).toBe(process.pid);
    await lock.release();
    // a container restarts a run under the same pid: the lock of the earlier process is stale too
    const earlier: RunLockOwner = { ...dead, pid: process.pid };
    writeLock(dir, earlier);
    const again = await acquireRunLock(dir, { onStale: (owner) => stale.push(owner) });
    expect(stale).toEqual([dead, earlier]);
    expect(readOwner(dir).startedAt).toBe(again.owner.startedAt);
    await again.release();
    expect(readdirSync(dir)).toEqual([]); // no takeover claim left
  });

  it('lets exactly one of several processes racing for a stale lock win', async () => {
    const dir = tempDir();
    const dead = deadPid();
    writeLock(dir, { pid: dead, hostname: hostname(), startedAt: '2024-01-01T00:00:00.000Z', command: 'killed run' });
    const children = Array.from({ length: 4 }, () => startLockChild({ dir, waitForGo: true }));
    await Promise.all(children.map((c) => c.waitFor(/^READY$/)));
    for (const child of children) child.process.stdin!.write('GO\n');
    const outcomes = await Promise.all(children.map((c) => c.waitFor(/^(LOCKED|REFUSED) /)));
    const winners = outcomes.filter((line) => line.startsWith('LOCKED '));
    expect(winners).toHaveLength(1);
    const winner = Number(winners[0]!.split(' ')[1]);
    for (const line of outcomes.filter((l) => l.startsWith('REFUSED '))) {
      expect(line).toMatch(new RegExp(`^REFUSED RUN_LOCKED .*process ${winner} on this host`));
    }
    expect(readOwner(dir).pid).toBe(winner);
    for (const child of children) child.process.stdin!.end('RELEASE\n');
    const all = await Promise.all(children.map((c) => c.exit));
    // one of them removed the stale lock (and says so if it also won the new one: a process that
    // found the folder free meanwhile may win instead)
    expect(all.map((e) => e.stdout).join('').match(/^STALE /gm)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses another host's lock, with the fix: delete it if that host no longer runs it", async () => {
    const dir = tempDir();
    writeLock(dir, { pid: process.pid, hostname: 'gpu-node-7.cluster', startedAt: '2024-05-01T10:00:00.000Z', command: 'selfsup pretrain' });
    const before = readFileSync(join(dir, RUN_LOCK_FILE), 'utf8');
    const error = await refusal(acquireRunLock(dir));
    expect(error.message).toContain(`process ${process.pid} on host gpu-node-7.cluster, since 2024-05-01T10:00:00.000Z`);
    expect(error.message).toContain(`cannot be checked from this host (${hostname()})`);
    expect(error.message).toContain(`If gpu-node-7.cluster no longer runs it, delete ${join(dir, RUN_LOCK_FILE)}`);
    expect(readFileSync(join(dir, RUN_LOCK_FILE), 'utf8')).toBe(before);
  });

  it('refuses a damaged or foreign lock file with a clear message', async () => {
    const dir = tempDir();
    const path = join(dir, RUN_LOCK_FILE);
    for (const [content, reason] of [
      ['{"format":"selfsup.lock.v1","pid":12', 'it is not JSON'],
      ['', 'it is empty'],
      ['{"pid":1}', 'it is not a selfsup.lock.v1 record'],
      ['{"format":"selfsup.lock.v1","pid":-3,"hostname":"h","startedAt":"t","command":"c"}', 'its pid is -3, not a process id'],
    ] as const) {
      writeFileSync(path, content);
      const error = await refusal(acquireRunLock(dir));
      expect(error.message).toBe(
        `The run folder ${dir} has a lock file ${path} that is not a selfsup lock: ${reason}. It may be damaged or written by another program. ` +
          `If no run uses this folder, delete ${path} and run again.`,
      );
      expect(readFileSync(path, 'utf8')).toBe(content);
    }
  });

  it('rejects a missing folder argument', async () => {
    await expect(acquireRunLock('')).rejects.toThrow(/acquireRunLock\(dir\)/);
  });
});
