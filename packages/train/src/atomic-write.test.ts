import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOST_TAG, isProcessGone, removeTemporaryFiles, writeFileAtomic } from './atomic-write.js';
import { RUN_LOCK_FILE, acquireRunLock } from './run-lock.js';
import { removeTempDirs, tempDir } from './testing/helpers.js';

afterAll(removeTempDirs);

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary file', async () => {
    const dir = tempDir();
    const path = join(dir, 'latest.json');
    await writeFileAtomic(path, 'first');
    await writeFileAtomic(path, new Uint8Array([115, 101, 99, 111, 110, 100])); // "second"
    expect(readFileSync(path, 'utf8')).toBe('second');
    expect(readdirSync(dir)).toEqual(['latest.json']);
  });

  it('removes its temporary file and leaves the target alone when the rename fails', async () => {
    const dir = tempDir();
    const target = join(dir, 'step-1.safetensors');
    mkdirSync(target); // a folder in the way: rename(file, folder) fails
    writeFileSync(join(target, 'inside'), 'kept');
    await expect(writeFileAtomic(target, 'bytes')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['step-1.safetensors']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('kept');
  });
});

describe('removeTemporaryFiles', () => {
  it("removes what this host's dead writers left, and nothing a live writer or another host may still rename", async () => {
    const dir = tempDir();
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    try {
      const otherHost = HOST_TAG === '0badc0de' ? '0badc0df' : '0badc0de';
      const names = {
        dead: `.step-4.safetensors.tmp-${deadPid}-${HOST_TAG}-0a1b2c3d`,
        deadOlderName: `.latest.json.tmp-${deadPid}-ffff0000`, // written by a version without the host tag
        ownLeftover: `.latest.json.tmp-${process.pid}-${HOST_TAG}-12345678`, // an earlier process with this pid
        live: `.step-5.safetensors.tmp-${live.pid}-${HOST_TAG}-abcdef01`,
        otherHost: `.step-5.safetensors.tmp-${deadPid}-${otherHost}-abcdef02`,
      };
      for (const name of [...Object.values(names), 'step-3.safetensors', '.hidden', 'notes.tmp-1-ab']) writeFileSync(join(dir, name), 'x');
      const lock = await acquireRunLock(dir);
      // a write of this process in flight survives too: clean up while its temporary file exists
      const bytes = new Uint8Array(32 * 1024 * 1024).fill(7);
      const ours = writeFileAtomic(join(dir, 'step-6.safetensors'), bytes);
      let inFlight: string[] = [];
      while (inFlight.length === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        inFlight = readdirSync(dir).filter((n) => n.startsWith('.step-6.safetensors.tmp-'));
      }
      const removed = await removeTemporaryFiles(lock);
      await ours;
      expect(removed.sort()).toEqual([names.dead, names.deadOlderName, names.ownLeftover].sort());
      expect(readFileSync(join(dir, 'step-6.safetensors')).length).toBe(bytes.length);
      expect(readdirSync(dir).sort()).toEqual(
        ['.hidden', RUN_LOCK_FILE, names.live, names.otherHost, 'notes.tmp-1-ab', 'step-3.safetensors', 'step-6.safetensors'].sort(),
      );
      await lock.release();
    } finally {
      live.kill();
    }
  });
});

describe('isProcessGone', () => {
  it('is false for a live process, true for an ended one, and true for a zombie its parent has not reaped', async (context) => {
    expect(isProcessGone(process.pid)).toBe(false);
    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    expect(isProcessGone(Number(ended.stdout))).toBe(true);
    if (!existsSync('/proc/self/stat')) context.skip('no /proc here: a zombie cannot be told from a live process');
    // a shell that starts a short child, prints its pid and becomes a sleep: the child exits after the
    // exec (so the shell cannot have reaped it) and nobody reaps it
    const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 20'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = await new Promise<number>((resolve) => parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
      const stat = await waitForZombie(zombie, 15_000);
      expect(stat).toMatch(/\) Z /); // still listed, as a zombie
      expect(isProcessGone(zombie)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

/** Reads /proc/<pid>/stat until the process is a zombie (a loaded machine may take a while), or the time is up. */
async function waitForZombie(pid: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  while (!/\) Z /.test(stat) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  }
  return stat;
}
