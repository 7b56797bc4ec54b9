import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mpirun, mpirunMissing } from '../../distributed/test/mpirun.js';
import { removeTempDirs, tempDir } from './testing/helpers.js';
import type { RanksChildOptions, RanksChildResult } from './testing/ranks-child.js';

afterAll(removeTempDirs);

const script = join(import.meta.dirname, 'testing', 'ranks-child.ts');
/** Steps of the run (16 images in global batches of 4). */
const STEPS = 4;

/** The masked-pixel run on `ranks` MPI ranks; each rank's result, by rank. */
async function runOnRanks(ranks: number, options: Omit<RanksChildOptions, 'resultsDir'>): Promise<RanksChildResult[]> {
  const resultsDir = tempDir('ranks-results');
  const run = await mpirun(ranks, script, { args: [JSON.stringify({ ...options, resultsDir })], timeoutMs: 120_000 });
  expect(run.code, run.output).toBe(0);
  const results = [...Array(ranks).keys()].map((rank) => JSON.parse(readFileSync(join(resultsDir, `rank-${rank}.json`), 'utf8')) as RanksChildResult);
  expect(results.map((result) => [result.rank, result.worldSize])).toEqual([...Array(ranks).keys()].map((rank) => [rank, ranks]));
  return results;
}

/** The step lines of a metrics file. */
function metricsLines(path: string): { iteration: number; loss: number; terms: Record<string, number>; metrics: Record<string, number>; imagesPerSecond: number; stepMs: number; dataMs: number }[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
}

/** A folder holding only `from`'s checkpoint of `step`, and that checkpoint's path there. */
function folderWithCheckpoint(from: string, to: string, step: number): string {
  mkdirSync(to, { recursive: true });
  copyFileSync(join(from, `step-${step}.safetensors`), join(to, `step-${step}.safetensors`));
  return join(to, `step-${step}.safetensors`);
}

describe('train() on 2 MPI ranks: per-rank randomness and logged means', () => {
  it('ranks draw their own masks, rank 0 logs the mean over ranks, and a resume on 2 ranks draws and computes the same', async (context) => {
    const missing = mpirunMissing();
    if (missing) context.skip(missing);
    const root = tempDir('ranks');
    const whole = join(root, 'whole');
    const [zero, one] = await runOnRanks(2, { dir: whole, metricsFile: join(whole, 'metrics.jsonl') });

    // per-rank streams: at every step the two ranks drew different masks for their images
    for (let iteration = 0; iteration < STEPS; iteration++) {
      expect(zero!.masks[iteration]!.length).toBe(one!.masks[iteration]!.length);
      expect(zero!.masks[iteration], `iteration ${iteration}`).not.toEqual(one!.masks[iteration]);
    }

    // what rank 0 logs is the mean of the ranks' own terms (which differ), and every rank got it
    const lines = metricsLines(join(whole, 'metrics.jsonl'));
    expect(lines.map((line) => line.iteration)).toEqual([0, 1, 2, 3]);
    for (const line of lines) {
      const [mine, theirs] = [zero!.localTerms[line.iteration]!, one!.localTerms[line.iteration]!];
      expect(mine.pixel).not.toBe(theirs.pixel);
      for (const name of ['pixel', 'distill']) {
        expect(line.terms[name], `${name} at ${line.iteration}`).toBeCloseTo((mine[name]! + theirs[name]!) / 2, 6);
      }
      expect(line.loss).toBeCloseTo(line.terms.pixel! + line.terms.distill!, 6);
      expect(line.metrics.momentum).toBe(Math.fround(0.9)); // a metric every rank shares stays exact
      expect(zero!.loggedLoss[line.iteration]).toBe(line.loss);
      expect(one!.loggedLoss[line.iteration]).toBe(line.loss);
      // both ranks' 2 images over rank 0's step time
      expect(line.imagesPerSecond).toBeCloseTo(4 / ((line.stepMs + line.dataMs) / 1000), 3);
    }

    // the same number of ranks from the checkpoint of step 2: the same masks, losses and weights, bit for bit
    const again = join(root, 'again');
    const from = folderWithCheckpoint(whole, again, 2);
    const [zeroAgain, oneAgain] = await runOnRanks(2, { dir: again, metricsFile: join(again, 'metrics.jsonl'), resumeFrom: from });
    for (const [before, after] of [[zero!, zeroAgain!], [one!, oneAgain!]] as const) {
      expect(Object.keys(after.masks)).toEqual(['2', '3']);
      for (const iteration of [2, 3]) {
        expect(after.masks[iteration]).toEqual(before.masks[iteration]);
        expect(after.localTerms[iteration]).toEqual(before.localTerms[iteration]);
        expect(after.loggedLoss[iteration]).toBe(before.loggedLoss[iteration]);
      }
      expect(after.weights).toEqual(before.weights);
    }
  }, 240_000);
});
