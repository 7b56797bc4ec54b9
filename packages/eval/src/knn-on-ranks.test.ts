import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mpirun, mpirunMissing, rankResults } from '../../distributed/test/mpirun.js';

const script = join(import.meta.dirname, '..', 'test', 'knn-on-ranks-rank.ts');

interface KnnRankResult {
  rank: number;
  worldSize: number;
  gathered: { top1: number; top5: number };
  alone: { top1: number; top5: number };
  shape: number[];
  wholeShape: number[];
  featureDifference: number;
}

describe('k-NN evaluation across ranks (extractFeaturesOnRanks, createKnnMonitor ranks)', () => {
  it('2 ranks, each extracting its block and gathering, give the features and accuracy of 1 rank', async (context) => {
    const missing = mpirunMissing();
    if (missing) context.skip(missing);
    const run = await mpirun(2, script, { timeoutMs: 60_000 });
    expect(run.code, run.output).toBe(0);
    const results = rankResults<KnnRankResult>(run.output);
    expect(results.map((result) => [result.rank, result.worldSize])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    for (const result of results) {
      expect(result.shape).toEqual(result.wholeShape);
      expect(result.shape).toEqual([13, 8]);
      expect(result.featureDifference).toBeLessThan(1e-6);
      expect(result.gathered.top1).toBe(result.alone.top1);
      expect(result.gathered.top5).toBe(result.alone.top5);
    }
  });
});
