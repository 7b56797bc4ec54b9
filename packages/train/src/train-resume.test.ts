// The run in another process: killed (SIGKILL) mid-run or mid-write then resumed here, stopped with
// SIGINT, and guarded by its folder's lock against a second run.
import { existsSync, readFileSync, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SslError } from '@selfsup/core';
import { train } from './train.js';
import { RUN_LOCK_FILE } from './run-lock.js';
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

/** Every file of a folder with its bytes. */
function snapshot(dir: string): [string, string][] {
  return readdirSync(dir)
    .sort()
    .map((name) => [name, readFileSync(join(dir, name)).toString('base64')]);
}

async function trainHere(dir: string, metricsFile: string, resume: boolean, log?: string[]) {
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
    progress: log ? { mode: 'lines', everySteps: 1000, stream: { write: (text: string) => log.push(text) > 0 } } : 'none',
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
    // while the child holds the folder, a second run into it, fresh or resumed, is refused and changes nothing
    const files = snapshot(dir);
    for (const resume of [true, false]) {
      const refused = await trainHere(dir, metricsFile, resume).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SslError);
      expect((refused as SslError).code).toBe('RUN_LOCKED');
      expect((refused as SslError).message).toContain(`The run folder ${dir} is in use by process ${child.process.pid} on this host`);
    }
    expect(snapshot(dir)).toEqual(files);
    child.process.kill('SIGKILL');
    const exit = await child.exit;
    expect(exit.signal).toBe('SIGKILL');
    expect(existsSync(join(dir, RUN_LOCK_FILE))).toBe(true); // a kill -9 leaves its lock behind

    const log: string[] = [];
    const resumed = await trainHere(dir, metricsFile, true, log);
    expect(log.join('')).toContain(`train: took over the lock of ${dir} left by process ${child.process.pid}`);
    expect(existsSync(join(dir, RUN_LOCK_FILE))).toBe(false);
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
    expect(existsSync(join(dir, RUN_LOCK_FILE))).toBe(false);
  });

  it('removes its lock when a second Ctrl-C ends the process at once', async () => {
    const dir = tempDir();
    const child = startChild({ dir, metricsFile: join(dir, 'metrics.jsonl'), epochs: 100, everySteps: 1000, sleepMs: 400 });
    await child.waitFor(/^STEP 1$/);
    expect(existsSync(join(dir, RUN_LOCK_FILE))).toBe(true);
    child.process.kill('SIGINT');
    // the child sleeps 400 ms after each step: the second Ctrl-C lands before it stops on its own
    await child.waitFor(/SIGINT received/);
    child.process.kill('SIGINT');
    const exit = await child.exit;
    expect(exit.signal).toBe('SIGINT');
    expect(exit.stdout).not.toMatch(/^RESULT /m);
    expect(readdirSync(dir)).not.toContain(RUN_LOCK_FILE);
  });

  it('leaves a loadable latest checkpoint when killed (kill -9) while writing a checkpoint or latest.json', async () => {
    const reference = await trainHere(tempDir(), join(tempDir(), 'metrics.jsonl'), false);
    // the third checkpoint's file, then the third latest.json: killed as soon as its temporary file appears
    for (const [pattern, count] of [
      [/^\.step-3\.safetensors\.tmp-/, 1],
      [/^\.latest\.json\.tmp-/, 3],
    ] as const) {
      const dir = tempDir();
      const metricsFile = join(dir, 'metrics.jsonl');
      const seen = new Set<string>(); // a file gives several events (created, written, renamed)
      const child = startChild({ dir, metricsFile, epochs: EPOCHS, everySteps: 1 });
      const watcher = watch(dir, (_event, name) => {
        if (!name || !pattern.test(name) || seen.has(name)) return;
        seen.add(name);
        if (seen.size === count) child.process.kill('SIGKILL');
      });
      const exit = await child.exit;
      watcher.close();
      expect(exit.signal).toBe('SIGKILL');
      // latest.json, whole, names a whole checkpoint of the step it says
      const latest = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as { file: string; step: number };
      expect([2, 3]).toContain(latest.step);
      expect((await readCheckpoint(join(dir, latest.file))).metadata.step).toBe(latest.step);
      // the run resumes from it, cleans up what the killed writer left, and ends as if never stopped
      const resumed = await trainHere(dir, metricsFile, true);
      expect(resumed.result).toMatchObject({ status: 'completed', step: 8, resumedFrom: join(dir, latest.file) });
      expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
      expect(resumed.weights).toEqual(reference.weights);
      expect(resumed.losses).toEqual(reference.losses);
    }
  });
});
