import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mpirun, mpirunMissing, REPOSITORY_ROOT } from '../../distributed/test/mpirun.js';

/** The embedding width of the rank script's ViT. */
const EMBED_DIM = 8;
const script = join(import.meta.dirname, '..', 'test', 'distributed-equivalence-rank.ts');

describe('data-parallel iBOT training (train with an MPI communicator)', () => {
  it('2 ranks with batch B give the weights, teacher, centres and logged losses of 1 rank with batch 2B after 4 steps', async (context) => {
    const missing = mpirunMissing();
    if (missing) context.skip(missing);
    const dir = mkdtempSync(join(tmpdir(), 'selfsup-ddp-'));
    const single = spawnSync(process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', script, 'local', join(dir, 'local.json')], {
      cwd: REPOSITORY_ROOT,
      encoding: 'utf8',
    });
    expect(single.status, single.stderr).toBe(0);
    const run = await mpirun(2, script, { args: ['mpi', join(dir, 'mpi.json')], timeoutMs: 120_000 });
    expect(run.code, run.output).toBe(0);
    const one = JSON.parse(readFileSync(join(dir, 'local.json'), 'utf8')) as Record<string, number[]>;
    const two = JSON.parse(readFileSync(join(dir, 'mpi.json'), 'utf8')) as Record<string, number[]>;
    expect(Object.keys(two)).toEqual(Object.keys(one));
    expect(Object.keys(one)).toEqual(expect.arrayContaining(['center.center', 'patchCenter.center2']));
    expect(Object.keys(one).some((name) => name.startsWith('teacher.'))).toBe(true);
    // what rank 0 logs (loss, terms, metrics) is the mean over the ranks: the numbers of the global batch
    expect(Object.keys(one)).toEqual(expect.arrayContaining(['logged.loss', 'logged.metrics.cls', 'logged.metrics.patch']));
    expect(one['logged.loss']).toHaveLength(4);
    for (const [name, values] of Object.entries(one)) {
      const theirs = two[name]!;
      values.forEach((value, i) => {
        // the key bias (qkv.bias[8..16)) has an exactly zero gradient (softmax ignores a constant
        // added to every key), so AdamW turns float round-off into updates of ~1e-4: compared loosely
        const tolerance = name.endsWith('attn.qkv.bias') && i >= EMBED_DIM && i < 2 * EMBED_DIM ? 1e-3 : 5e-5 + 1e-4 * Math.abs(value);
        expect(Math.abs(theirs[i]! - value), `${name}[${i}]: ${theirs[i]} vs ${value}`).toBeLessThan(tolerance);
      });
    }
    // the centres moved (the test is not comparing two untouched zeros)
    expect(Math.max(...one['center.center']!.map(Math.abs))).toBeGreaterThan(1e-3);
  });
});
