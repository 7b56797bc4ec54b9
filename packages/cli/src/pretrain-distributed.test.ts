import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mpirun, mpirunEnvironment, mpirunMissing, REPOSITORY_ROOT } from '../../distributed/test/mpirun.js';
import { readCheckpoint } from '@selfsup/train/node';
import { readRunMetrics } from './run-metrics.js';
import { temporaryFolder, tinyConfig, writeConfig } from './testing/cli-harness.js';

const bin = join(REPOSITORY_ROOT, 'packages/cli/src/bin.ts');

/** The tiny iBOT run: 2 epochs of 2 steps of 8 images, k-NN after each epoch, every checkpoint kept. */
function distributedConfig(outDir: string): Record<string, unknown> {
  const tiny = tinyConfig(outDir);
  return { ...tiny, epochs: 2, run: { ...(tiny.run as object), plot: false, maxStepsPerEpoch: 2, keepCheckpoints: 10 } };
}

/** `mpirun -np <ranks> selfsup <args>` from source. */
function selfsupOnRanks(ranks: number, args: string[]) {
  return mpirun(ranks, bin, { args, env: { CI: 'true' }, timeoutMs: 120_000 });
}

/** The losses of a run folder's metrics, by step. */
function losses(outDir: string): Map<number, number> {
  return new Map(readRunMetrics(join(outDir, 'metrics.jsonl')).steps.map((record) => [record.iteration + 1, record.loss]));
}

/** A run folder holding only `from`'s checkpoint of `step`, to resume from. */
function folderWithCheckpoint(from: string, to: string, step: number): string {
  mkdirSync(join(to, 'checkpoints'), { recursive: true });
  copyFileSync(join(from, 'checkpoints', `step-${step}.safetensors`), join(to, 'checkpoints', `step-${step}.safetensors`));
  return join(to, 'checkpoints', `step-${step}.safetensors`);
}

