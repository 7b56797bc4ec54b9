// The run in another process: killed (SIGKILL) mid-run then resumed here, and stopped with SIGINT.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { train } from './train.js';
import { readCheckpoint } from './load-checkpoint.js';
import type { MetricsRecord } from './metrics-writer.js';
import { createChildRun, startChild } from './testing/child-run.js';
import { removeTempDirs, snapshotModules, tempDir } from './testing/helpers.js';

afterAll(removeTempDirs);

const EPOCHS = 2; // 4 steps per epoch

function readMetrics(path: string): MetricsRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as MetricsRecord);
}

async function trainHere(dir: string, metricsFile: string, resume: boolean) {
  const run = createChildRun(EPOCHS);
  const result = await train({
    recipe: run.recipe,
    optimizer: run.optimizer,
    batches: run.data.batches,
    epochs: EPOCHS,
    iterationsPerEpoch: run.data.batchesPerEpoch,
    seed: run.seed,
    checkpoint: { dir, everySteps: 3 },
    resume,
    metricsFile,
    progress: 'none',
  });
  const weights = await snapshotModules(run.recipe);
  const moments = await run.optimizer.getState();
  run.optimizer.dispose();
  run.recipe.dispose();
  return { result, weights, moments, losses: readMetrics(metricsFile).map((r) => [r.iteration, r.loss, r.terms]) };
}

describe('train in a separate process', () => {
  it('resumes a killed run to the same weights and losses as a run that never stopped', async () => {
    const dir = tempDir();
    const metricsFile = join(dir, 'metrics.jsonl');
    // the child saves at step 3, trains steps 4 and 5, then is killed without warning
    const child = startChild({ dir, metricsFile, epochs: EPOCHS, everySteps: 3, hangAfterStep: 5 });
    const hung = child.waitFor(/^HANG$/);
    hung.catch(() => undefined); // awaited below; this only keeps an early exit from being reported as unhandled
    // meanwhile, the same run uninterrupted, here
    const reference = await trainHere(tempDir(), join(tempDir(), 'metrics.jsonl'), false);
    expect(reference.result.step).toBe(8);
    await hung;
    expect(existsSync(join(dir, 'step-3.safetensors'))).toBe(true);
    expect(readMetrics(metricsFile)).toHaveLength(5);
    child.process.kill('SIGKILL');
    const exit = await child.exit;
    expect(exit.signal).toBe('SIGKILL');

    const resumed = await trainHere(dir, metricsFile, true);
    expect(resumed.result).toMatchObject({ status: 'completed', step: 8, resumedFrom: join(dir, 'step-3.safetensors') });
    // identical on the cpu backend: every weight, every moment, every step's losses
    expect(resumed.weights).toEqual(reference.weights);
    expect(resumed.moments).toEqual(reference.moments);
    expect(resumed.losses).toEqual(reference.losses);
  });

  it('saves a checkpoint and exits cleanly (code 0) on SIGINT', async () => {
    const dir = tempDir();
    const metricsFile = join(dir, 'metrics.jsonl');
    const child = startChild({ dir, metricsFile, epochs: 100, everySteps: 1000, sleepMs: 25 });
    await child.waitFor(/^STEP 2$/);
    child.process.kill('SIGINT');
    const exit = await child.exit;
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(/SIGINT received: finishing the current step and saving a checkpoint/);
    const line = exit.stdout.split('\n').find((l) => l.startsWith('RESULT '))!;
    const result = JSON.parse(line.slice('RESULT '.length)) as { status: string; step: number; checkpoint: string };
    expect(result.status).toBe('interrupted');
    expect(result.step).toBeGreaterThanOrEqual(2);
    expect(result.step).toBeLessThan(400);
    expect(result.checkpoint).toBe(join(dir, `step-${result.step}.safetensors`));
    expect(JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')).step).toBe(result.step);
    expect((await readCheckpoint(result.checkpoint)).metadata.step).toBe(result.step);
    expect(readMetrics(metricsFile)).toHaveLength(result.step);
  });
});
