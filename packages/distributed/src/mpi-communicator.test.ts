import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mpirun, mpirunMissing, rankResults } from '../test/mpirun.js';

const scripts = join(import.meta.dirname, '..', 'test');

interface CollectivesResult {
  rank: number;
  worldSize: number;
  sum: number[];
  mean: number[];
  broadcast: number[];
  gathered: number[];
  barrierMs: number;
  ticks: number;
  reduced: Record<string, { shape: number[]; values: number[] }>;
  weights: number[][];
}

describe('createMpiCommunicator (2 ranks under mpirun)', () => {
  it('all-reduces (sum, mean), broadcasts, all-gathers and meets at the barrier with the event loop free', async (context) => {
    const missing = mpirunMissing();
    if (missing) context.skip(missing);
    const run = await mpirun(2, join(scripts, 'collectives-rank.ts'));
    const results = rankResults<CollectivesResult>(run.output);
    expect(run.code, run.output).toBe(0);
    expect(results.map((r) => r.rank)).toEqual([0, 1]);
    for (const r of results) {
      expect(r.worldSize).toBe(2);
      expect(r.sum).toEqual([3, 6]); // [1, 2] + [2, 4]
      expect(r.mean).toEqual([1.5, 3]);
      expect(r.broadcast).toEqual([11, 12]); // rank 1's values
      expect(r.gathered).toEqual([0, 0.5, 1, 1.5]); // rank order
      expect(r.reduced).toEqual({
        a: { shape: [2, 2], values: [1.5, 1.5, 1.5, 1.5] },
        b: { shape: [3], values: [0.5, -0.5, 1] },
        c: { shape: [], values: [2] },
      });
      expect(r.weights).toEqual([[7, 7, 7], [0, 0, 0, 0]]); // rank 0's
    }
    // rank 0 waited for rank 1 (600 ms late) at the barrier, its timer firing meanwhile
    expect(results[0]!.barrierMs).toBeGreaterThan(400);
    expect(results[0]!.ticks).toBeGreaterThan(10);
  });

  it('a rank killed with SIGKILL ends the job within seconds, with a message naming the rank', async (context) => {
    const missing = mpirunMissing();
    if (missing) context.skip(missing);
    const run = await mpirun(2, join(scripts, 'killed-rank.ts'), { timeoutMs: 60_000 });
    expect(run.code, run.output).not.toBe(0);
    expect(run.output).toMatch(/process rank 1 .*exited on signal 9/);
    expect(run.seconds).toBeLessThan(30);
  });
});
