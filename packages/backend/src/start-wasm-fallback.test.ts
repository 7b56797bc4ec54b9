import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from './use-backend.js';
import { startWasm } from './start-wasm.js';

afterAll(async () => {
  await useBackend('cpu');
});

function threadCount(): number {
  const wasm = (tf.backend() as unknown as { wasm: { PThread?: { runningWorkers: unknown[] } } }).wasm;
  return wasm.PThread?.runningWorkers.length ?? 0;
}

/** [[1, 2], [3, 4]] x [[5, 6], [7, 8]] = [[19, 22], [43, 50]]. */
function smallProduct(): number[] {
  return tf.tidy(() =>
    Array.from(
      tf
        .matMul(
          tf.tensor2d([
            [1, 2],
            [3, 4],
          ]),
          tf.tensor2d([
            [5, 6],
            [7, 8],
          ]),
        )
        .dataSync(),
    ),
  );
}

describe('startWasm fallback', () => {
  it('runs single-threaded with a one-line explanation when a thread fails to start', async () => {
    await useBackend('wasm', { threads: 1 }); // whatever ran before, the next request restarts wasm
    const warnings: string[] = [];
    const started = await startWasm(2, { workerSource: 'throw new Error("threads are broken here")', warn: (line) => warnings.push(line) });
    expect(started.threads).toBe(1);
    expect(started.note).toContain('could not start 2 wasm threads');
    expect(started.note).toContain('threads are broken here');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('\n');
    expect(warnings[0]).toContain('running single-threaded');
    expect(tf.getBackend()).toBe('wasm');
    expect(threadCount()).toBe(0);
    expect(smallProduct()).toEqual([19, 22, 43, 50]);
  });

  it('falls back when threads do not answer in time, and starts them on a later request', async () => {
    await useBackend('cpu');
    const warnings: string[] = [];
    // A worker that never reports "loaded".
    const started = await startWasm(3, { workerSource: 'setInterval(() => {}, 1000);', startTimeoutMs: 300, warn: (line) => warnings.push(line) });
    expect(started.threads).toBe(1);
    expect(started.note).toContain('did not start within 300 ms');
    expect(warnings).toHaveLength(1);
    expect(smallProduct()).toEqual([19, 22, 43, 50]);

    const retried = await startWasm(2);
    expect(retried).toEqual({ threads: 2, requestedThreads: 2, note: undefined });
    expect(threadCount()).toBe(1);
    expect(smallProduct()).toEqual([19, 22, 43, 50]);
  });
});