describe('selfsup pretrain --distributed mpi (mpirun -np 2)', () => {
  const folder = temporaryFolder('pretrain-mpi');

  it('trains on 2 ranks with rank 0 alone printing and writing, and resumes bit-identically on 2 ranks and on the same schedule on 1', async (context) => {
    const missing = mpirunMissing();
    if (missing) context.skip(missing);
    const whole = join(folder, 'whole');
    const config = writeConfig(folder, 'tiny.yaml', distributedConfig(whole));
    const first = await selfsupOnRanks(2, ['pretrain', '--config', config, '--distributed', 'mpi']);
    expect(first.code, first.output).toBe(0);
    // one header, one summary: rank 1 prints nothing
    expect(first.output.match(/^selfsup pretrain: iBOT/gm)).toHaveLength(1);
    expect(first.output.match(/^done: step 4\/4/gm)).toHaveLength(1);
    expect(first.output).toMatch(/2 epoch\(s\) x 2 steps of 8 images \(4 on each of 2 ranks\)/);
    const metrics = readRunMetrics(join(whole, 'metrics.jsonl'));
    expect(metrics.steps.map((record) => record.iteration)).toEqual([0, 1, 2, 3]); // written once, by rank 0
    expect(metrics.knn.map((line) => line.epoch)).toEqual([0, 1]);

    // the same number of ranks from the checkpoint of step 2: steps 3 and 4 are the same, bit for bit
    const again = join(folder, 'again');
    const fromTwo = folderWithCheckpoint(whole, again, 2);
    const resumed = await selfsupOnRanks(2, ['pretrain', '--config', config, '--out', again, '--resume-from', fromTwo, '--distributed', 'mpi']);
    expect(resumed.code, resumed.output).toBe(0);
    const [expected, actual] = [losses(whole), losses(again)];
    expect([...actual.keys()]).toEqual([3, 4]);
    expect(actual.get(3)).toBe(expected.get(3));
    expect(actual.get(4)).toBe(expected.get(4));

    // one rank from the same checkpoint: the same schedule (steps 3 and 4 of 2 epochs of 2), other per-rank batches
    const single = join(folder, 'single');
    const fromTwoAlone = folderWithCheckpoint(whole, single, 2);
    const alone = await selfsupOnRanks(1, ['pretrain', '--config', config, '--out', single, '--resume-from', fromTwoAlone, '--distributed', 'mpi']);
    expect(alone.code, alone.output).toBe(0);
    const singleLosses = losses(single);
    expect([...singleLosses.keys()]).toEqual([3, 4]);
    for (const step of [3, 4]) expect(Number.isFinite(singleLosses.get(step))).toBe(true);
  }, 240_000);

  it('refuses a global batch that does not split evenly over the ranks, naming batchSize', async (context) => {
    const missing = mpirunMissing();
    if (missing) context.skip(missing);
    const outDir = join(folder, 'uneven');
    const config = writeConfig(folder, 'uneven.yaml', { ...distributedConfig(outDir), batchSize: 7 });
    const run = await selfsupOnRanks(2, ['pretrain', '--config', config, '--distributed', 'mpi']);
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/batchSize: expected a multiple of the 2 MPI ranks .* got 7\. Use batchSize 8/);
  }, 120_000);

  it('a rank killed with SIGKILL mid-run ends the job within 30 s naming the rank, the last checkpoint is intact, and --resume finishes', async (context) => {
    const missing = mpirunMissing();
    if (missing) context.skip(missing);
    const outDir = join(folder, 'killed');
    const tiny = distributedConfig(outDir);
    const config = writeConfig(folder, 'killed.yaml', { ...tiny, epochs: 1, data: { heldOut: 'none' }, run: { ...(tiny.run as object), maxStepsPerEpoch: 40, checkpointEverySteps: 2 } });
    const args = ['-np', '2', '--oversubscribe', process.execPath, '--conditions=@selfsup/source', '--import', 'tsx', bin, 'pretrain', '--config', config, '--distributed', 'mpi'];
    const job = spawn('mpirun', args, { cwd: REPOSITORY_ROOT, env: mpirunEnvironment({ CI: 'true' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    job.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    job.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => job.on('close', (code) => resolve(code)));
    try {
      // wait for a checkpoint, then kill rank 1 (a child of mpirun with OMPI_COMM_WORLD_RANK=1)
      const deadline = Date.now() + 90_000;
      while (!existsSync(join(outDir, 'checkpoints', 'latest.json'))) {
        if (Date.now() > deadline) throw new Error(`no checkpoint after 90 s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const rankOne = rankProcess(job.pid!, 1);
      const rankZero = rankProcess(job.pid!, 0);
      const killedAt = performance.now();
      process.kill(rankOne, 'SIGKILL');
      const code = await exited;
      // mpirun may return while rank 0 still finishes its step and saves (its SIGTERM handling):
      // the job has ended once rank 0 has, and it must within the same 30 s
      while (isAlive(rankZero) && performance.now() - killedAt < 30_000) await new Promise((resolve) => setTimeout(resolve, 100));
      const seconds = (performance.now() - killedAt) / 1000;
      expect(code, output).not.toBe(0);
      expect(isAlive(rankZero), `rank 0 (pid ${rankZero}) still runs 30 s after rank 1 was killed\n${output}`).toBe(false);
      expect(seconds, output).toBeLessThan(30);
      expect(output).toMatch(/rank 1 .*exited on signal 9/);
    } finally {
      if (job.exitCode === null) job.kill('SIGKILL');
    }
    // every checkpoint left loads (none half-written), and --resume on 2 ranks finishes the run
    const files = readdirSync(join(outDir, 'checkpoints')).filter((name) => name.endsWith('.safetensors'));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) await expect(readCheckpoint(join(outDir, 'checkpoints', name))).resolves.toBeDefined();
    const resumed = await selfsupOnRanks(2, ['pretrain', '--config', config, '--resume', '--distributed', 'mpi']);
    expect(resumed.code, resumed.output).toBe(0);
    expect(resumed.output).toMatch(/done: step 40\/40 .*resumed from/);
  }, 240_000);
});

/** Whether a process runs under `pid` (a zombie not yet reaped counts as ended). */
function isAlive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The process id of `rank` among the children of the mpirun process `mpirunPid` (from their environment). */
function rankProcess(mpirunPid: number, rank: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (parent !== mpirunPid) continue;
      const environment = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environment.includes(`OMPI_COMM_WORLD_RANK=${rank}`)) return Number(entry);
    } catch {
      // a process that ended meanwhile
    }
  }
  throw new Error(`no rank ${rank} among the children of mpirun ${mpirunPid}`);
}
