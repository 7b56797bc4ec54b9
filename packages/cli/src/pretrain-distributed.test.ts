import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mpirun, mpirunMissing, REPOSITORY_ROOT } from '../../distributed/test/mpirun.js';
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
});
